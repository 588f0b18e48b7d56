"""`shipyard present --export`: the deck as one HTML file, driven in a headless Chromium.

The browser test needs Debian's chromium and chromedriver. Without them it is skipped with
the reason, except in CI (the CI variable is set), where their absence is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from shipyard.cli.commands import GuiRequest, run

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _export(ws, tmp_path: Path, *extra: str) -> Path:
    (tmp_path / "out").mkdir(exist_ok=True)
    out = tmp_path / "out" / "deck.html"
    assert run(["present", str(ws.root), "--export", str(out), *extra]) == 0
    return out


def test_export_writes_one_file_with_no_network_reference(trained_demo_ws, tmp_path, capsys):
    out = _export(trained_demo_ws, tmp_path)
    html = out.read_text("utf-8")
    assert "http://" not in html and "https://" not in html
    slides = html.count('<section class="slide')
    assert capsys.readouterr().out.strip() == f"Wrote {out} ({slides} slides, 9 teams)"
    assert [p.name for p in out.parent.iterdir()] == ["deck.html"]  # nothing beside it


def test_cli_checks_order_and_minutes_and_opens_the_window_through_a_request(
    trained_demo_ws, tmp_path, capsys
):
    root = str(trained_demo_ws.root)
    assert run(["present", root, "--order", "churn-risk,nope"]) == 2
    assert "'nope'" in capsys.readouterr().err
    assert run(["present", root, "--minutes", "0"]) == 2
    assert "minutes" in capsys.readouterr().err
    request = run(["present", root, "--order", "lead-scoring,churn-risk", "--minutes", "8"])
    assert isinstance(request, GuiRequest)
    assert request.page == "present" and request.workspace == trained_demo_ws.root
    assert request.present == (("lead-scoring", "churn-risk"), 8.0)
    assert run(["present", root]).present == ((), 10.0)  # the window picks roadmap order


SPILL = """
var slide = document.querySelector('.slide.current');
var floor = document.querySelector('footer').getBoundingClientRect().top;
var out = [];
slide.querySelectorAll('*').forEach(function (e) {
  var b = e.getBoundingClientRect();
  if (b.height > 0 && (b.bottom > floor + 1 || b.right > innerWidth + 1)) {
    out.push(e.tagName + ' ' + (e.textContent || '').slice(0, 40));
  }
});
return out;
"""


def _browser():
    missing = [p for p in (CHROMIUM, DRIVER) if not Path(p).exists()]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install chromium and chromedriver; missing: {missing}")
        pytest.skip(f"needs Debian's chromium and chromedriver (missing: {', '.join(missing)})")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,720",
                "--disable-dev-shm-usage"):  # fmt: skip
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def test_headless_browser_steps_through_every_slide(trained_demo_ws, tmp_path, artifacts):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out = _export(trained_demo_ws, tmp_path, "--minutes", "7")
    total = out.read_text("utf-8").count('<section class="slide')
    driver = _browser()
    try:
        driver.get(out.as_uri())
        body = driver.find_element(By.TAG_NAME, "body")
        counter = driver.find_element(By.ID, "counter")

        def visible() -> list[str]:
            """The text of every slide the browser shows (rendered, not display:none)."""
            return driver.execute_script(
                "return [].slice.call(document.querySelectorAll('.slide'))"
                ".filter(function(s){return s.getClientRects().length>0})"
                ".map(function(s){return s.innerText})"
            )

        seen = []
        for i in range(total):
            shown = visible()
            assert len(shown) == 1, f"slide {i + 1}: {len(shown)} slides visible"
            assert counter.text == f"{i + 1} / {total}"
            text = shown[0]
            assert text.strip(), f"slide {i + 1} is empty"
            assert not seen or text != seen[-1], f"slide {i + 1} did not change"
            seen.append(text)
            # Nothing spills under the footer or off the right edge of a 1280x720 window.
            spill = driver.execute_script(SPILL)
            assert spill == [], f"slide {i + 1}: {spill}"
            clock = driver.find_element(By.ID, "clock").text
            assert clock == ("7 min per team" if i == 0 else "7:00") or re.match(r"6:5\d", clock)
            if i in (0, 3):
                driver.save_screenshot(str(artifacts / f"deck-html-{i + 1:02d}.png"))
            body.send_keys(Keys.ARROW_RIGHT)
        assert counter.text == f"{total} / {total}"  # → on the last slide stays there
        assert "Demo day" in seen[0]
        body.send_keys(Keys.HOME)
        assert counter.text == f"1 / {total}"
        for key in (Keys.PAGE_DOWN, Keys.SPACE, Keys.ARROW_DOWN):
            body.send_keys(key)
        assert counter.text == f"4 / {total}"
        body.send_keys(Keys.PAGE_UP)
        assert counter.text == f"3 / {total}" and visible()[0] == seen[2]
        body.send_keys(Keys.END)
        assert counter.text == f"{total} / {total}" and visible()[0] == seen[-1]
        blank = driver.find_element(By.ID, "blank")
        assert not blank.is_displayed()
        body.send_keys("b")
        assert blank.is_displayed()
        body.send_keys("b")
        assert not blank.is_displayed()
    finally:
        driver.quit()
