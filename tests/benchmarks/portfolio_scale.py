"""A 100-project × 100-run workspace opening, against the 10-project demo.

Both sides are `python -m shipyard open WS` until the window is shown and the portfolio is
loaded, ranked and painted (`SHIPYARD_EXIT_AFTER_SHOW=loaded`, as startup_loaded.py), timed
as whole processes, alternating (`_harness.interleaved`).

The big workspace is the demo (`shipyard demo --no-gui`, datasets, runs and champions
included) with each of its ten projects copied nine more times under new slugs, so every
kind of project (trained with a champion, one-pager only, …) is there ten times; each
project that has runs gets runs up to 100, written straight from its own recorded run (slim
run.json + curves.json, ids, dates and metrics varied) without training. 100 projects,
70 of them with 100 runs.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from _harness import PYTHON, ROOT, Result, interleaved, process_env, result

NAME = "portfolio_scale"
LIMIT = 1.5
PROJECTS = 100
RUNS = 100


def _prepare_demo(workspace: Path, env: dict[str, str]) -> None:
    cmd = [PYTHON, "-m", "shipyard", "demo", str(workspace), "--no-gui"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"preparing the demo workspace failed:\n{done.stderr}")


def _fill_runs(project: Path, count: int, rng: random.Random) -> None:
    runs = project / "runs"
    recorded = (
        sorted(p for p in runs.iterdir() if (p / "run.json").is_file()) if runs.is_dir() else []
    )
    if not recorded:
        return  # a one-pager-only project stays that way
    base = json.loads((recorded[-1] / "run.json").read_text("utf-8"))
    curves = base.pop("curves")
    for i in range(count - len(recorded)):
        run_id = f"20261101T{i // 3600:02d}{i // 60 % 60:02d}{i % 60:02d}-{base['family']}-{i:06x}"
        record = dict(
            base, run_id=run_id, created=f"2026-11-01T00:{i // 60 % 60:02d}:{i % 60:02d}.000Z"
        )
        record["metrics"] = {
            k: (round(v * rng.uniform(0.9, 1.0), 5) if isinstance(v, float) else v)
            for k, v in base["metrics"].items()
        }
        folder = runs / run_id
        folder.mkdir()
        if isinstance(curves, dict) and curves and curves != {"sidecar": "curves.json"}:
            (folder / "curves.json").write_text(json.dumps(curves), "utf-8")
            record["curves"] = {"sidecar": "curves.json"}
        (folder / "run.json").write_text(json.dumps(record, indent=1) + "\n", "utf-8")


def make_big(demo: Path, big: Path, projects: int = PROJECTS, runs: int = RUNS) -> None:
    """The demo with its projects copied up to `projects`, each trained one up to `runs`."""
    shutil.copytree(demo, big, ignore=shutil.ignore_patterns("lock.json"))
    sources = sorted(p for p in (big / "projects").iterdir() if (p / "onepager.md").is_file())
    rng = random.Random(11)
    for i in range(len(sources), projects):
        source = sources[i % len(sources)]
        shutil.copytree(source, source.with_name(f"{source.name}-{i:03d}"))
    for project in sorted((big / "projects").iterdir()):
        if (project / "onepager.md").is_file():
            _fill_runs(project, runs, rng)


def measure(rounds: int = 7) -> Result:
    with tempfile.TemporaryDirectory(prefix="shipyard-portfolio-") as tmp:
        base = Path(tmp)
        demo, big = base / "demo", base / "big"
        env = process_env(base)
        env.update(
            SHIPYARD_EXIT_AFTER_SHOW="loaded",
            SHIPYARD_CONFIG_DIR=str(base / "config"),  # never the real user's settings
            XDG_CONFIG_HOME=str(base / "xdg"),
        )
        _prepare_demo(demo, env)
        make_big(demo, big)
        count = sum(1 for p in (big / "projects").iterdir() if (p / "onepager.md").is_file())
        if count != PROJECTS:
            raise RuntimeError(f"the big workspace has {count} projects, not {PROJECTS}")
        ref, sub = interleaved(
            [PYTHON, "-m", "shipyard", "open", str(demo)],
            [PYTHON, "-m", "shipyard", "open", str(big)],
            env,
            rounds,
        )
        for ws in (demo, big):
            leftover = ws / ".shipyard" / "lock.json"
            if leftover.exists():
                raise RuntimeError(f"a run left the workspace lock behind: {leftover}")
    return result(
        NAME,
        LIMIT,
        "shipyard open demo (10 projects; loaded)",
        f"shipyard open {PROJECTS} projects × up to {RUNS} runs (loaded)",
        ref,
        sub,
    )


if __name__ == "__main__":
    print(json.dumps(measure(), indent=1))
