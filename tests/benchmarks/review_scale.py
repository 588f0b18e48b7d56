"""The review (summary, HTML and printed pages) of 100 projects vs the 10-project demo.

In one process, alternately: the demo as shipped, and the demo with each project copied
nine times (100 projects, runs and gate reports included). Linear scaling would be 10×;
the bar is that: "with 100 projects it scales linearly or better".
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _harness import Result, result

NAME = "review_scale"
LIMIT = 10.0


def _review(root: Path) -> float:
    from shipyard.core.review.report_html import review_html
    from shipyard.core.review.report_pages import review_pages
    from shipyard.core.review.summary import build_review
    from shipyard.core.workspace.workspace import Workspace

    start = time.perf_counter()
    ws = Workspace.open(root)
    summary = build_review(ws, "all")
    review_html(summary, workspace_name=ws.name)
    review_pages(summary, ws.name)
    return time.perf_counter() - start


def measure(rounds: int = 5) -> Result:
    from shipyard.core.workspace.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="shipyard-bench-") as tmp:
        small = Workspace.create(Path(tmp) / "ten", template_name="demo", name="Ten").root
        big = Workspace.create(Path(tmp) / "hundred", template_name="demo", name="Hundred").root
        for project in sorted((big / "projects").iterdir()):
            for k in range(1, 10):
                shutil.copytree(project, project.with_name(f"{project.name}-{k}"))
        assert len(list((big / "projects").iterdir())) == 100
        _review(small), _review(big)  # warm-up: imports and caches
        ref, sub = [], []
        for i in range(rounds):
            pair = [(small, ref), (big, sub)]
            for root, out in pair if i % 2 == 0 else reversed(pair):
                out.append(_review(root))
    res = result(NAME, LIMIT, "review of the 10-project demo", "review of 100 projects", ref, sub)
    res["per_project_ms"] = round(statistics.median(sub) / 100 * 1000, 2)  # type: ignore[typeddict-unknown-key]  # reported, not compared
    return res
