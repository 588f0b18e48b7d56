"""Checks on the data behind the run: PII features, the data contract, drift and slices.

PII approvals live in the one-pager as a top-level list the one-pager model keeps as an
unknown field:

    pii_approvals:
      - email                                # a column name, or
      - {column: phone, reason: "...", by: "Dana"}

A PII-flagged column that is a model feature passes only when it is listed there.
"""

from __future__ import annotations

import itertools
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.gates.context import GateContext, Outcome
from shipyard.core.gates.policy import (
    DataContractCheck,
    DriftCheck,
    PiiCheck,
    SlicesCheck,
    higher_is_better,
)

APPROVALS_FIELD = "pii_approvals"
SLICE_BINS = 4
MAX_SLICE_GROUPS = 30


def pii_approvals(ctx: GateContext) -> dict[str, dict[str, Any]]:
    op = ctx.entry.doc.onepager if ctx.entry.doc else None
    raw = (op.model_extra or {}).get(APPROVALS_FIELD) if op is not None else None
    found: dict[str, dict[str, Any]] = {}
    for item in raw or []:
        if isinstance(item, str):
            found[item] = {"column": item}
        elif isinstance(item, dict) and isinstance(item.get("column"), str):
            found[item["column"]] = dict(item)
    return found


def check_pii(ctx: GateContext, check: PiiCheck) -> Outcome:
    from shipyard.core.data.pii_scan import pii_findings

    findings = pii_findings(ctx.version)
    flagged = {f.column: f for f in findings}
    features = set(ctx.spec.features)
    approvals = pii_approvals(ctx)
    used = sorted(c for c in flagged if c in features)
    unapproved = [c for c in used if c not in approvals]
    evidence = {
        "flagged_columns": {c: f"{f.label} ({f.share:.0%} of rows)" for c, f in flagged.items()},
        "features": ctx.spec.features,
        "approved": sorted(c for c in used if c in approvals),
        "approvals_field": f"{APPROVALS_FIELD} in the one-pager",
    }
    if unapproved:
        return Outcome(
            False,
            len(unapproved),
            0,
            "columns",
            f"PII columns used as features without approval: {', '.join(unapproved)} — "
            f"drop them or record the approval under '{APPROVALS_FIELD}:' in the one-pager",
            evidence,
        )
    note = f" ({len(used)} approved)" if used else ""
    return Outcome(
        True,
        0,
        0,
        "columns",
        f"no unapproved PII feature; {len(flagged)} flagged columns in {ctx.version.ref}{note}",
        evidence,
    )


def check_data_contract(ctx: GateContext, check: DataContractCheck) -> Outcome:
    from shipyard.core.data.contract_check import validate
    from shipyard.core.data.contract_model import contract_path, load_contract

    contract = load_contract(ctx.ws, ctx.slug)
    if contract is None:
        return Outcome(
            False,
            "missing",
            "passes",
            "",
            "no data contract yet — infer one in Datasets → Contract "
            f"(or 'shipyard data contract infer WS {ctx.slug} REF')",
            {"file": contract_path(ctx.ws, ctx.slug).relative_to(ctx.ws.root).as_posix()},
        )
    report = validate(ctx.version, contract)
    failures = report.failures
    evidence = {
        "version": report.ref,
        "rules": len(report.results),
        "failures": [
            {
                "column": f.column,
                "rule": f.rule,
                "expected": f.expected,
                "failing_rows": f.failing_rows,
                "message": f.message,
            }
            for f in failures[:20]
        ],
    }
    if failures:
        first = failures[0]
        return Outcome(
            False,
            len(failures),
            0,
            "rules",
            f"{len(failures)} of {len(report.results)} contract rules fail on {report.ref}; "
            f"first: {first.column or 'table'} {first.rule} ({first.message or first.expected})",
            evidence,
        )
    return Outcome(
        True,
        0,
        0,
        "rules",
        f"all {len(report.results)} contract rules pass on {report.ref}",
        evidence,
    )


def _reference_ref(ctx: GateContext, check: DriftCheck) -> str:
    if check.reference:
        return check.reference
    from shipyard.core.data.project_links import project_links

    for link in project_links(ctx.ws, ctx.slug):
        if link.role == "reference":
            return link.ref
    return ""


def check_drift(ctx: GateContext, check: DriftCheck) -> Outcome:
    from shipyard.core.data.catalog import resolve
    from shipyard.core.data.drift import compare_versions

    ref = _reference_ref(ctx, check)
    if not ref:
        return Outcome(
            None,
            None,
            check.max_psi,
            "PSI",
            "no reference version chosen — set 'reference: NAME@vN' on the drift check, or "
            "link a version with role 'reference'",
            {},
        )
    reference = resolve(ctx.ws, ref)
    report = compare_versions(ctx.version, reference, columns=ctx.spec.features)
    ranked = sorted(report.columns, key=lambda c: -c.psi)
    worst = ranked[0] if ranked else None
    value = worst.psi if worst else 0.0
    ok = value < check.max_psi
    evidence = {
        "training": ctx.version.ref,
        "reference": reference.ref,
        "psi": {c.column: round(c.psi, 5) for c in ranked},
        "severity": {c.column: c.severity for c in ranked},
        "skipped": report.skipped,
    }
    where = f" ({worst.column})" if worst else ""
    return Outcome(
        ok,
        value,
        check.max_psi,
        "PSI",
        f"largest PSI {value:.3f}{where} between {ctx.version.ref} and {reference.ref}",
        evidence,
    )


def _slice_values(ctx: GateContext, column: str) -> list[Any]:
    """The slice column's values for the holdout rows, in the frames' order."""
    from shipyard.core.data.split import load_split, split_relations
    from shipyard.core.sql.duck import connect
    from shipyard.core.sql.sql_text import is_numeric, quote_ident

    types = ctx.version.types
    if column not in types:
        raise ShipyardError(
            f"no column '{column}' in {ctx.version.ref} to slice by",
            fix="use one of: " + ", ".join(types),
        )
    split = load_split(ctx.version, ctx.run.dataset.get("split_id"))
    con = connect()
    try:
        _, hold = split_relations(ctx.version, split, con)
        q = quote_ident(column)
        values = [r[0] for r in hold.select(q).fetchall()]
    finally:
        con.close()
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if is_numeric(types[column]) and len(set(numbers)) > MAX_SLICE_GROUPS:
        import numpy as np

        edges = np.unique(np.quantile(np.asarray(numbers, dtype=float), [0.25, 0.5, 0.75]))
        labels = [f"≤ {edges[0]:.4g}"] + [
            f"({a:.4g}, {b:.4g}]" for a, b in itertools.pairwise(edges)
        ]
        labels.append(f"> {edges[-1]:.4g}")
        return [
            "(missing)" if v is None else labels[int(np.searchsorted(edges, v, side="left"))]
            for v in values
        ]
    return ["(missing)" if v is None else str(v) for v in values]


def _metric(metric: str, y: Any, pred: Any, positive: str | None, classes: list[str]) -> float:
    import numpy as np

    if metric == "mae":
        return float(np.mean(np.abs(y - pred)))
    if metric == "rmse":
        return float(np.sqrt(np.mean((y - pred) ** 2)))
    if metric == "accuracy":
        return float(np.mean(y == pred))
    labels = [positive] if positive is not None else classes
    scores = []
    for c in labels:
        tp = float(np.sum((pred == c) & (y == c)))
        p = tp / max(float(np.sum(pred == c)), 1.0)
        r = tp / max(float(np.sum(y == c)), 1.0)
        scores.append(
            {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}[metric]
        )
    return float(np.mean(scores))


def check_slices(ctx: GateContext, check: SlicesCheck) -> Outcome:
    import numpy as np

    spec = ctx.spec
    metric = check.metric or ("accuracy" if spec.is_classification else "mae")
    if spec.is_classification != (metric in ("accuracy", "precision", "recall", "f1")):
        return Outcome(
            False,
            None,
            check.max_gap,
            metric,
            f"'{metric}' does not apply to a {spec.kind} task",
            {},
        )
    groups = np.asarray(_slice_values(ctx, check.column), dtype=object)
    pred = ctx.predictions[0]
    y = ctx.holdout.y
    positive = spec.classes[1] if spec.kind == "binary" else None
    per: dict[str, dict[str, Any]] = {}
    small: dict[str, int] = {}
    for g in sorted(set(groups.tolist()), key=str):
        sel = groups == g
        n = int(sel.sum())
        if n < check.min_rows:
            small[str(g)] = n
            continue
        per[str(g)] = {
            "rows": n,
            metric: _metric(metric, y[sel], pred[sel], positive, spec.classes),
        }
    evidence: dict[str, Any] = {
        "column": check.column,
        "metric": metric,
        "groups": per,
        "too_small": small,
        "min_rows": check.min_rows,
    }
    if len(per) < 2:
        return Outcome(
            None,
            None,
            check.max_gap,
            metric,
            f"fewer than two groups of '{check.column}' have {check.min_rows}+ "
            "holdout rows: nothing to compare",
            evidence,
        )
    values = {g: v[metric] for g, v in per.items()}
    best = (
        max(values, key=values.__getitem__)
        if higher_is_better(metric)
        else min(values, key=values.__getitem__)
    )
    worst = (
        min(values, key=values.__getitem__)
        if higher_is_better(metric)
        else max(values, key=values.__getitem__)
    )
    gap = abs(values[best] - values[worst])
    evidence.update(best=best, worst=worst)
    return Outcome(
        gap <= check.max_gap,
        gap,
        check.max_gap,
        f"{metric} gap",
        f"{metric} by {check.column}: best {best} {values[best]:.3f}, worst {worst} "
        f"{values[worst]:.3f}, gap {gap:.3f}",
        evidence,
    )
