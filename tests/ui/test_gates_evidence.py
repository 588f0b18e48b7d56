"""Gate evidence reads as text with the numbers picked out; the JSON is one click away."""

from __future__ import annotations

from shipyard.core.gates import CheckResult
from shipyard.ui.gates.evidence import JSON_LINK, evidence_html, format_number, human_key


def _check(evidence: dict) -> CheckResult:
    import dataclasses

    fields = {f.name for f in dataclasses.fields(CheckResult)}
    values = {
        "id": "onnx_parity",
        "kind": "onnx_parity",
        "title": "ONNX parity with sklearn",
        "verdict": "pass",
        "required": True,
        "value": 9.4e-08,
        "threshold": 1e-4,
        "unit": "max |Δp|",
        "message": "ONNX agreed",
        "evidence": evidence,
    }
    return CheckResult(**{k: v for k, v in values.items() if k in fields})


def test_numbers_are_compact_and_keys_are_words():
    assert format_number(600) == "600"
    assert format_number(92000) == "92,000"
    assert format_number(0.029767) == "0.0298"
    assert format_number(9.403813872044253e-08) == "9.40e-08"
    assert format_number(255361.57276582954) == "255,362"
    assert format_number(True) == "yes"
    assert human_key("max_proba_diff") == "Max proba diff"


def test_evidence_is_text_with_highlighted_numbers_not_json():
    check = _check(
        {
            "parity": {"rows": 600, "label_agreement": 1.0, "max_proba_diff": 9.4e-08, "ok": True},
            "tolerance": 0.0001,
            "features": ["price", "promo"],
            "samples_ms": [0.1] * 300,
        }
    )
    html = evidence_html(check, "#123456")
    assert "Rows: <b" in html and ">600</b>" in html
    assert "Max proba diff" in html and "9.40e-08" in html
    assert "color:#123456" in html  # numbers are highlighted
    assert "price, promo" in html
    assert "{" not in html.split("</a>", 1)[1]  # no JSON braces in the text form
    assert "samples_ms" not in html and "Samples ms" not in html  # drawn as a histogram
    assert f'href="{JSON_LINK}"' in html
    raw = evidence_html(check, raw=True)
    assert "&quot;max_proba_diff&quot;: 9.4e-08" in raw
    assert "pre-wrap" in raw  # even the JSON wraps: no horizontal scroll bar


def test_long_lists_are_cut_with_a_count():
    html = evidence_html(_check({"examples": [{"row": i, "value": i} for i in range(40)]}))
    assert "… and 28 more" in html


def test_gates_tab_shows_text_and_switches_to_json(qtbot, trained_demo_ws):
    from PySide6.QtCore import Qt, QUrl

    from shipyard.ui.gates.tab import GatesTab
    from shipyard.ui.session import WorkspaceSession

    session = WorkspaceSession()
    session.open(trained_demo_ws.root)
    try:
        tab = GatesTab(session)
        qtbot.addWidget(tab)
        tab.resize(1000, 700)
        tab.show()
        tab.load("churn-risk")
        qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=30_000)
        text = tab.detail.toPlainText()
        assert "Evidence" in text and "Rows: 600" in text and '"rows"' not in text
        assert tab.detail.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        tab.detail.anchorClicked.emit(QUrl(JSON_LINK))
        assert '"rows": 600' in tab.detail.toPlainText()
        tab.detail.anchorClicked.emit(QUrl("evidence:text"))
        assert "Rows: 600" in tab.detail.toPlainText()
    finally:
        session.close(notify=False)


def test_quality_evidence_starts_with_the_interval_the_judged_rows_and_the_wear():
    check = _check(
        {
            "metric": "roc_auc",
            "computed_from": "the model file's answers on the sealed test split (600 rows no "
            "run was chosen on) (onnxruntime)",
            "interval_summary": "ROC AUC 0.78 (0.74–0.82), target 0.75: likely above target",
            "test_split": {
                "split_id": "seed42-test200",
                "distinct_models": 6,
                "limit": 5,
                "worn": True,
                "file": "x",
            },
            "test_split_warning": "the test split is worn: 6 distinct models were scored on it",
        }
    )
    html = evidence_html(check)
    head = html[: html.index("Metric:")]
    assert "Result:</b> ROC AUC 0.78 (0.74–0.82), target 0.75: likely above target" in head
    assert "Judged on:</b> the model file&#x27;s answers on the sealed test split" in head
    assert (
        "Test split wear:</b>" in head and ">6</b> distinct models scored on seed42-test200" in head
    )
    assert "(warns past 5)" in head and "Worn test split:</b> the test split is worn" in head
    plain = evidence_html(_check({"rows": 3}))
    assert "Result:" not in plain and "Test split wear" not in plain
