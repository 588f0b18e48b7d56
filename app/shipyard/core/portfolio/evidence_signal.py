"""The "Evidence" health signal: does the project's stage have the evidence it claims?

A project in shadow or later should have data linked to it, a champion, a passing gate
report for that champion and a rollout policy; in full rollout it should also have a
signed package of its champion (looked for under the workspace's `exports/`). Each missing
piece lowers the score and is named, so a portfolio review sees "canary without data, a
champion or a passing gate" instead of a healthy-looking number. Earlier stages say
nothing (the signal returns None). Cheap: reads champion.json, data.yaml's text and one
gate report, and checks a few paths; imports no training code.
"""

from __future__ import annotations

import json
from pathlib import Path

from shipyard.core.portfolio.signal import HealthContext, Signal
from shipyard.core.portfolio.vocabulary import Stage
from shipyard.core.workspace.layout import (
    CHAMPION_FILE,
    DATA_LINKS_FILE,
    GATE_REPORT_FILE,
    ROLLOUT_FILE,
    RUNS_DIR,
)

LIVE = (Stage.SHADOW, Stage.CANARY, Stage.PROGRESSIVE, Stage.FULL)
EXPORTS_DIR = "exports"
WEIGHT = 1.5


def _json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _has_data(folder: Path) -> bool:
    try:
        text = (folder / DATA_LINKS_FILE).read_text("utf-8")
    except OSError:
        return False
    return "ref:" in text


def missing_evidence(folder: Path, stage: Stage, workspace_root: Path) -> list[str]:
    """What a project at `stage` lacks, in words ([] when it has everything)."""
    if stage not in LIVE:
        return []
    missing = []
    if not _has_data(folder):
        missing.append("linked data")
    champion = _json(folder / CHAMPION_FILE).get("current")
    if not isinstance(champion, str) or not champion:
        missing += ["a champion", "a passing gate report"]
    elif _json(folder / RUNS_DIR / champion / GATE_REPORT_FILE).get("passed") is not True:
        missing.append("a passing gate report")
    if not (folder / ROLLOUT_FILE).is_file():
        missing.append("a rollout policy")
    if stage is Stage.FULL:
        name = f"{folder.name}-{champion}" if isinstance(champion, str) else None
        exports = workspace_root / EXPORTS_DIR
        if not name or not ((exports / f"{name}.zip").is_file() or (exports / name).is_dir()):
            missing.append("a signed package of the champion")
    return missing


def evidence_signal(ctx: HealthContext) -> Signal | None:
    op = ctx.onepager
    if op is None or op.stage not in LIVE:
        return None
    folder = ctx.entry.path
    missing = missing_evidence(folder, op.stage, folder.parent.parent)
    needed = 5 if op.stage is Stage.FULL else 4
    score = max(0.0, 1 - len(missing) / needed)
    if not missing:
        return Signal("evidence", "Evidence", 1.0, WEIGHT, f"{op.stage.value} with its evidence")
    detail = f"{op.stage.value} without " + ", ".join(missing)
    return Signal("evidence", "Evidence", score, WEIGHT, detail)
