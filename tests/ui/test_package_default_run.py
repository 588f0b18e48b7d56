"""The Package tab preselects the run every command would use: the champion, else the best
exportable run by the primary metric (never the newest), and says why."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "core" / "packaging"))
from pkg_helpers import SLUG, build_trained_workspace


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return build_trained_workspace(tmp_path_factory.mktemp("ui-package-default") / "ws")


@pytest.fixture
def tab(qtbot: Any, template: tuple[Path, str], tmp_path: Path) -> Iterator[Any]:
    from shipyard.ui.package.tab import PackageTab
    from shipyard.ui.session import WorkspaceSession

    shutil.copytree(template[0], tmp_path / "ws")
    session = WorkspaceSession()
    session.open(tmp_path / "ws")
    widget = PackageTab(session)
    widget.champion = template[1]
    qtbot.addWidget(widget)
    widget.load(SLUG)
    yield widget
    session.close(notify=False)


def test_default_run_is_the_champion_else_the_best_with_the_reason(tab: Any) -> None:
    from shipyard.core.training import list_runs, train_ladder
    from shipyard.core.training.champion import champion_path

    ws, champion = tab.session.workspace, tab.champion
    assert tab.run_id() == champion
    assert tab.choice_label.text() == f"Selected by default: the champion {champion}"
    # No champion, and a newer run that is worse: the best run is preselected, not the newest.
    champion_path(ws, SLUG).unlink()
    [newest] = train_ladder(ws, SLUG, "small_churn@v1", "churned", user="t", families=["dummy"])
    assert list_runs(ws, SLUG)[-1].run_id == newest.run_id
    tab.load(SLUG)
    assert tab.run_combo.itemData(0) == newest.run_id and tab.run_id() == champion
    assert tab.run_combo.currentText().startswith("best · ")
    assert "the best exportable run by ROC AUC" in tab.choice_label.text()
    assert "no champion yet" in tab.choice_label.text()
    tab.run_combo.setCurrentIndex(0)
    assert tab.choice_label.text().startswith(f"Selected by you: run {newest.run_id}")
