"""The run plots receive the run's data: binary, multiclass and regression runs, importance."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from models_fixtures import prepared_ws, runs_of  # noqa: F401 (fixtures)
from PySide6.QtWidgets import QApplication

from shipyard.ui.models.run_plots import (
    CalibrationPlot,
    ConfusionPlot,
    ImportancePlot,
    PredictedActualPlot,
    PrPlot,
    ResidualsPlot,
    RocPlot,
)


def _linear(root: Path, slug: str) -> Any:
    return next(r for r in runs_of(root, slug) if r.family == "linear")


def _names(plot: Any) -> list[str]:
    return [item.name() for item in plot.data_items()]


def _plot(qtbot, cls: type) -> Any:
    widget = cls()
    qtbot.addWidget(widget)
    widget.resize(520, 380)
    return widget


def test_binary_roc_pr_calibration_and_confusion(qtbot, prepared_ws):  # noqa: F811
    run = _linear(prepared_ws, "lead-scoring")
    roc = _plot(qtbot, RocPlot)
    roc.show_run(run)
    assert roc.has_data
    names = _names(roc)
    auc = run.metrics["roc_auc"]
    assert names == [f"true (AUC {auc:.3f})", "chance"]
    x, y = roc.data_items()[0].getData()
    curve = run.curves["roc_curves"]["true"]
    assert list(x) == pytest.approx(curve["fpr"]) and list(y) == pytest.approx(curve["tpr"])

    pr = _plot(qtbot, PrPlot)
    pr.show_run(run)
    ap = run.curves["pr_curves"]["true"]["ap"]
    assert _names(pr) == [f"true (AP {ap:.3f})"]

    cal = _plot(qtbot, CalibrationPlot)
    cal.show_run(run)
    assert _names(cal) == ["perfectly calibrated", "this run"]
    x, y = cal.data_items()[1].getData()
    assert list(x) == pytest.approx(run.curves["calibration"]["predicted"])
    assert list(y) == pytest.approx(run.curves["calibration"]["observed"])

    conf = _plot(qtbot, ConfusionPlot)
    conf.show_run(run)
    matrix = run.curves["confusion"]["matrix"]
    assert conf.matrix == matrix
    assert conf.image is not None and conf.image.image.shape == (2, 2)
    assert [t.toPlainText() for t in conf.labels] == [f"{v:,}" for row in matrix for v in row]
    # Colour is the share of the actual class: each actual row sums to 1.
    assert conf.image.image.sum(axis=0) == pytest.approx([1.0, 1.0])


def test_multiclass_curves_per_class(qtbot, prepared_ws):  # noqa: F811
    run = _linear(prepared_ws, "invoice-routing")
    classes = run.task["classes"]
    assert len(classes) == 4
    roc = _plot(qtbot, RocPlot)
    roc.show_run(run)
    names = _names(roc)
    assert len(names) == len(classes) + 1  # one curve per class, plus chance
    for cls, name in zip(classes, names, strict=False):
        assert name == f"{cls} (AUC {run.curves['roc_curves'][cls]['auc']:.3f})"
    pr = _plot(qtbot, PrPlot)
    pr.show_run(run)
    assert [n.split(" (AP ")[0] for n in _names(pr)] == classes
    conf = _plot(qtbot, ConfusionPlot)
    conf.show_run(run)
    assert conf.image.image.shape == (4, 4) and len(conf.labels) == 16
    cal = _plot(qtbot, CalibrationPlot)
    cal.show_run(run)
    assert cal.has_data and "confidence" in cal.plot.getAxis("bottom").labelText.lower()


def test_regression_scatter_and_residuals(qtbot, prepared_ws):  # noqa: F811
    run = _linear(prepared_ws, "demand-forecast")
    pva = _plot(qtbot, PredictedActualPlot)
    pva.show_run(run)
    line, points = pva.data_items()
    assert line.name() == "y = x"
    lx, ly = line.getData()
    assert list(lx) == list(ly)  # the diagonal
    x, y = points.getData()
    data = run.curves["predicted_vs_actual"]
    assert list(x) == pytest.approx(data["actual"]) and list(y) == pytest.approx(data["predicted"])
    res = _plot(qtbot, ResidualsPlot)
    res.show_run(run)
    x, y = res.data_items()[1].getData()
    expected = [a - p for a, p in zip(data["actual"], data["predicted"], strict=True)]
    assert list(x) == pytest.approx(data["predicted"]) and list(y) == pytest.approx(expected)
    roc = _plot(qtbot, RocPlot)
    roc.show_run(run)
    assert not roc.has_data and "regression" in roc.note.text()


def test_old_records_fall_back_or_say_why(qtbot, prepared_ws):  # noqa: F811
    run = _linear(prepared_ws, "lead-scoring")
    curves = {k: v for k, v in run.curves.items() if k not in ("roc_curves", "calibration")}
    old = dataclasses.replace(run, curves=curves)
    roc = _plot(qtbot, RocPlot)
    roc.show_run(old)  # the binary roc_curve of the positive class
    assert _names(roc)[0] == f"true (AUC {run.metrics['roc_auc']:.3f})"
    cal = _plot(qtbot, CalibrationPlot)
    cal.show_run(old)
    assert not cal.has_data and "Train again" in cal.note.text()


def test_importance_bars_largest_first(qtbot):
    plot = _plot(qtbot, ImportancePlot)
    plot.show_importance({"features": ["a", "b", "c"], "mean": [0.01, 0.2, 0.05],
                          "std": [0.001, 0.02, 0.01], "metric": "roc_auc", "rows": 600})  # fmt: skip
    assert plot.features == ["b", "c", "a"]
    assert plot.bars is not None
    assert list(plot.bars.opts["width"]) == pytest.approx([0.2, 0.05, 0.01])
    assert "ROC AUC lost" in plot.plot.getAxis("bottom").labelText


def test_render_plots(qtbot, prepared_ws, artifacts):  # noqa: F811
    from PySide6.QtWidgets import QGridLayout, QWidget

    from shipyard.core.workspace.user_settings import Theme
    from shipyard.ui.theme import apply_theme

    apply_theme(QApplication.instance(), Theme.LIGHT)
    binary = _linear(prepared_ws, "lead-scoring")
    multi = _linear(prepared_ws, "invoice-routing")
    reg = _linear(prepared_ws, "demand-forecast")
    sheet = QWidget()
    qtbot.addWidget(sheet)
    grid = QGridLayout(sheet)
    plots = [
        (RocPlot(), multi), (PrPlot(), binary), (ConfusionPlot(), multi),
        (CalibrationPlot(), binary), (PredictedActualPlot(), reg), (ResidualsPlot(), reg),
    ]  # fmt: skip
    for i, (plot, _run) in enumerate(plots):
        grid.addWidget(plot, i // 3, i % 3)
    importance = ImportancePlot()
    grid.addWidget(importance, 2, 0, 1, 3)
    sheet.resize(1500, 1050)
    sheet.show()
    qtbot.waitExposed(sheet)
    for plot, run in plots:
        plot.show_run(run)
    importance.show_importance({"features": ["pages_viewed", "email_opens", "industry",
                                             "demo_requested", "job_level"],
                                "mean": [0.08, 0.05, 0.012, 0.03, 0.004],
                                "std": [0.01, 0.008, 0.004, 0.006, 0.002],
                                "metric": "roc_auc", "rows": 600})  # fmt: skip
    qtbot.wait(50)
    assert sheet.grab().save(str(artifacts / "run_plots.png"))
