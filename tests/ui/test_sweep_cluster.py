"""The sweep dialog's Cluster field: checked, remembered in the user settings, and used.

A real loopback Dask cluster (a `dask scheduler` and one `dask worker` process) fits the trials;
progress, the finished rows and the setting are checked as for a local sweep.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from models_fixtures import prepared_ws, ws_copy  # noqa: F401 (fixtures)
from PySide6.QtWidgets import QApplication

from loopback_cluster import LoopbackCluster
from shipyard.core.workspace.user_settings import load_settings
from shipyard.ui.models.tab import ModelsTab
from shipyard.ui.session import WorkspaceSession

WAIT = 120_000


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
