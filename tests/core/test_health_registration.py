"""The portfolio's health picks up the gate verdict and stale flags with no extra import."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

from shipyard.core.workspace.workspace import Workspace


def test_gate_verdict_and_stale_flags_lower_health(demo_ws: Workspace) -> None:
    from shipyard.core.portfolio.ranking import row_for

    folder = demo_ws.projects_dir / "churn-risk"
    today = date(2026, 11, 23)
    before = row_for(demo_ws.project("churn-risk"), today).health
    run = folder / "runs" / "20990101T000000-trees-aaaaaa"
    run.mkdir(parents=True)
    report = {
        "run_id": run.name,
        "verdict": "fail",
        "checks": [{"id": "latency", "verdict": "fail"}],
    }
    (run / "gate_report.json").write_text(json.dumps(report))
    (folder / "champion.json").write_text(json.dumps({"current": run.name, "history": []}))
    (folder / "flags.yaml").write_text(
        "flags:\n  - key: churn-model\n    created: 2026-01-01\n    expires: 2026-02-01\n"
    )
    after = row_for(demo_ws.project("churn-risk"), today).health
    keys = {s.key: s for s in after.signals}
    assert keys["gates"].score < 0.2 and "failed: latency" in keys["gates"].detail
    assert keys["flags"].score == 0.0 and "churn-model" in keys["flags"].detail
    assert after.score < before.score


def test_registering_the_signals_stays_light() -> None:
    """Startup: the portfolio must not pull in the gate engine, training or data packages."""
    code = (
        "import sys, shipyard.core.portfolio.ranking\n"
        "heavy = [m for m in ('shipyard.core.gates.runner', 'shipyard.core.training.runs', "
        "'shipyard.core.data.dataset_version', 'numpy', 'duckdb') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


HEALTH_OF = """
import json, sys
from datetime import date
{imports}
from shipyard.core.portfolio import health
from shipyard.core.workspace.workspace import Workspace

ws = Workspace.open(sys.argv[1])
h = health.project_health(ws.project("churn-risk"), date(2026, 11, 23))
print(json.dumps([h.score, [s.key for s in h.signals], len(health.HEALTH_SIGNALS)]))
"""


def test_the_score_does_not_depend_on_what_was_imported_before(demo_ws: Workspace) -> None:
    """The signal list is written out in one place: importing a signal's module first (or
    not at all) neither adds nor loses a signal."""
    folder = demo_ws.projects_dir / "churn-risk"
    run = folder / "runs" / "20990101T000000-trees-aaaaaa"
    run.mkdir(parents=True)
    report = {"run_id": run.name, "verdict": "warn", "checks": [{"id": "pii", "verdict": "warn"}]}
    (run / "gate_report.json").write_text(json.dumps(report))
    (folder / "flags.yaml").write_text(
        "flags:\n  - key: churn-model\n    created: 2026-01-01\n    expires: 2026-02-01\n"
    )
    answers = []
    for imports in (
        "",
        "import shipyard.core.gates.health_signal, shipyard.core.rollout.flags_health",
        "import shipyard.core.portfolio.ranking",
    ):
        code = HEALTH_OF.format(imports=imports)
        out = subprocess.run(
            [sys.executable, "-c", code, str(demo_ws.root)],
            capture_output=True,
            text=True,
            check=True,
        )
        answers.append(json.loads(out.stdout))
    assert answers[0] == answers[1] == answers[2]
    score, keys, count = answers[0]
    assert {"gates", "flags"} <= set(keys) and count == 6  # the built-in signals, Evidence included
    assert score < 100.0


def test_importing_a_signal_module_registers_nothing() -> None:
    from shipyard.core.portfolio import health

    before = list(health.HEALTH_SIGNALS)
    import shipyard.core.gates.health_signal
    import shipyard.core.rollout.flags_health  # noqa: F401

    assert health.HEALTH_SIGNALS == before == list(health.builtin_signals())
