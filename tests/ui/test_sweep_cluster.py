"""The Cluster field of the sweep dialog and of "Train ladder on a cluster…": checked,
remembered in the user settings, and used.

A real loopback Dask cluster (a `dask scheduler` and one `dask worker` process) fits the trials
and the rungs; progress, the finished rows and the setting are checked as for local work.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from models_fixtures import prepared_ws, ws_copy  # noqa: F401 (fixtures)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from loopback_cluster import LoopbackCluster
from shipyard.core.workspace.user_settings import load_settings
from shipyard.ui.models.run_dialogs import ClusterTrainDialog
from shipyard.ui.models.tab import ModelsTab
from shipyard.ui.session import WorkspaceSession

WAIT = 120_000
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def session(ws_copy: Path):  # noqa: F811
    s = WorkspaceSession()
    s.open(ws_copy)
    yield s
    QApplication.processEvents()
    s.close(notify=False)


@pytest.fixture
def tab(qtbot, session: WorkspaceSession) -> ModelsTab:
    widget = ModelsTab(session)
    qtbot.addWidget(widget)
    widget.resize(1360, 860)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_sweep_on_a_cluster_from_the_window(qtbot, tab, session, tmp_path):
    tab.load("invoice-routing")
    qtbot.waitUntil(lambda: tab.data is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: tab.setup.result is not None, timeout=WAIT)
    dialog = tab.sweep()
    assert dialog.cluster.text() == "" and dialog.cluster.placeholderText() == "this machine"
    assert "dask scheduler" in dialog.cluster.toolTip()
    dialog.cluster.setText("http://nowhere:1")
    dialog.accept()  # refused: stays open, says how to write it, nothing starts
    assert dialog.cluster_error.isVisibleTo(dialog) and "tcp://HOST:PORT" in (
        dialog.cluster_error.text()
    )
    assert not tab.busy and session.settings.cluster == ""
    with LoopbackCluster(tmp_path / "dask", workers=1) as cluster:
        dialog.cluster.setText(cluster.address.removeprefix("tcp://"))
        dialog.mode.setCurrentText("grid")
        dialog.trials.setValue(2)
        progress: list[str] = []
        dialog.accept()
        assert tab.busy
        tab.job.progressed.connect(lambda _f, m: progress.append(m))
        qtbot.waitUntil(lambda: not tab.busy, timeout=WAIT)
    assert session.settings.cluster == cluster.address == load_settings().cluster
    qtbot.waitUntil(lambda: tab.model.rowCount() == 4, timeout=WAIT)
    assert any(cluster.address in m for m in progress), progress
    again = tab.sweep()
    assert again.cluster.text() == cluster.address  # remembered
    again.cluster.clear()
    again.reject()
    assert load_settings().cluster == cluster.address  # only a started sweep changes it


def test_train_the_ladder_on_a_cluster_from_the_window(qtbot, tab, session, tmp_path, artifacts):
    tab.load("invoice-routing")
    qtbot.waitUntil(lambda: tab.data is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: tab.setup.result is not None, timeout=WAIT)
    before = tab.model.rowCount()
    families = tab.setup.choice().families
    assert tab.train_cluster_action in tab.train_more.menu().actions()
    qtbot.keyClick(tab.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | SHIFT)
    dialog = tab.findChild(ClusterTrainDialog)
    assert dialog is not None and dialog.isVisible()
    assert " → ".join(families) in dialog.findChild(QLabel).text()
    assert dialog.cluster.placeholderText() == "tcp://HOST:PORT"
    dialog.accept()  # no address: this dialog is for a cluster, so it says what to enter
    assert dialog.isVisible() and "tcp://HOST:PORT" in dialog.cluster_error.text()
    qtbot.waitUntil(lambda: dialog.cluster_error.isVisible())
    dialog.adjustSize()
    dialog.grab().save(str(artifacts / "train-on-cluster-dialog.png"))
    for label in dialog.findChildren(QLabel):  # every line readable, none cut off
        assert label.width() >= min(label.sizeHint().width(), dialog.width() - 40)
    assert not tab.busy and session.settings.cluster == ""
    with LoopbackCluster(tmp_path / "dask", workers=1) as cluster:
        dialog.cluster.setText(cluster.address)
        progress: list[str] = []
        dialog.accept()
        assert tab.busy and not dialog.isVisible()
        tab.job.progressed.connect(lambda _f, m: progress.append(m))
        qtbot.waitUntil(lambda: not tab.busy, timeout=WAIT)
    assert any(cluster.address in m for m in progress), progress
    qtbot.waitUntil(lambda: tab.model.rowCount() == before + len(families), timeout=WAIT)
    assert f"{len(families)} runs recorded" in tab.message.text()
    assert session.settings.cluster == cluster.address == load_settings().cluster
    again = tab.train_on_cluster()
    assert again.cluster.text() == cluster.address  # the sweep dialog's setting, remembered
    again.reject()
