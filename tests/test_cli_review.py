"""`shipyard review`: the text summary, JSON, decisions with --save, and the HTML and PDF
reports, through the same entry point a user runs (`shipyard.main.main`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from shipyard.core.workspace.workspace import Workspace
from shipyard.main import main


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".shipyard" not in p.parts
    }


def pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", path.read_bytes()))


def test_reading_the_review_changes_nothing(trained_demo_ws: Workspace, capsys):
    root = trained_demo_ws.root
    before = snapshot(root)
    assert main(["review", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Portfolio review ")
    assert "churn-risk" in out and "Capacity:" in out
    assert "warning: Over-allocated" in out  # the demo's team of 4.5 FTE is over-committed
    assert snapshot(root) == before


def test_json_lists_projects_changes_and_capacity(trained_demo_ws: Workspace, capsys):
    assert main(["review", str(trained_demo_ws.root), "--json", "--since", "all"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["projects"]) == 10
    churn = next(p for p in data["projects"] if p["slug"] == "churn-risk")
    assert churn["gate_verdict"] == "pass" and churn["changes"]
    assert data["capacity"]["demand_fte_weeks"] > data["capacity"]["pool_fte_weeks"]


def test_decisions_are_saved_only_with_save_and_need_reasons(trained_demo_ws: Workspace, capsys):
    root = str(trained_demo_ws.root)
    assert main(["review", root, "--decide", "fraud-flag=pause:no data yet"]) == 2
    assert "only recorded with --save" in capsys.readouterr().err
    assert main(["review", root, "--decide", "fraud-flag=pause", "--save"]) == 2
    assert "needs a reason" in capsys.readouterr().err
    assert main(["review", root, "--decide", "fraud-flag=maybe", "--save"]) == 2
    assert "continue, pivot, pause, sunset" in capsys.readouterr().err
    assert not (trained_demo_ws.root / "reviews").exists()
    code = main(["review", root, "--decide", "fraud-flag=pause:no data after two sprints",
                 "--decide", "churn-risk=continue", "--save"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "Saved the review to" in out
    ws = Workspace.open(root)
    assert ws.project("fraud-flag").doc.onepager.stage.value == "paused"
    saved = sorted((ws.root / "reviews").glob("*.yaml"))
    assert len(saved) == 1 and "no data after two sprints" in saved[0].read_text()


def test_html_and_pdf_reports(trained_demo_ws: Workspace, tmp_path: Path, capsys):
    html, pdf = tmp_path / "out" / "review.html", tmp_path / "out" / "review.pdf"
    code = main(["review", str(trained_demo_ws.root), "--html", str(html), "--pdf", str(pdf),
                 "--page-size", "Letter"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert f"Wrote {html}" in out and f"Wrote {pdf} (11 pages, Letter)" in out
    text = html.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    assert pdf_pages(pdf) == 1 + 10
    # Letter is 612 x 792 points.
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+612(\.0+)?\s+792", pdf.read_bytes())
    assert not list(pdf.parent.glob(".*.tmp"))


def _browser():
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium and chromium-driver (apt) for the browser tests")
        pytest.skip("chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def test_the_report_reads_on_a_phone_in_a_real_browser(trained_demo_ws: Workspace, tmp_path: Path):
    html = tmp_path / "review.html"
    assert main(["review", str(trained_demo_ws.root), "--html", str(html)]) == 0
    driver = _browser()
    try:
        for width in (390, 1280):
            driver.set_window_size(width, 900)
            driver.get(html.as_uri())
            deadline = time.monotonic() + 10
            while driver.execute_script("return document.readyState") != "complete":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            # Nothing wider than the screen: the page never scrolls sideways.
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{overflow}px of sideways scroll at {width}px"
            sections = driver.execute_script("return document.querySelectorAll('section').length")
            assert sections == 10
            # Every chart shown is drawn at a real size (sparklines hide on a phone).
            sizes = driver.execute_script(
                "return [...document.querySelectorAll('svg')]"
                ".filter(s => !s.closest('.hide-narrow') || window.innerWidth > 700)"
                ".map(s => s.getBoundingClientRect().width)"
            )
            assert len(sizes) >= 10 and min(sizes) > 20
            driver.save_screenshot(str(tmp_path / f"review-{width}.png"))
        resources = driver.execute_script(
            "return performance.getEntriesByType('resource').map(r => r.name)"
        )
        assert resources == []  # nothing was fetched: the file is self-contained
    finally:
        driver.quit()


def test_a_one_pager_exports_as_markdown_html_and_pdf(
    trained_demo_ws: Workspace, tmp_path: Path, capsys
):
    root = trained_demo_ws.root
    before = snapshot(root)
    md, html, pdf = tmp_path / "op.md", tmp_path / "op.html", tmp_path / "op.pdf"
    code = main(["onepager", "export", str(root), "churn-risk", "--md", str(md),
                 "--html", str(html), "--pdf", str(pdf), "--page-size", "Letter"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert f"Wrote {md}" in out and f"Wrote {html}" in out and f"Wrote {pdf}" in out
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Churn risk")
    assert "| Primary metric | roc_auc (target 0.75, maximize) |" in text
    assert "## Problem" in text  # the narrative follows the facts
    page = html.read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page and "<h2>Problem</h2>" in page
    assert pdf_pages(pdf) >= 1
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+612(\.0+)?\s+792", pdf.read_bytes())
    assert snapshot(root) == before  # exporting writes only the files named


def test_one_pager_prose_is_text_not_markup(blank_ws: Workspace, tmp_path: Path):
    from shipyard.core.portfolio.projects import create_project
    from shipyard.core.review.onepager_export import onepager_html, onepager_markdown

    doc = create_project(blank_ws, "Pipes | and <b>tags</b>", user="Ada")
    doc.body = "## Problem\n<script>alert(1)</script> and a | pipe\n"
    page = onepager_html(doc)
    assert "<script" not in page and "&lt;script&gt;" in page and "<b>" not in page
    assert "Pipes \\| and" not in onepager_markdown(doc).splitlines()[0]  # the title as written
    assert main(["onepager", "export", str(blank_ws.root), doc.path.parent.name]) == 2
