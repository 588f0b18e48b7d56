"""Generate the Hugging Face model card from the one-pager, the run and the gate report.

The card is `projects/<slug>/model_card.md`: YAML metadata (license, tags, datasets,
metrics, model-index) and one `## ` section per `model_card_rules.REQUIRED_SECTIONS`. A card
the user edited is never replaced without asking: the sha256 of the last generated text is
kept in `.shipyard/cards/<slug>.sha256`, and a card that differs from it counts as edited.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text
from ..errors import ShipyardError
from ..model_card_rules import CARD_FILE, REQUIRED_SECTIONS
from ..training.runs import RunRecord
from ..workspace import Workspace
from .sources import pick_run, read_gate_report

TASK_TAGS = {
    "binary": "tabular-classification",
    "multiclass": "tabular-classification",
    "text": "text-classification",
    "regression": "tabular-regression",
}
DEFAULT_LICENSE = "other"


class CardWasEdited(ShipyardError):
    """Generating would replace a card the user edited."""


def card_path(ws: Workspace, slug: str) -> Path:
    return ws.projects_dir / slug / CARD_FILE


def _stamp_path(ws: Workspace, slug: str) -> Path:
    return ws.root / ".shipyard" / "cards" / f"{slug}.sha256"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_card(ws: Workspace, slug: str) -> str | None:
    path = card_path(ws, slug)
    return path.read_text("utf-8") if path.is_file() else None


def card_was_edited(ws: Workspace, slug: str) -> bool:
    """True when a card exists and is not the text Shipyard last generated."""
    text = read_card(ws, slug)
    if text is None:
        return False
    stamp = _stamp_path(ws, slug)
    return not stamp.is_file() or stamp.read_text("utf-8").strip() != _sha(text)


def write_card(
    ws: Workspace,
    slug: str,
    text: str,
    *,
    user: str,
    generated: bool = False,
    overwrite: bool = False,
    run_id: str | None = None,
) -> Path:
    """Save the card. A generated text replaces an edited card only with `overwrite`."""
    path = card_path(ws, slug)
    if generated and not overwrite and card_was_edited(ws, slug) and read_card(ws, slug) != text:
        raise CardWasEdited(
            "the model card was edited by hand; generating would replace those edits",
            file=path,
            fix="confirm the replacement (--force), or edit the card instead",
        )
    ws.audit.ensure_appendable()
    atomic_write_text(path, text)
    if generated:
        atomic_write_text(_stamp_path(ws, slug), _sha(text) + "\n")
    ws.audit.append(
        "card.generate" if generated else "card.edit",
        f"{slug}/{CARD_FILE}",
        user=user,
        details={"sha256": _sha(text), **({"run": run_id} if run_id else {})},
    )
    return path


def generate_and_write(
    ws: Workspace, slug: str, *, user: str, run_id: str | None = None, overwrite: bool = False
) -> Path:
    run = pick_run(ws, slug, run_id)
    text = generate_card(ws, slug, run.run_id)
    return write_card(
        ws, slug, text, user=user, generated=True, overwrite=overwrite, run_id=run.run_id
    )


# -- the text ------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "—" if value is None else str(value)


def _metadata(ws: Workspace, slug: str, run: RunRecord) -> dict[str, Any]:
    kind = str(run.task.get("kind", ""))
    task_type = TASK_TAGS.get(kind, "tabular-classification")
    metrics = [
        {"type": name, "name": name, "value": round(float(v), 6)}
        for name, v in sorted(run.metrics.items())
        if isinstance(v, int | float)
    ]
    extra = ws.config.model_extra or {}
    license_ = (extra.get("package") or {}).get("license", DEFAULT_LICENSE)
    return {
        "license": license_,
        "library_name": "onnx",
        "pipeline_tag": task_type,
        "tags": ["shipyard", "onnx", "scikit-learn", task_type, run.family],
        "datasets": [run.dataset.get("ref", "")],
        "metrics": [m["type"] for m in metrics],
        "model-index": [
            {
                "name": f"{slug}-{run.run_id}",
                "results": [
                    {
                        "task": {"type": task_type},
                        "dataset": {
                            "name": run.dataset.get("ref", ""),
                            "type": run.dataset.get("ref", "").split("@")[0],
                            "split": "holdout",
                        },
                        "metrics": metrics,
                    }
                ],
            }
        ],
    }


def _onepager_section(body: str, heading: str) -> str:
    from ..model_card_rules import sections

    for name, text in sections(body).items():
        if name.lower().startswith(heading.lower()):
            return text
    return ""


def generate_card(ws: Workspace, slug: str, run_id: str | None = None) -> str:
    """The card text for `run_id` (default: the champion or newest exportable run)."""
    import yaml

    from .digests import sha256_file

    entry = ws.project(slug)
    run = pick_run(ws, slug, run_id)
    report = read_gate_report(run)
    op = entry.doc.onepager if entry.doc else None
    body = entry.doc.body if entry.doc else ""
    title = op.title if op else slug
    task = run.task
    features = list(task.get("numeric", [])) + list(task.get("categorical", []))
    features += list(task.get("text", []))
    model_sha = sha256_file(run.model_path) if run.model_path else "—"
    s: dict[str, str] = {}
    s["Model details"] = "\n".join(
        [
            f"- **Project:** {title} (`{slug}`)",
            f"- **Owner:** {op.owner.name if op and op.owner.name else '—'}"
            + (f" ({op.owner.contact})" if op and op.owner.contact else ""),
            f"- **Team:** {', '.join(op.team) if op and op.team else '—'}",
            f"- **Model:** {run.model} ({run.family} baseline), exported to ONNX",
            f"- **Run:** `{run.run_id}`, trained {run.created} by {run.user}, seed {run.seed}",
            f"- **Task:** {task.get('kind', '—')}, target `{task.get('target', '—')}`",
            f"- **Model file sha256:** `{model_sha}`",
            "- **Libraries:** " + ", ".join(f"{k} {v}" for k, v in sorted(run.versions.items())),
        ]
    )
    metric = op.primary_metric if op else None
    goal = (
        f"\n\nSuccess is measured by **{metric.name}** "
        f"({metric.direction.value} toward {_fmt(metric.target)})."
        if metric and metric.name
        else ""
    )
    s["Intended use"] = (
        f"{op.outcome if op and op.outcome else title}\n\n"
        + (f"Hypothesis: {op.hypothesis}" if op and op.hypothesis else "")
        + goal
    ).strip()
    s["Out-of-scope use"] = (
        "- Any decision other than the outcome above, or one made without the owning team's "
        "review.\n"
        f"- Data that does not follow the training data's schema and preprocessing contract "
        f"(see `manifest.json`), or comes from another population than `{run.dataset.get('ref')}`.\n"
        "- Fully automated decisions with legal or similarly significant effects on a person."
    )
    excluded = task.get("excluded") or {}
    s["Training data"] = "\n".join(
        [
            f"- **Dataset version:** `{run.dataset.get('ref')}` "
            f"(fingerprint `{str(run.dataset.get('fingerprint', ''))[:16]}…`)",
            f"- **Lineage:** {op.dataset.lineage if op and op.dataset.lineage else '—'}",
            f"- **Split:** `{run.dataset.get('split_id')}` — {run.dataset.get('train_rows')} "
            f"training rows, {run.dataset.get('holdout_rows')} holdout rows",
            f"- **Features ({len(features)}):** " + ", ".join(f"`{f}`" for f in features),
        ]
        + (
            ["- **Left out:** " + "; ".join(f"`{c}` ({why})" for c, why in excluded.items())]
            if excluded
            else []
        )
    )
    rows = "\n".join(
        f"| {name} | {_fmt(v)} |" for name, v in sorted(run.metrics.items()) if v is not None
    )
    evaluation = (
        f"Measured on the holdout rows through the {run.metrics_source.upper()} model.\n\n"
        f"| Metric | Value |\n| --- | --- |\n{rows}"
    )
    if report:
        checks = "\n".join(
            f"| {c.get('title') or c.get('id')} | {c.get('verdict')} | {_fmt(c.get('value'))} "
            f"| {_fmt(c.get('threshold'))} {c.get('unit') or ''} |"
            for c in report.get("checks", [])
            if isinstance(c, dict)
        )
        evaluation += (
            f"\n\n**Gate verdict: {report.get('verdict')}** "
            f"({'all required checks passed' if report.get('passed') else 'not passed'}; "
            f"{report.get('created', '')}).\n\n"
            f"| Check | Verdict | Value | Threshold |\n| --- | --- | --- | --- |\n{checks}"
        )
    else:
        evaluation += "\n\nThe run has not been gated yet."
    s["Evaluation"] = evaluation
    limits = [f"- {w}" for w in run.warnings]
    if run.family == "dummy":
        limits.append("- A constant baseline: it predicts the prior and learns nothing.")
    risks = _onepager_section(body, "Risks")
    if risks:
        limits.append(risks)
    limits.append(
        "- Performance was measured on one holdout split of one dataset version; it may not "
        "hold after data drift."
    )
    s["Limitations"] = "\n".join(limits)
    ethics = []
    if op:
        ethics.append(
            f"- Risk level **{op.risk.level.value}**, data sensitivity "
            f"**{op.risk.data_sensitivity.value}**, personal data: "
            f"{'yes' if op.risk.pii else 'no'}."
        )
        if op.risk.compliance_notes:
            ethics.append(f"- {op.risk.compliance_notes}")
    pii_left_out = [c for c, why in excluded.items() if "personal" in str(why).lower()]
    if pii_left_out:
        ethics.append("- Personal-data columns left out of the model: " + ", ".join(pii_left_out))
    ethics.append("- Review outcomes per group before widening the rollout.")
    s["Ethical considerations"] = "\n".join(ethics)
    example = ", ".join(f'"{f}": …' for f in features[:4])
    s["How to use"] = (
        "Verify the package first, then serve it:\n\n"
        "```bash\n"
        "model_signing verify key --signature model.sig --public_key SIGNER.pub.pem .\n"
        "python serve.py --port 8080\n"
        f"curl -X POST localhost:8080/predict -d '{{\"rows\": [{{{example}}}]}}'\n"
        "```\n\n"
        "Inputs follow `manifest.json` (`inputs`, `preprocessing`)."
    )
    meta = yaml.safe_dump(_metadata(ws, slug, run), sort_keys=False, allow_unicode=True)
    parts = [f"---\n{meta}---\n", f"# {title}\n"]
    parts += [f"## {name}\n\n{s[name]}\n" for name in REQUIRED_SECTIONS]
    return "\n".join(parts)
