"""Test-split wear: how many distinct models were scored on one sealed test split.

Every look at a test split's answers leaks a little of it into the decisions made after: a
team that gates model after model on the same rows ends up choosing on them. The gate
therefore counts, per project and dataset version, the distinct model files (by sha256)
scored on each test split, in an append-only file
`projects/<slug>/test_wear/<dataset>-v<N>.jsonl`, one JSON line per scoring:

    {"split_id", "split_sha256", "model_sha256", "run_id", "user", "at"}

Scoring the same model file again does not add to the count. Past the limit
(`test_split_wear_limit` in `[gates]` of shipyard.toml, default `DEFAULT_WEAR_LIMIT` = 5)
the gate warns that the split is worn and says how to make a fresh one: import new rows as
a new version, or train with another seed (`shipyard train ... --seed N`), which draws
different test rows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shipyard.core.workspace.audit import append_line
from shipyard.core.workspace.workspace import Workspace

WEAR_DIR = "test_wear"
WEAR_SETTING = "test_split_wear_limit"
DEFAULT_WEAR_LIMIT = 5


@dataclass(frozen=True)
class Wear:
    """The wear of one test split after a scoring."""

    split_id: str
    models: int  # distinct model files scored on it, this one included
    limit: int
    path: Path

    @property
    def worn(self) -> bool:
        return self.models > self.limit

    def to_json(self) -> dict[str, Any]:
        return {
            "split_id": self.split_id,
            "distinct_models": self.models,
            "limit": self.limit,
            "worn": self.worn,
            # projects/<slug>/test_wear/<file>: the report is signed into packages and must
            # not carry a path of the machine it was measured on.
            "file": "/".join(self.path.parts[-4:]),
        }

    def text(self) -> str:
        """ "test split seed42-test200: 3 distinct models scored on it (warns past 5)"."""
        models = "model" if self.models == 1 else "models"
        return (
            f"test split {self.split_id}: {self.models} distinct {models} scored on it "
            f"(warns past {self.limit})"
        )


def wear_path(ws: Workspace, slug: str, dataset_ref: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", dataset_ref.replace("@", "-")).strip("-") or "data"
    return ws.projects_dir / slug / WEAR_DIR / f"{name}.jsonl"


def wear_limit(ws: Workspace) -> int:
    """`[gates] test_split_wear_limit` in shipyard.toml (a whole number of 1 or more)."""
    from shipyard.core.errors import ShipyardError
    from shipyard.core.workspace.layout import CONFIG_NAME

    extra = getattr(ws.config, "model_extra", None) or {}
    section = extra.get("gates") or {}
    value = section.get(WEAR_SETTING, DEFAULT_WEAR_LIMIT) if isinstance(section, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ShipyardError(
            f"gates.{WEAR_SETTING} is {value!r}, not a whole number of 1 or more",
            file=ws.root / CONFIG_NAME,
            fix=f"set {WEAR_SETTING} = {DEFAULT_WEAR_LIMIT} under [gates] (or remove it)",
        )
    return value


def _entries(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    found = []
    for line in path.read_text("utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a damaged line counts nothing; the rest still count
        if isinstance(entry, dict):
            found.append(entry)
    return found


def distinct_models(path: Path, split_sha256: str) -> set[str]:
    return {
        str(e.get("model_sha256"))
        for e in _entries(path)
        if e.get("split_sha256") == split_sha256 and e.get("model_sha256")
    }


def record_scoring(
    ws: Workspace,
    slug: str,
    *,
    dataset_ref: str,
    split_id: str,
    split_sha256: str,
    model_sha256: str,
    run_id: str,
    user: str = "",
) -> Wear:
    """Note that `model_sha256` was scored on the test split; returns the split's wear.

    A model already counted on this split is not written again."""
    path = wear_path(ws, slug, dataset_ref)
    seen = distinct_models(path, split_sha256)
    if model_sha256 not in seen:
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "split_id": split_id,
            "split_sha256": split_sha256,
            "model_sha256": model_sha256,
            "run_id": run_id,
            "user": user,
            "at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        append_line(path, json.dumps(entry, sort_keys=True) + "\n")
        seen.add(model_sha256)
    return Wear(split_id, len(seen), wear_limit(ws), path)


def fresh_split_fix(ws: Workspace, slug: str, dataset_ref: str, seed: int) -> str:
    """The commands that give a fresh test split."""
    name = dataset_ref.split("@")[0]
    return (
        f"make a fresh test split: import new rows as a new version (shipyard data import "
        f"{ws.root} FILE --name {name}) and train on it, or retrain with another seed "
        f"(shipyard train {ws.root} {slug} --dataset {dataset_ref} --seed {seed + 1}), which "
        "draws other test rows"
    )
