"""Checks on the model: quality, beating the dummy baseline, ONNX parity, champion
regression, and the model card.

Quality values are measured on the model file that ships (`GateContext.measured`: its
answers on the holdout, scored by the training code), not read from run.json; ONNX parity
holds the file to what was recorded at training.
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

MEASURED_FROM = "the model file's answers on the holdout (onnxruntime)"


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
        "computed_from": MEASURED_FROM,
        "recorded_value": ctx.run.metrics.get(metric),
        "dataset": ctx.run.dataset.get("ref"),
    }
    verdict = f"{'meets' if ok else 'misses'} {op} {check.threshold:g}{source}"
    interval = ctx.interval(metric)
    if interval is None:
        return Outcome(ok, value, check.threshold, metric, f"{metric} {value:.4g} {verdict}",
                       evidence)  # fmt: skip
    message, words, warning = interval_words(interval, check.threshold, better_high, check.key)
    evidence |= {"interval": interval.to_json(), "interval_rule": INTERVAL_RULE,
                 "interval_words": words, "interval_summary": message}  # fmt: skip
    if warning and ok:
        evidence["interval_warning"] = warning
        message += f"; passes on the point estimate: {verdict}. Warning: {warning}"
    else:
        message += f"; {'passes' if ok else 'fails'} on the point estimate: {verdict}"
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
        "computed_from": MEASURED_FROM,
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
        f"ONNX agreed with sklearn on {parity.get('rows', 0):,} holdout rows{extra}; the "
        f"model file gives the recorded metrics on all {len(ctx.holdout):,} holdout rows",
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
    theirs = best.metrics.get(metric)
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
    if best.dataset.get("split_sha256") != ctx.run.dataset.get("split_sha256"):
        evidence["note"] = "the champion was measured on another holdout"
    word = "better than" if delta > 0 else "level with" if delta == 0 else "worse than"
    message = (
        f"{metric} {value:.4g} is {word} the champion's {theirs:.4g} "
        f"(allowed drop {check.margin:g})"
    )
    message += _interval_note(ctx, best, metric, evidence)
    return Outcome(ok, value, limit, metric, message, evidence)


def _interval_note(ctx: GateContext, champion: Any, metric: str, evidence: dict) -> str:
    """Say whether the candidate and the champion can be told apart: their 95% intervals
    (the candidate's measured now, the champion's recorded at training) overlap or not.
    The verdict stays on the point estimates."""
    from shipyard.core.training.intervals import recorded_intervals

    mine = ctx.interval(metric)
    theirs = recorded_intervals(champion).get(metric)
    if mine is None or theirs is None:
        return ""
    apart = not mine.overlaps(theirs)
    evidence |= {"candidate_interval": mine.to_json(), "champion_interval": theirs.to_json(),
                 "distinguishable": apart}  # fmt: skip
    if apart:
        return "; the 95% intervals do not overlap: a real difference on this holdout"
    return "; not distinguishable on this holdout (the 95% intervals overlap)"


def check_model_card(ctx: GateContext, check: ModelCardCheck) -> Outcome:
    path = ctx.entry.path / CARD_FILE
    if not path.is_file():
        return Outcome(
            False,
            "missing",
            "complete",
            "",
            "no model card yet — generate one",
            {"file": str(path)},
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
            {"file": str(path), "problems": problems},
        )
    return Outcome(True, 0, 0, "problems", "the model card is complete", {"file": str(path)})
