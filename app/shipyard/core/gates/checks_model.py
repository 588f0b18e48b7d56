"""Checks on the model: quality, beating the dummy baseline, ONNX parity, champion
regression, and the model card.

Quality values are measured on the model file that ships (`GateContext.measured`: its
answers on the sealed test split, scored by the training code), not read from run.json; ONNX
parity holds the file to what was recorded at training (on the validation rows). Every
quality check's evidence carries the test split's wear, and the one-pager's target check
warns when the split is worn (core/training/test_split_wear.py).
"""

from __future__ import annotations

from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.gates.context import METRIC_TOLERANCE, GateContext, Outcome
from shipyard.core.gates.model_card_rules import card_problems
from shipyard.core.gates.policy import (
    TARGET_ID,
    BaselineCheck,
    ChampionRegressionCheck,
    ModelCardCheck,
    OnnxParityCheck,
    QualityCheck,
)
from shipyard.core.metric_registry import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    higher_is_better,
    metric_label,
)
from shipyard.core.workspace.layout import CARD_FILE


def measured_from(ctx: GateContext) -> str:
    return f"the model file's answers on {ctx.judged_on} (onnxruntime)"


def _test_split_evidence(ctx: GateContext) -> dict[str, Any]:
    from shipyard.core.training.runs import SCORED_ON_LEGACY

    evidence: dict[str, Any] = {
        "scored_on": "test" if ctx.sealed else SCORED_ON_LEGACY,
        "run_scored_on": ctx.run.scored_on,
        "test_rows": len(ctx.holdout),
    }
    if ctx.wear is not None:
        evidence["test_split"] = ctx.wear.to_json()
    return evidence


def _wear_warning(ctx: GateContext) -> str:
    """ "" or the warning that the test split is worn, with the command for a fresh one."""
    from shipyard.core.training.test_split_wear import fresh_split_fix

    wear = ctx.wear
    if wear is None or not wear.worn:
        return ""
    return (
        f"the test split is worn: {wear.models} distinct models were scored on it (more than "
        f"{wear.limit}), so choices made after seeing its scores may fit it; "
        + fresh_split_fix(ctx.ws, ctx.slug, ctx.run.dataset.get("ref", ""), ctx.run.seed)
    )


def _recorded(ctx: GateContext) -> list[str]:
    names = CLASSIFICATION_METRICS if ctx.spec.is_classification else REGRESSION_METRICS
    return [m for m in names if ctx.measured.get(m) is not None]


def check_quality(ctx: GateContext, check: QualityCheck) -> Outcome:
    metric = check.metric
    value = ctx.measured.get(metric)
    better_high = higher_is_better(metric)
    op = "≥" if better_high else "≤"
    if value is None:
        message = (
            f"no '{metric}' is measured for a {ctx.spec.kind} task (measured: "
            f"{', '.join(_recorded(ctx))})"
        )
        if check.key == TARGET_ID:
            message += (
                f"; the one-pager's primary metric names it: change primary_metric in "
                f"{ctx.entry.path / 'onepager.md'} to one of those"
            )
        return Outcome(False, None, check.threshold, metric, message, {"metrics": ctx.measured})
    ok = value >= check.threshold if better_high else value <= check.threshold
    source = " (the one-pager's target)" if check.key == TARGET_ID else ""
    evidence: dict[str, Any] = {
        "metric": metric,
        "direction": "at least" if better_high else "at most",
        "holdout_rows": len(ctx.holdout),
        "computed_from": measured_from(ctx),
        "recorded_value": ctx.run.metrics.get(metric),
        "dataset": ctx.run.dataset.get("ref"),
    } | _test_split_evidence(ctx)
    verdict = f"{'meets' if ok else 'misses'} {op} {check.threshold:g}{source}"
    worn = _wear_warning(ctx) if check.key == TARGET_ID else ""
    if worn:
        evidence["test_split_warning"] = worn
    where = "on the test split" if ctx.sealed else "on the old holdout the leaderboard also used"
    interval = ctx.interval(metric)
    if interval is None:
        message = f"{metric} {value:.4g} {where} {verdict}"
        if worn:
            message += f". Warning: {worn}"
        return Outcome(ok, value, check.threshold, metric, message, evidence)
    message, words, warning = interval_words(interval, check.threshold, better_high, check.key)
    evidence |= {"interval": interval.to_json(), "interval_rule": INTERVAL_RULE,
                 "interval_words": words, "interval_summary": message}  # fmt: skip
    if warning and ok:
        evidence["interval_warning"] = warning
        message += f"; passes on the point estimate: {verdict} (measured {where}). Warning: "
        message += warning
    else:
        message += f"; {'passes' if ok else 'fails'} on the point estimate: {verdict} "
        message += f"(measured {where})"
    if worn:
        message += f". Warning: {worn}"
    return Outcome(ok, value, check.threshold, metric, message, evidence)


INTERVAL_RULE = (
    "required checks pass or fail on the point estimate; when the 95% interval reaches past "
    "the threshold the check still passes, and its message and evidence warn that the result "
    "is too close to call"
)


def interval_words(
    interval: Any, threshold: float, higher_is_better: bool, key: str = TARGET_ID
) -> tuple[str, str, str]:
    """(message start, words, warning or ""): "ROC AUC 0.78 (0.74–0.82), target 0.75:
    likely above target"; a check other than the one-pager's target says "threshold"."""
    from shipyard.core.training.intervals import against_target, display_digits

    noun = "target" if key == TARGET_ID else "threshold"
    words, crosses = against_target(interval, threshold, higher_is_better, noun)
    shown = interval.text(display_digits(interval))
    message = f"{metric_label(interval.metric)} {shown}, {noun} {threshold:g}: {words}"
    warning = ""
    if crosses:
        bound = "lower" if higher_is_better else "upper"
        edge = interval.low if higher_is_better else interval.high
        warning = (
            f"the {bound} bound of the 95% interval ({edge:.4g}) is "
            f"{'under' if higher_is_better else 'over'} the {noun}: on other rows like these "
            "the model could miss it"
        )
    return message, words, warning


def check_baseline(ctx: GateContext, check: BaselineCheck) -> Outcome:
    metric = ctx.primary[0]
    label = metric_label(metric)
    value = ctx.measured.get(metric)
    theirs_all, source = ctx.baseline
    theirs = theirs_all.get(metric)
    high = higher_is_better(metric)
    evidence: dict[str, Any] = {
        "metric": metric,
        "ranking": ctx.primary[2],
        "baseline_value": theirs,
        "baseline_source": source,
        "computed_from": measured_from(ctx),
        "rule": (
            f"at least the baseline + {check.min_gain:g} (an absolute gain)"
            if high
            else f"at most the baseline x (1 - {check.min_error_cut:g}) "
            f"({check.min_error_cut:.0%} less error)"
        ),
    }
    if value is None or theirs is None:
        missing = "the run" if value is None else "the dummy baseline"
        return Outcome(
            False,
            value,
            None,
            metric,
            f"{label} cannot be measured for {missing} on this holdout, so the run cannot be "
            "shown to beat the dummy baseline",
            evidence,
        )
    limit = theirs + check.min_gain if high else theirs * (1 - check.min_error_cut)
    ok = value >= limit if high else value <= limit
    op = "≥" if high else "≤"
    verb = "beats" if ok else "does not beat"
    return Outcome(
        ok,
        value,
        limit,
        metric,
        f"{label} {value:.4g} {verb} the dummy baseline's {theirs:.4g} (needs {op} "
        f"{limit:.4g}; baseline: {source})",
        evidence,
    )


def check_onnx_parity(ctx: GateContext, check: OnnxParityCheck) -> Outcome:
    """At training ONNX agreed with sklearn (recorded); now the model file must still give
    the metrics recorded then, measured on the same holdout (sklearn pipelines are not kept,
    so the recorded metrics are what the file is held to)."""
    from shipyard.core.training.onnx_export import (
        LABEL_AGREEMENT_MIN,
        PROBA_DIFF_MAX,
        VALUE_REL_DIFF_MAX,
    )

    parity = ctx.run.parity or {}
    if not parity:
        return Outcome(False, None, None, "", "the run holds no parity check", {})
    threshold: float | str
    if parity.get("max_proba_diff") is not None:
        value, threshold, unit = parity["max_proba_diff"], PROBA_DIFF_MAX, "max |Δp|"
        extra = f", labels agree on {parity.get('label_agreement', 0):.2%}"
        extra += f" (need {LABEL_AGREEMENT_MIN:.1%})"
    else:
        value, unit = parity.get("max_value_diff"), "max |Δ|"
        threshold = f"{VALUE_REL_DIFF_MAX:g} × max(1, |prediction|)"
        extra = ""
    ok = bool(parity.get("ok")) and ctx.run.exportable
    if not ok:
        message = parity.get("reason") or ctx.run.export_problem or "ONNX disagrees with sklearn"
        return Outcome(False, value, threshold, unit, message, {"parity": parity})
    evidence: dict[str, Any] = {"parity": parity, "tolerance": METRIC_TOLERANCE}
    if ctx.file_check is None:
        return Outcome(
            True,
            value,
            threshold,
            unit,
            f"ONNX agreed with sklearn on {parity.get('rows', 0):,} rows{extra}; the run holds "
            "no metrics to measure the file against, so it is held to the sha256 recorded at "
            "training",
            evidence,
        )
    where, n = ctx.file_check[2:]
    differ = ctx.file_disagreement()
    if differ:
        evidence["differences"] = {k: {"measured": a, "recorded": b} for k, a, b in differ}
        shown = ", ".join(
            f"{k} {a if a is None else f'{a:.4g}'} measured vs "
            f"{b if b is None else f'{b:.4g}'} recorded"
            for k, a, b in differ[:3]
        )
        gaps = [abs(a - b) for _, a, b in differ if a is not None and b is not None]
        return Outcome(
            False,
            max(gaps) if gaps else None,
            METRIC_TOLERANCE,
            "max |Δ metric|",
            f"the model file does not produce the recorded metrics ({shown}): model.onnx is "
            "not the model this run trained; restore it from a backup, or retrain",
            evidence,
        )
    return Outcome(
        True,
        value,
        threshold,
        unit,
        f"ONNX agreed with sklearn on {parity.get('rows', 0):,} {where} rows{extra}; the "
        f"model file gives the recorded metrics on all {n:,} {where} rows",
        evidence,
    )


def check_champion_regression(ctx: GateContext, check: ChampionRegressionCheck) -> Outcome:
    from shipyard.core.training.champion import current_champion
    from shipyard.core.training.runs import load_run

    metric = check.metric or ctx.primary[0]  # the metric the leaderboard ranks by
    champion = current_champion(ctx.ws, ctx.slug)
    value = ctx.measured.get(metric)
    if champion is None:
        return Outcome(
            None,
            value,
            None,
            metric,
            "no champion yet: nothing to compare with",
            {"metric": metric},
        )
    if champion == ctx.run.run_id:
        return Outcome(
            True,
            value,
            None,
            metric,
            "this run is the champion",
            {"champion": champion, "metric": metric},
        )
    try:
        best = load_run(ctx.ws, ctx.slug, champion)
    except ShipyardError as exc:
        return Outcome(False, value, None, metric, f"the champion cannot be read: {exc}", {})
    theirs, their_interval, where = _champion_score(ctx, best, metric)
    if value is None or theirs is None:
        return Outcome(
            False,
            value,
            theirs,
            metric,
            f"'{metric}' is missing from the {'candidate' if value is None else 'champion'}",
            {"champion": champion},
        )
    high = higher_is_better(metric)
    delta = value - theirs if high else theirs - value  # > 0: the candidate is better
    ok = delta >= -check.margin
    limit = theirs - check.margin if high else theirs + check.margin
    evidence: dict[str, Any] = {
        "champion": champion,
        "champion_value": theirs,
        "candidate_value": value,
        "margin": check.margin,
        "metric": metric,
        "change": delta,
    }
    evidence["champion_measured_on"] = where
    if best.dataset.get("split_sha256") != ctx.run.dataset.get("split_sha256"):
        evidence["note"] = "the champion was measured on another holdout"
    word = "better than" if delta > 0 else "level with" if delta == 0 else "worse than"
    message = (
        f"{metric} {value:.4g} is {word} the champion's {theirs:.4g} "
        f"(allowed drop {check.margin:g})"
    )
    message += _interval_note(ctx, their_interval, metric, evidence)
    return Outcome(ok, value, limit, metric, message, evidence)


def _champion_score(ctx: GateContext, champion: Any, metric: str) -> tuple[Any, Any, str]:
    """(the champion's value, its 95% interval, where it was measured). On the candidate's
    sealed test split when both share it (the champion's model file answers the same test
    rows, counted as wear), else what the champion recorded at training."""
    from shipyard.core.training.intervals import metric_interval, recorded_intervals
    from shipyard.core.training.test_split_wear import record_scoring

    same = champion.dataset.get("split_sha256") == ctx.run.dataset.get("split_sha256")
    if ctx.sealed and same:
        answers = ctx._model_answers(champion, ctx.holdout)
        if answers is not None:
            record_scoring(
                ctx.ws, ctx.slug, dataset_ref=ctx.run.dataset.get("ref", ""),
                split_id=ctx.split.split_id, split_sha256=ctx.split.parquet_sha256,
                model_sha256=champion.model_sha256, run_id=champion.run_id, user=ctx.user,
            )  # fmt: skip
            metrics = ctx._metrics(ctx.holdout, answers)
            classes = list(ctx.spec.classes) if ctx.spec.is_classification else None
            found = metric_interval(metric, metrics.get(metric), ctx.holdout.y, answers[0],
                                    answers[1], classes, seed=ctx.run.seed)  # fmt: skip
            return metrics.get(metric), found, "the test split"
    where = "the old holdout" if champion.scored_on != "validation" else "its validation rows"
    return champion.metrics.get(metric), recorded_intervals(champion).get(metric), where


def _interval_note(ctx: GateContext, theirs: Any, metric: str, evidence: dict[str, Any]) -> str:
    """Say whether the candidate and the champion can be told apart: their 95% intervals
    (the candidate's measured now, the champion's on the same test split, else recorded at
    training) overlap or not. The verdict stays on the point estimates."""
    mine = ctx.interval(metric)
    if mine is None or theirs is None:
        return ""
    apart = not mine.overlaps(theirs)
    evidence |= {"candidate_interval": mine.to_json(), "champion_interval": theirs.to_json(),
                 "distinguishable": apart}  # fmt: skip
    if apart:
        return "; the 95% intervals do not overlap: a real difference on this holdout"
    return "; not distinguishable on these rows (the 95% intervals overlap)"


def check_model_card(ctx: GateContext, check: ModelCardCheck) -> Outcome:
    path = ctx.entry.path / CARD_FILE
    # The report names files inside the workspace by their relative path: it is signed into
    # packages, and must not carry a path of the machine it was measured on.
    shown = path.relative_to(ctx.ws.root).as_posix()
    if not path.is_file():
        return Outcome(
            False,
            "missing",
            "complete",
            "",
            "no model card yet — generate one",
            {"file": shown},
        )
    problems = card_problems(path.read_text(encoding="utf-8", errors="replace"))
    if problems:
        return Outcome(
            False,
            len(problems),
            0,
            "problems",
            f"the model card is incomplete: {problems[0]}"
            + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""),
            {"file": shown, "problems": problems},
        )
    return Outcome(True, 0, 0, "problems", "the model card is complete", {"file": shown})
