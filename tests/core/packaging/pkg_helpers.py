"""Builders shared by the packaging tests (core, CLI and GUI): a workspace with a tiny
trained run and a passing gate report, and an in-memory keyring backend."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path
from typing import Any

import keyring
import keyring.backend

SLUG = "churn-risk"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that forgets everything when the test ends."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def small_csv(path: Path, rows: int = 240) -> Path:
    rng = random.Random(7)
    lines = ["tenure,spend,plan,auto_renew,churned"]
    for _ in range(rows):
        tenure = rng.randint(1, 60)
        spend = round(rng.uniform(0, 500), 2)
        plan = rng.choice(["free", "pro", "enterprise"])
        renew = rng.random() < 0.6
        risk = (60 - tenure) / 60 + (0.3 if plan == "free" else 0) - (0.3 if renew else 0)
        churned = risk + rng.uniform(-0.3, 0.3) > 0.45
        lines.append(f"{tenure},{spend},{plan},{str(renew).lower()},{str(churned).lower()}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_gate_report(ws: Any, run_id: str, *, passed: bool = True, sha: str | None = None) -> dict:
    from shipyard.core.training import load_run

    run = load_run(ws, SLUG, run_id)
    model_sha = sha or hashlib.sha256(run.model_path.read_bytes()).hexdigest()
    verdict = "pass" if passed else "fail"
    report = {
        "format": 1,
        "project": SLUG,
        "run_id": run_id,
        "model_sha256": model_sha,
        "policy_sha256": "0" * 64,
        "created": "2026-11-23T10:00:00Z",
        "user": "t",
        "passed": passed,
        "verdict": verdict,
        "checks": [
            {
                "id": "quality.roc_auc",
                "kind": "quality",
                "title": "ROC AUC ≥ 0.6",
                "required": True,
                "verdict": verdict,
                "value": 0.81 if passed else 0.52,
                "threshold": 0.6,
                "unit": "",
                "message": "",
                "evidence": {},
            },
            {
                "id": "latency.p95",
                "kind": "latency",
                "title": "p95 latency ≤ 20 ms",
                "required": True,
                "verdict": "pass",
                "value": 0.4,
                "threshold": 20,
                "unit": "ms",
                "message": "",
                "evidence": {},
            },
        ],
        "measurements": {"latency_ms": {"p50": 0.2, "p95": 0.4, "p99": 0.6}},
    }
    (run.folder / "gate_report.json").write_text(json.dumps(report, indent=1), "utf-8")
    return report


def build_trained_workspace(root: Path) -> tuple[Path, str]:
    """A demo workspace whose churn-risk project has a gated, promoted linear run."""
    from demo_template import plain_demo
    from shipyard.core.data import import_file
    from shipyard.core.training import train_ladder
    from shipyard.core.training.champion import promote

    ws = plain_demo(root)
    version = import_file(ws, small_csv(root.parent / "small_churn.csv"), "small_churn", user="t")
    runs = train_ladder(ws, SLUG, version, "churned", user="t", families=["dummy", "linear"])
    linear = next(r for r in runs if r.family == "linear")
    promote(ws, SLUG, linear.run_id, user="t", reason="best ROC AUC")
    write_gate_report(ws, linear.run_id)
    return root, linear.run_id


def copy_workspace(template: Path, dest: Path) -> Any:
    from shipyard.core.workspace.workspace import Workspace

    shutil.copytree(template, dest)
    return Workspace.open(dest)


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table of a Markdown text as rendered (rows of cell texts, header first)."""
    from markdown_it import MarkdownIt

    tables: list[list[list[str]]] = []
    row: list[str] | None = None
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append("".join(c.content for c in token.children or []))
        elif token.type == "tr_close" and row is not None:
            tables[-1].append(row)
            row = None
    return tables


def table_with(text: str, header: str) -> list[dict[str, str]]:
    """The rows of the table whose first header cell is `header`, as dicts."""
    for table in markdown_tables(text):
        if table and table[0][0] == header:
            return [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    raise AssertionError(f"no table headed '{header}' in the card")


def swap_model(ws: Any, source_run: str, target_run: str) -> None:
    """Copy one run's model.onnx over another's (what a careless hand edit does)."""
    from shipyard.core.training import load_run

    src, dst = load_run(ws, SLUG, source_run), load_run(ws, SLUG, target_run)
    shutil.copyfile(src.model_path, dst.model_path)


def record_model_sha(ws: Any, run_id: str) -> str:
    """Write model.onnx's sha256 into run.json, as training records it."""
    from shipyard.core.training import load_run

    run = load_run(ws, SLUG, run_id)
    sha = hashlib.sha256(run.model_path.read_bytes()).hexdigest()
    path = run.folder / "run.json"
    data = json.loads(path.read_text("utf-8"))
    data["model_sha256"] = sha
    path.write_text(json.dumps(data, indent=1), "utf-8")
    return sha
