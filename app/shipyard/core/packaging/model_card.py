"""Generate the Hugging Face model card from the one-pager, the run and the gate report.

The card is `projects/<slug>/model_card.md`: YAML metadata (license, tags, datasets,
metrics, model-index) and one `## ` section per `model_card_rules.REQUIRED_SECTIONS`. A card
the user edited is never replaced without asking: the sha256 of the last generated text is
kept in `.shipyard/cards/<slug>.sha256`, and a card that differs from it counts as edited.

The card has two authors. People write the intent, the limits and the ethics; Shipyard
writes the facts of one run (metrics, data, gate verdict, rehearsal, model hash) between
`<!-- shipyard:begin NAME ... -->` and `<!-- shipyard:end NAME -->` lines, plus the
metadata's `datasets`, `metrics` and `model-index`. `refresh_card` rewrites only those parts
from the run and gate report being packaged, so a package's card never contradicts the
files beside it, and keeps every word people wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.gates.model_card_rules import REQUIRED_SECTIONS, split_card
from shipyard.core.packaging.sources import read_gate_report
from shipyard.core.training.runs import RunRecord
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.layout import (
    CARD_FILE,
    REHEARSAL_FILE,  # the rehearsal kept beside the run
)
from shipyard.core.workspace.workspace import Workspace

TASK_TAGS = {
    "binary": "tabular-classification",
    "multiclass": "tabular-classification",
    "text": "text-classification",
    "regression": "tabular-regression",
}
DEFAULT_LICENSE = "other"

# Machine-written blocks: name -> the section that holds them. The first four sections are
# facts of the run only; a card written before blocks existed gets them rewritten whole.
BLOCKS: dict[str, str] = {
    "details": "Model details",
    "data": "Training data",
    "evaluation": "Evaluation",
    "usage": "How to use",
    "run-limits": "Limitations",
}
WHOLE_SECTION_BLOCKS = ("details", "data", "evaluation", "usage")
# Metadata keys Shipyard writes from the run; every other key is the user's.
MACHINE_METADATA = ("library_name", "pipeline_tag", "datasets", "metrics", "model-index")
_BEGIN = "<!-- shipyard:begin {name} (written from the run at export: edit outside) -->"
_END = "<!-- shipyard:end {name} -->"
_BLOCK = re.compile(
    r"<!-- shipyard:begin (?P<name>[\w-]+)\b[^\n]*?-->.*?<!-- shipyard:end (?P=name) -->",
    re.DOTALL,
)
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)


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
            fix=f"keep your words and rewrite only the run's facts: shipyard card refresh "
            f"{ws.root} {slug}; or replace the whole card (--force)",
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
    from shipyard.core.training.selection import choose_run

    run = choose_run(ws, slug, run_id).run
    text = generate_card(ws, slug, run.run_id)
    return write_card(
        ws, slug, text, user=user, generated=True, overwrite=overwrite, run_id=run.run_id
    )


def refresh_and_write(
    ws: Workspace, slug: str, *, user: str, run_id: str | None = None
) -> tuple[Path, list[str]]:
    """Rewrite the saved card's machine-written parts from the run; people's words stay.

    A project without a card gets a generated one. Returns (path, notes).
    """
    from shipyard.core.training.selection import choose_run

    run = choose_run(ws, slug, run_id).run
    text = read_card(ws, slug)
    if text is None:
        return generate_and_write(ws, slug, user=user, run_id=run.run_id), []
    new, notes = refresh_card(ws, slug, text, facts_for(ws, slug, run))
    if new == text:
        return card_path(ws, slug), notes
    was_generated = not card_was_edited(ws, slug)
    path = write_card(ws, slug, new, user=user, generated=was_generated, run_id=run.run_id)
    return path, notes


# -- the facts -----------------------------------------------------------------------------
@dataclass
class CardFacts:
    """What the machine-written parts say: one run, its model's bytes and its gate report."""

    run: RunRecord
    model_sha256: str  # of the model.onnx described ("" when the run has none)
    report: dict[str, Any] | None
    rehearsal: dict[str, Any] | None = None
    override: str | None = None  # the audited reason when the gates were overridden
    command_root: str = "WORKSPACE"  # how commands in the card name the workspace


def stored_rehearsal(run: RunRecord) -> dict[str, Any] | None:
    """The rollout rehearsal stored for this run (its `result`), None when there is none.

    A rehearsal of another candidate, or a file that does not read as one, is not this
    run's rehearsal: the card then says nothing about a rollout.
    """
    if run.folder is None:
        return None
    path = run.folder / REHEARSAL_FILE
    try:
        data = json.loads(path.read_text("utf-8")) if path.is_file() else None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    result = data.get("result", data)
    if not isinstance(result, dict) or not result.get("outcome"):
        return None
    if result.get("candidate") not in (None, run.run_id):
        return None
    return {**result, "traffic": data.get("traffic", result.get("traffic"))}


def facts_for(ws: Workspace, slug: str, run: RunRecord) -> CardFacts:
    """The facts of `run` as they are on disk now."""
    from shipyard.core.packaging.digests import sha256_file

    model = run.model_path
    sha = sha256_file(model) if model is not None and model.is_file() else ""
    # Commands in the card name the workspace as "." (run from its folder): a card travels in
    # packages, and must not carry a path of the machine it was written on.
    return CardFacts(run, sha, read_gate_report(run), stored_rehearsal(run), None, ".")


# -- formatting ----------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    return "—" if value is None else str(value)


_MARKUP = re.compile(r"[\\|`*<>\[\]&~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def cell(value: Any) -> str:
    """`value` as the text of a Markdown table cell that renders as written: `|` and the
    characters Markdown would read as markup are escaped, line breaks folded."""
    text = _fmt(value) if not isinstance(value, str) else value
    text = " ".join(text.split())
    return _MARKUP.sub(lambda m: "\\" + m.group(0), text) or "—"


def code(value: Any) -> str:
    """`value` as inline code, whatever backticks or line breaks it holds."""
    text = " ".join(str(value).split()) or " "
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _measured(value: Any) -> str:
    """A gate measurement as the gate prints it: 4 significant digits (9.404e-08, 100)."""
    if isinstance(value, float) and not isinstance(value, bool):
        return f"{value:.4g}"
    return _fmt(value)


def _with_unit(value: Any, unit: str) -> str:
    text = _measured(value)
    return f"{text} {unit}" if unit and value is not None else text


def _summary(check: dict[str, Any]) -> str:
    evidence = check.get("evidence")
    summary = evidence.get("interval_summary") if isinstance(evidence, dict) else None
    return summary if isinstance(summary, str) else ""


def _gate_value(check: dict[str, Any]) -> str:
    """The measured value; with its interval and what it means when the gate measured one:
    "ROC AUC 0.78 (0.74–0.82), target 0.75: likely above target"."""
    return _summary(check) or _with_unit(check.get("value"), check.get("unit") or "")


def _features(task: dict[str, Any]) -> list[str]:
    return [*task.get("numeric", []), *task.get("categorical", []), *task.get("text", [])]


def _metadata(ws: Workspace, slug: str, run: RunRecord) -> dict[str, Any]:
    kind = str(run.task.get("kind", ""))
    task_type = TASK_TAGS.get(kind, "tabular-classification")
    metrics = [
        {"type": name, "name": name, "value": round(float(v), 6)}
        for name, v in sorted(run.metrics.items())
        if isinstance(v, int | float) and not isinstance(v, bool)
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
                            "split": _scored_split(run),
                        },
                        "metrics": metrics,
                    }
                ],
            }
        ],
    }


def _onepager_section(body: str, heading: str) -> str:
    from shipyard.core.gates.model_card_rules import sections

    for name, text in sections(body).items():
        if name.lower().startswith(heading.lower()):
            return text
    return ""


# -- the machine-written blocks ------------------------------------------------------------
def _details(ws: Workspace, slug: str, facts: CardFacts) -> str:
    entry = ws.project(slug)
    op = entry.doc.onepager if entry.doc else None
    run, task = facts.run, facts.run.task
    title = op.title if op else slug
    return "\n".join(
        [
            f"- **Project:** {title} ({code(slug)})",
            f"- **Owner:** {op.owner.name if op and op.owner.name else '—'}"
            + (f" ({op.owner.contact})" if op and op.owner.contact else ""),
            f"- **Team:** {', '.join(op.team) if op and op.team else '—'}",
            f"- **Model:** {run.model} ({run.family} baseline), exported to ONNX",
            f"- **Run:** {code(run.run_id)}, trained {run.created} by {run.user}, seed {run.seed}",
            f"- **Task:** {task.get('kind', '—')}, target {code(task.get('target', '—'))}",
            f"- **Model file sha256:** {code(facts.model_sha256 or '—')}",
            "- **Libraries:** " + ", ".join(f"{k} {v}" for k, v in sorted(run.versions.items())),
        ]
    )


def _data(ws: Workspace, slug: str, facts: CardFacts) -> str:
    entry = ws.project(slug)
    op = entry.doc.onepager if entry.doc else None
    run, task = facts.run, facts.run.task
    features = _features(task)
    excluded = task.get("excluded") or {}
    classes = task.get("classes") or []
    lines = [
        f"- **Dataset version:** {code(run.dataset.get('ref'))} "
        f"(fingerprint {code(str(run.dataset.get('fingerprint', ''))[:16] + '…')})",
        f"- **Lineage:** {op.dataset.lineage if op and op.dataset.lineage else '—'}",
        f"- **Split:** {code(run.dataset.get('split_id'))} — {_split_rows(run)}",
        f"- **Features ({len(features)}):** " + ", ".join(code(f) for f in features),
    ]
    if classes:
        lines.append(f"- **Classes ({len(classes)}):** " + ", ".join(code(c) for c in classes))
    if excluded:
        lines.append(
            "- **Left out:** " + "; ".join(f"{code(c)} ({why})" for c, why in excluded.items())
        )
    return "\n".join(lines)


def _gate_text(facts: CardFacts) -> str:
    report, run = facts.report, facts.run
    override = (
        f"\n\n**Exported with a gate override:** {facts.override} (recorded in the audit log)."
        if facts.override
        else ""
    )
    if report is None:
        if facts.override:
            return "**Not gated.** The run's gates were never run." + override
        return (
            "**Not gated yet.** Run the gates before exporting, from the workspace folder: "
            f"`shipyard gate {facts.command_root} {run.project} --run {run.run_id}`."
        )
    on = str(report.get("model_sha256") or "")
    if facts.model_sha256 and on != facts.model_sha256:
        stale = (
            f"\n\nThis gate report measured other model bytes (sha256 {code(on[:16] + '…')}), "
            "not this model file: run the gates again."
        )
    else:
        stale = ""
    passed = bool(report.get("passed"))
    checks = [c for c in report.get("checks", []) if isinstance(c, dict)]
    rows = "\n".join(
        f"| {cell(c.get('title') or c.get('id'))} | {cell('yes' if c.get('required') else 'no')} "
        f"| {cell(c.get('verdict'))} | {cell(_gate_value(c))} "
        f"| {cell(_with_unit(c.get('threshold'), c.get('unit') or ''))} |"
        for c in checks
    )
    if any(_summary(c) for c in checks):
        stale += (
            "\n\nIn brackets: the 95% interval of the measured value on the rows the gate judged. "
            "A check "
            'passes or fails on the value itself; "too close to call" means the interval '
            "reaches the other side of the target, so the result may not hold on new data."
        )
    return (
        f"**Gate verdict: {report.get('verdict')}** "
        f"({'all required checks passed' if passed else 'required checks failed'}; "
        f"gated {report.get('created', '—')} on model sha256 {code(on[:16] + '…')}).\n\n"
        "| Check | Required | Verdict | Value | Threshold |\n"
        "| --- | --- | --- | --- | --- |\n"
        f"{rows}" + stale + override
    )


def _rehearsal_text(rehearsal: dict[str, Any] | None) -> str:
    if not rehearsal:
        return ""
    parts = [f"outcome {code(rehearsal.get('outcome'))}"]
    if rehearsal.get("control"):
        parts.append(f"control {code(rehearsal['control'])}")
    if rehearsal.get("traffic"):
        parts.append(f"traffic {code(rehearsal['traffic'])}")
    if rehearsal.get("seed") is not None:
        parts.append(f"seed {rehearsal['seed']}")
    headline = rehearsal.get("headline") or rehearsal.get("outcome")
    return f"\n\n**Rollout rehearsal:** {headline} ({', '.join(parts)})."


def _sealed(run: RunRecord) -> bool:
    return getattr(run, "scored_on", "") == "validation"


def _scored_split(run: RunRecord) -> str:
    """The split named in the card's model index: "validation", "train" (out-of-fold
    predictions on the training rows) or "holdout"."""
    return {"out-of-fold": "train"}.get(run.scored_rows, run.scored_rows)


def _split_rows(run: RunRecord) -> str:
    ds = run.dataset
    if _sealed(run):
        return (
            f"{ds.get('train_rows')} training rows, {ds.get('validation_rows')} validation rows, "
            f"{ds.get('test_rows')} test rows (sealed: scored only by the gate)"
        )
    return f"{ds.get('train_rows')} training rows, {ds.get('holdout_rows')} holdout rows"


def _evaluation(facts: CardFacts) -> str:
    run = facts.run
    rows = "\n".join(
        f"| {cell(name)} | {cell(_fmt(v))} |" for name, v in sorted(run.metrics.items())
        if v is not None
    )  # fmt: skip
    from shipyard.core.data.sampling import training_sample_phrase

    sample = training_sample_phrase(getattr(run, "sample", None))
    sample = f"{sample}; the split was drawn within the sample. " if sample else ""
    # runs recorded before sealed test splits were not chosen on their holdout
    chosen = "" if run.scored_rows == "holdout" else "; runs are chosen on these rows"
    return (
        f"{sample}Measured on {run.scored_rows_words} through the "
        f"{run.metrics_source.upper()} model{chosen}.\n\n"
        f"| Metric | Value |\n| --- | --- |\n{rows}\n\n"
        + _gate_text(facts)
        + _rehearsal_text(facts.rehearsal)
    )


def _run_limits(facts: CardFacts) -> str:
    run = facts.run
    limits = [f"- {' '.join(str(w).split())}" for w in run.warnings]
    if run.family == "dummy":
        limits.append("- A constant baseline: it predicts the prior and learns nothing.")
    return "\n".join(limits) or f"- Run {code(run.run_id)} recorded no warnings."


def _usage(facts: CardFacts) -> str:
    example = ", ".join(
        f"{json.dumps(f, ensure_ascii=False)}: …" for f in _features(facts.run.task)[:4]
    )
    payload = f'{{"rows": [{{{example}}}]}}'.replace("'", "'\\''")  # inside '...' in a shell
    return (
        "Verify the package first, then serve it:\n\n"
        "```bash\n"
        "model_signing verify key --signature model.sig --public_key SIGNER.pub.pem .\n"
        "python serve.py --port 8080\n"
        f"curl -X POST localhost:8080/predict -d '{payload}'\n"
        "```\n\n"
        "Inputs follow `manifest.json` (`inputs`, `preprocessing`)."
    )


def card_blocks(ws: Workspace, slug: str, facts: CardFacts) -> dict[str, str]:
    """Block name -> the machine-written text (without its marker lines)."""
    return {
        "details": _details(ws, slug, facts),
        "data": _data(ws, slug, facts),
        "evaluation": _evaluation(facts),
        "usage": _usage(facts),
        "run-limits": _run_limits(facts),
    }


def _wrap(name: str, text: str) -> str:
    return f"{_BEGIN.format(name=name)}\n{text}\n{_END.format(name=name)}"


# -- the whole card ------------------------------------------------------------------------
def generate_card(
    ws: Workspace, slug: str, run_id: str | None = None, *, facts: CardFacts | None = None
) -> str:
    """The card text for `run_id` (default: the run `choose_run` picks) or for `facts`."""
    import yaml

    from shipyard.core.training.selection import choose_run

    if facts is None:
        facts = facts_for(ws, slug, choose_run(ws, slug, run_id).run)
    entry = ws.project(slug)
    op = entry.doc.onepager if entry.doc else None
    body = entry.doc.body if entry.doc else ""
    title = op.title if op else slug
    blocks = card_blocks(ws, slug, facts)
    s: dict[str, str] = {name: _wrap(block, blocks[block]) for block, name in BLOCKS.items()}
    metric = op.primary_metric if op else None
    goal = (
        f"\n\nSuccess is measured by **{metric.name}** "
        f"({metric.direction.value} toward {_fmt(metric.target)})."
        if metric and metric.name
        else ""
    )
    outcome = (
        op.outcome
        if op and op.outcome
        else "TODO: say which decision the model supports, for whom, and how often."
    )
    s["Intended use"] = (
        f"{outcome}\n\n" + (f"Hypothesis: {op.hypothesis}" if op and op.hypothesis else "") + goal
    ).strip()
    s["Out-of-scope use"] = (
        "- Any decision other than the outcome above, or one made without the owning team's "
        "review.\n"
        "- Data that does not follow the training data's schema and preprocessing contract "
        "(see `manifest.json`), or comes from another population than the training data.\n"
        "- Fully automated decisions with legal or similarly significant effects on a person."
    )
    limits = [s["Limitations"]]
    risks = _onepager_section(body, "Risks")
    if risks:
        limits.append(risks)
    limits.append(
        f"- Performance was measured on one split of one dataset version ({facts.run.scored_rows_words}"
        "; the gate's figures on its sealed test split); it may not hold after data drift."
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
    excluded = facts.run.task.get("excluded") or {}
    pii_left_out = [c for c, why in excluded.items() if "personal" in str(why).lower()]
    if pii_left_out:
        ethics.append(
            "- Personal-data columns left out of the model: "
            + ", ".join(code(c) for c in pii_left_out)
        )
    ethics.append("- Review outcomes per group before widening the rollout.")
    s["Ethical considerations"] = "\n".join(ethics)
    meta = yaml.safe_dump(_metadata(ws, slug, facts.run), sort_keys=False, allow_unicode=True)
    parts = [f"---\n{meta}---\n", f"# {title}\n"]
    parts += [f"## {name}\n\n{s[name]}\n" for name in REQUIRED_SECTIONS]
    return "\n".join(parts)


# -- refreshing a card at export -----------------------------------------------------------
@dataclass
class _Section:
    heading: str  # the heading line as written ("" for the text before the first heading)
    name: str
    content: str


def _split_body(body: str) -> list[_Section]:
    heads = list(_HEADING.finditer(body))
    first = heads[0].start() if heads else len(body)
    parts = [_Section("", "", body[:first])]
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
        parts.append(_Section(head.group(0), head.group(1).strip(), body[head.end() : end]))
    return parts


def _merge_metadata(mine: dict[str, Any], theirs: dict[str, Any] | None) -> dict[str, Any]:
    """The user's metadata with the run's facts (MACHINE_METADATA and run tags) written in."""
    if not theirs:
        return mine
    merged = dict(theirs)
    for key in MACHINE_METADATA:
        merged[key] = mine[key]
    machine_tags = set(TASK_TAGS.values()) | {"dummy", "linear", "trees", "text"}
    tags = theirs.get("tags")
    own = tags if isinstance(tags, list) else []
    merged["tags"] = list(mine["tags"]) + [
        t for t in own if t not in mine["tags"] and t not in machine_tags
    ]
    merged.setdefault("license", mine["license"])
    return merged


def _described_run(ws: Workspace, slug: str, meta: dict[str, Any] | None) -> RunRecord | None:
    """The run a card's metadata names (`model-index[0].name` is `<slug>-<run id>`)."""
    from shipyard.core.training.runs import load_run

    try:
        name = str(meta["model-index"][0]["name"]) if meta else ""
    except (KeyError, IndexError, TypeError):
        return None
    if not name.startswith(f"{slug}-"):
        return None
    try:
        return load_run(ws, slug, name[len(slug) + 1 :])
    except ShipyardError:
        return None


def refresh_card(ws: Workspace, slug: str, text: str, facts: CardFacts) -> tuple[str, list[str]]:
    """`text` with its machine-written parts rewritten from `facts`; (card, notes).

    The human-written sections and the text around the blocks stay as written. A fact
    section without a block (a card written before blocks existed, or edited into
    one) is rewritten whole; a missing one is put back where the required order puts it.
    """
    import yaml

    notes: list[str] = []
    meta, body, problem = split_card(text)
    if problem:
        notes.append(f"the card's metadata was unreadable ({problem}); written from the run")
    merged = _merge_metadata(_metadata(ws, slug, facts.run), meta)
    blocks = card_blocks(ws, slug, facts)
    done: set[str] = set()

    def fresh(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in blocks:
            return match.group(0)
        done.add(name)
        return _wrap(name, blocks[name])

    parts = _split_body(body)
    for part in parts:
        part.content = _BLOCK.sub(fresh, part.content)
    by_name = {p.name.lower(): p for p in parts if p.heading}
    run_id = facts.run.run_id
    rewritten: list[str] = []
    for block in WHOLE_SECTION_BLOCKS:
        if block in done:
            continue
        section = BLOCKS[block]
        found = by_name.get(section.lower())
        if found is not None:
            found.content = f"\n\n{_wrap(block, blocks[block])}\n\n"
            rewritten.append(section)
            continue
        order = list(REQUIRED_SECTIONS)
        before = [by_name[n.lower()] for n in order[: order.index(section)] if n.lower() in by_name]
        new = _Section(f"## {section}", section, f"\n\n{_wrap(block, blocks[block])}\n\n")
        at = parts.index(before[-1]) + 1 if before else 1
        if not parts[at - 1].content.endswith("\n"):
            parts[at - 1].content += "\n\n"
        parts.insert(at, new)
        by_name[section.lower()] = new
        notes.append(f"section '{section}' was missing; written from run {run_id}")
    if rewritten:
        notes.append(
            "the card's " + ", ".join(f"'{n}'" for n in rewritten) + " had no machine-written "
            f"block, so they were rewritten whole from run {run_id}"
        )
    limits = by_name.get(BLOCKS["run-limits"].lower())
    if "run-limits" not in done and limits is not None:
        old = _described_run(ws, slug, meta)
        if old is not None:
            stale = set(_run_limits(CardFacts(old, "", None)).splitlines())
            kept = [line for line in limits.content.strip("\n").splitlines() if line not in stale]
            fresh_block = _wrap("run-limits", blocks["run-limits"])
            limits.content = "\n\n" + "\n".join([fresh_block, *kept]).strip("\n") + "\n\n"
            if old.run_id != run_id:
                notes.append(
                    f"section 'Limitations': the lines about run {old.run_id} were replaced "
                    f"by those of run {run_id}"
                )
    new_body = "".join(p.heading + p.content for p in parts)
    front = yaml.safe_dump(merged, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n" + ("" if new_body.startswith("\n") else "\n") + new_body, notes
