"""The package's serve.py answers predictions on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from pkg_helpers import SLUG

from shipyard.core.packaging.export import export_package


def _post(url: str, body: Any) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serve_py_answers_a_prediction_on_loopback(pkg_ws: Any, tmp_path: Path) -> None:
    package = export_package(pkg_ws, SLUG, out_dir=tmp_path / "out", user="t")
    proc = subprocess.Popen(
        [sys.executable, str(package.folder / "serve.py"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving churn-risk on http://127.0.0.1:"), line + proc.stderr.read()
        base = line.split(" on ")[1].strip()
        rows = [
            {"tenure": 2, "spend": 10.5, "plan": "free", "auto_renew": False},
            {"tenure": 58, "spend": 420, "plan": "enterprise", "auto_renew": True},
            # missing (null) and unseen values are served
            {"tenure": None, "spend": None, "plan": "never-seen", "auto_renew": None},
        ]
        status, answer = _post(f"{base}/predict", {"rows": rows})
        assert status == 200, answer
        assert answer["predictions"][:2] == [True, False]  # the target's own type
        assert len(answer["predictions"]) == 3
        probs = answer["probabilities"][0]
        assert set(probs) == {"false", "true"} and abs(sum(probs.values()) - 1) < 1e-5
        status, one = _post(f"{base}/predict", rows[0])
        assert status == 200 and one["predictions"] == [True]
        status, bad = _post(f"{base}/predict", {"rows": [{**rows[0], "tenure": "many"}]})
        assert status == 400 and bad["problems"] == [
            "feature 'tenure' must be a number or null, got the text 'many'"
        ]
        status, bad = _post(f"{base}/predict", {"rows": [{"tenure": 3, "spned": 1.0}]})
        assert status == 400
        assert "unknown feature 'spned' (did you mean 'spend'?)" in bad["problems"]
        assert "missing feature 'plan' (send null for a missing value)" in bad["problems"]
        with urllib.request.urlopen(f"{base}/health", timeout=10) as response:
            assert json.loads(response.read())["model_sha256"] == package.model_sha256
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
