"""Checks on the run record and the project's files: quality, ONNX parity, champion
regression and the model card."""

from __future__ import annotations

from typing import Any

from ..errors import ShipyardError
from ..model_card_rules import CARD_FILE, card_problems
from .context import GateContext, Outcome
from .policy import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    ChampionRegressionCheck,
    ModelCardCheck,
    OnnxParityCheck,
    QualityCheck,
    higher_is_better,
)

# The metric a comparison uses when the policy names none, per task kind.
HEADLINE = {"binary": "roc_auc", "multiclass": "f1", "text": "f1", "regression": "r2"}


def _recorded(ctx: GateContext) -> list[str]:
    names = CLASSIFICATION_METRICS if ctx.spec.is_classification else REGRESSION_METRICS
    return [m for m in names if ctx.run.metrics.get(m) is not None]


def check_quality(ctx: GateContext, check: QualityCheck) -> Outcome:
    metric = check.metric
    value = ctx.run.metrics.get(metric)
    better_high = higher_is_better(metric)
    op = "≥" if better_high else "≤"
    if value is None:
        return Outcome(
            False,
            None,
            check.threshold,
            metric,
            f"run {ctx.run.run_id} records no '{metric}' ({ctx.spec.kind} task); "
            f"it records: {', '.join(_recorded(ctx))}",
            {"metrics": ctx.run.metrics, "source": ctx.run.metrics_source},
        )
    ok = value >= check.threshold if better_high else value <= check.threshold
    return Outcome(
        ok,
        value,
        check.threshold,
        metric,
        f"{metric} {value:.4g} {'meets' if ok else 'misses'} {op} {check.threshold:g}",
        {
            "metric": metric,
            "direction": "at least" if better_high else "at most",
            "holdout_rows": ctx.run.dataset.get("holdout_rows"),
            "computed_from": ctx.run.metrics_source,
            "dataset": ctx.run.dataset.get("ref"),
        },
    )


def check_onnx_parity(ctx: GateContext, check: OnnxParityCheck) -> Outcome:
    from ..training.onnx_export import LABEL_AGREEMENT_MIN, PROBA_DIFF_MAX, VALUE_REL_DIFF_MAX

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
    message = (
        f"ONNX agrees with sklearn on {parity.get('rows', 0):,} holdout rows{extra}"
        if ok
        else parity.get("reason") or ctx.run.export_problem or "ONNX disagrees with sklearn"
    )
    return Outcome(ok, value, threshold, unit, message, {"parity": parity})


def check_champion_regression(ctx: GateContext, check: ChampionRegressionCheck) -> Outcome:
    from ..training.champion import current_champion
    from ..training.runs import load_run

    metric = check.metric or HEADLINE.get(ctx.spec.kind, "f1")
    champion = current_champion(ctx.ws, ctx.slug)
    value = ctx.run.metrics.get(metric)
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
    return Outcome(
        ok,
        value,
        limit,
        metric,
        f"{metric} {value:.4g} is {word} the champion's {theirs:.4g} "
        f"(allowed drop {check.margin:g})",
        evidence,
    )


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
