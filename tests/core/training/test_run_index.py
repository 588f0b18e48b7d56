"""Runs at scale: slim run.json with its curves beside it, and the run index that lists runs.

The run folders are the truth: the index must follow every run recorded, edited or deleted,
survive being damaged, and never be trusted over the files.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.core.errors import ShipyardError
from shipyard.core.training import leaderboard, list_runs, load_run, train_ladder
from shipyard.core.training import run_index as ix
from shipyard.core.training.champion import promote
from shipyard.core.training.runs import CurvesFile, load_curves, read_record
from shipyard.core.workspace.layout import CURVES_FILE, RUN_FILE
from shipyard.core.workspace.workspace import Workspace

SLUG = "churn-risk"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace whose churn project has one freshly recorded (slim) linear run."""
    from shipyard.core.data import import_file

    root = tmp_path_factory.mktemp("ix") / "ws"
    ws = Workspace.create(root, template_name="demo")
    shutil.rmtree(ws.projects_dir / SLUG / "runs", ignore_errors=True)
    (ws.projects_dir / SLUG / "champion.json").unlink(missing_ok=True)
    v = import_file(ws, ws.root / "samples" / "churn_customers.csv", "churn", user="t")
    train_ladder(ws, SLUG, v, "churned", user="t", families=["linear"])
    return root


@pytest.fixture
def tws(trained: Path, tmp_path: Path) -> Workspace:
    shutil.copytree(trained, tmp_path / "copy")
    return Workspace.open(tmp_path / "copy")


def _runs(ws: Workspace, slug: str = SLUG) -> Path:
    return ws.projects_dir / slug / "runs"


# -- slim run.json ----------------------------------------------------------------------------
def test_a_new_run_keeps_its_curves_beside_run_json_and_reads_them_on_demand(tws):
    (run,) = list_runs(tws, SLUG)
    folder = run.folder
    assert folder is not None
    on_disk = json.loads((folder / RUN_FILE).read_text("utf-8"))
    assert on_disk["curves"] == {"sidecar": CURVES_FILE}
    sidecar = json.loads((folder / CURVES_FILE).read_text("utf-8"))
    assert "roc_curve" in sidecar and "confusion" in sidecar and "calibration" in sidecar
    # run.json lost the bulk: the curves were most of it.
    assert (folder / RUN_FILE).stat().st_size < (folder / CURVES_FILE).stat().st_size

    record = load_run(tws, SLUG, run.run_id)
    assert isinstance(record.curves, CurvesFile) and not record.curves._loaded
    assert record.curves["confusion"] == sidecar["confusion"]
    assert record.curves == sidecar and dict(record.curves.items()) == sidecar
    assert load_curves(record) == sidecar
    # Printed whole (`runs show --json`), the curves are in; pickled, they are a plain dict.
    assert record.to_json()["curves"] == sidecar
    again = pickle.loads(pickle.dumps(record))
    assert type(again.curves) is dict and again.curves == sidecar
    # Written back, run.json stays slim.
    assert record.run_file_json()["curves"] == {"sidecar": CURVES_FILE}


def test_a_missing_or_damaged_curves_file_reads_as_no_curves(tws):
    (run,) = list_runs(tws, SLUG)
    assert run.folder is not None
    (run.folder / CURVES_FILE).write_text("{ broken", "utf-8")
    assert load_run(tws, SLUG, run.run_id).curves == {}
    (run.folder / CURVES_FILE).unlink()
    record = load_run(tws, SLUG, run.run_id)
    assert record.curves.get("roc_curve") is None and not record.curves


def test_runs_recorded_with_curves_inside_run_json_still_show_them(ws):
    """The demo's runs were recorded before the curves moved out: they read as before."""
    for folder in sorted(p for p in _runs(ws).iterdir() if p.is_dir()):
        assert not (folder / CURVES_FILE).exists()
        inline = json.loads((folder / RUN_FILE).read_text("utf-8"))["curves"]
        record = read_record(folder / RUN_FILE)
        assert type(record.curves) is dict and record.curves == inline
        assert "roc_curve" in record.curves and record.curves["confusion"]["matrix"]
    board = leaderboard(ws, SLUG)
    assert len(board.rows) == 3 and board.rows[0].score is not None


def test_the_deck_and_plots_read_curves_of_a_slim_run(tws):
    from shipyard.core.review.deck import key_plot

    (run,) = list_runs(tws, SLUG)
    chart = key_plot(load_run(tws, SLUG, run.run_id).curves or {})
    assert chart is not None


# -- the index -----------------------------------------------------------------------------
def _write_run(folder: Path, run_id: str, created: str, score: float | None, **extra: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "run_id": run_id, "family": "linear", "model": "LogisticRegression",
        "created": created, "user": "t", "dataset": {"ref": "churn@v1"},
        "task": {"kind": "binary"}, "exportable": True, "export_problem": "",
        "metrics": {"roc_auc": score, "accuracy": 0.5}, "curves": {"sidecar": CURVES_FILE},
        **extra,
    }  # fmt: skip
    (folder / RUN_FILE).write_text(json.dumps(record), "utf-8")


def _fresh_rows(ws: Workspace, slug: str) -> dict[str, tuple[Any, ...]]:
    """What the index must hold: each run.json read directly."""
    out = {}
    for folder in sorted(_runs(ws, slug).iterdir()):
        if folder.name.startswith(".") or not (folder / RUN_FILE).is_file():
            continue
        data = json.loads((folder / RUN_FILE).read_text("utf-8"))
        out[data["run_id"]] = (data["created"], data["metrics"]["roc_auc"], data["exportable"])
    return out


def _indexed(ws: Workspace, slug: str) -> dict[str, tuple[Any, ...]]:
    return {
        r[ix.RUN_ID]: (r[ix.CREATED], r[ix.METRICS]["roc_auc"], r[ix.EXPORTABLE])
        for r in ix.index_rows(ws, slug)
    }


def test_the_index_lives_under_shipyard_and_follows_every_change(tws):
    board = leaderboard(tws, SLUG)
    path = ix.index_path(tws, SLUG)
    assert path == tws.root / ".shipyard" / "run-index" / f"{SLUG}.json"
    assert path.is_file() and ".shipyard/" in (tws.root / ".gitignore").read_text("utf-8")
    first = board.rows[0].run_id
    runs = _runs(tws)

    # A new run appears, an edited run.json is re-read, a deleted run disappears.
    _write_run(runs / "z-new", "z-new", "2031-01-01T00:00:00.000Z", 0.999)
    assert leaderboard(tws, SLUG).rows[0].run_id == "z-new"
    data = json.loads((runs / first / RUN_FILE).read_text("utf-8"))
    data["metrics"]["roc_auc"] = 1.0
    data["family"] = "edited by hand"
    (runs / first / RUN_FILE).write_text(json.dumps(data, indent=1), "utf-8")
    top = leaderboard(tws, SLUG).rows[0]
    assert (top.run_id, top.score, top.family) == (first, 1.0, "edited by hand")
    shutil.rmtree(runs / first)
    assert first not in [r.run_id for r in leaderboard(tws, SLUG).rows]
    # Another process's view (nothing remembered) agrees with the files too.
    ix.forget()
    assert _indexed(tws, SLUG) == _fresh_rows(tws, SLUG)


def test_an_edit_that_keeps_size_and_is_seen_through_mtime(tws):
    runs = _runs(tws)
    _write_run(runs / "a", "a", "2031-01-01T00:00:00.000Z", 0.111)
    assert _indexed(tws, SLUG)["a"][1] == 0.111
    text = (runs / "a" / RUN_FILE).read_text("utf-8").replace("0.111", "0.222")
    before = (runs / "a" / RUN_FILE).stat()
    (runs / "a" / RUN_FILE).write_text(text, "utf-8")  # same size, in place
    os.utime(runs / "a" / RUN_FILE, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000))
    assert _indexed(tws, SLUG)["a"][1] == 0.222


@pytest.mark.parametrize(
    "damage",
    [b"", b"{ half", b"[1, 2]", b'{"format": 99, "rows": []}', b'{"format": 1}',
     b'{"format": 1, "columns": "nope", "rows": 3}', b"\xff\xfe\x00garbage", "cut"],
)  # fmt: skip
def test_a_damaged_index_is_rebuilt_silently(tws, damage):
    runs = _runs(tws)
    for i in range(ix.CHUNK + 5):  # two lines of rows
        _write_run(runs / f"r{i:03d}", f"r{i:03d}", f"2030-01-01T00:00:{i % 60:02d}.000Z", 0.5)
    expected = [r.run_id for r in leaderboard(tws, SLUG).rows]
    path = ix.index_path(tws, SLUG)
    if damage == "cut":  # the last line of rows lost
        damage = b"\n".join(path.read_bytes().splitlines()[:-1]) + b"\n"
    path.write_bytes(damage)
    ix.forget()
    assert [r.run_id for r in leaderboard(tws, SLUG).rows] == expected
    header, *lines = path.read_text("utf-8").splitlines()
    assert json.loads(header)["format"] == ix.INDEX_FORMAT and len(lines) == 2


def test_an_index_row_with_the_right_key_but_wrong_shape_is_not_trusted(tws):
    leaderboard(tws, SLUG)
    path = ix.index_path(tws, SLUG)
    header, rows = path.read_text("utf-8").splitlines()
    damaged = json.loads(rows)
    damaged[0][ix.METRICS] = "not a dict"
    path.write_text(header + "\n" + json.dumps(damaged) + "\n", "utf-8")
    ix.forget()
    assert leaderboard(tws, SLUG).rows[0].metrics["roc_auc"] is not None


def test_a_damaged_run_json_is_named_and_a_read_only_index_is_no_error(tws):
    runs = _runs(tws)
    leaderboard(tws, SLUG)
    (runs / "bad").mkdir()
    (runs / "bad" / RUN_FILE).write_text("{ not json", "utf-8")
    with pytest.raises(ShipyardError, match="damaged") as info:
        leaderboard(tws, SLUG)
    assert info.value.file == runs / "bad" / RUN_FILE
    shutil.rmtree(runs / "bad")
    folder = ix.index_path(tws, SLUG).parent
    shutil.rmtree(folder)
    folder.parent.joinpath("run-index").write_text("a file where the folder should be")
    try:
        assert len(leaderboard(tws, SLUG).rows) == 1  # read from the run files
    finally:
        folder.parent.joinpath("run-index").unlink()


def test_two_writers_at_once_leave_a_valid_index(tws):
    runs = _runs(tws)
    for i in range(40):
        _write_run(runs / f"r{i:02d}", f"r{i:02d}", f"2030-01-01T00:00:{i:02d}.000Z", i / 100)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(5):
                ix.forget()
                ix.index_path(tws, SLUG).unlink(missing_ok=True)
                assert len(ix.index_rows(tws, SLUG)) == 41
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ix.forget()
    assert _indexed(tws, SLUG) == _fresh_rows(tws, SLUG)
    leftovers = [p.name for p in ix.index_path(tws, SLUG).parent.iterdir()]
    assert leftovers == [f"{SLUG}.json"]


def test_run_summaries_serve_the_champion_checks(tws):
    (run,) = ix.run_summaries(tws, SLUG)
    assert run.exportable and run.kind == "binary" and run.dataset == "churn@v1"
    assert run.folder == _runs(tws) / run.run_id and "roc_auc" in run.metrics
    assert "roc_auc" in run.intervals
    promote(tws, SLUG, run.run_id, user="t", reason="best")
    assert leaderboard(tws, SLUG).rows[0].champion


def test_the_same_board_twice_is_equal_and_its_list_is_the_callers(tws):
    a, b = leaderboard(tws, SLUG), leaderboard(tws, SLUG)
    assert a == b and a.rows is not b.rows
    a.rows.clear()
    assert leaderboard(tws, SLUG).rows == b.rows


OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "edit", "delete", "touch", "forget", "corrupt_index"]),
        st.integers(0, 7),
        st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
    ),
    max_size=12,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_the_index_always_equals_the_run_files(ws, ops):
    """Whatever happens to the run folders between reads, a read gives what the files say."""
    slug = "lead-scoring"
    runs = _runs(ws, slug)
    shutil.rmtree(runs, ignore_errors=True)
    ix.forget()
    ix.index_path(ws, slug).unlink(missing_ok=True)
    for step, (op, n, score) in enumerate(ops):
        folder = runs / f"run-{n}"
        if op in ("add", "edit"):
            _write_run(folder, f"run-{n}", f"2030-01-0{n % 9 + 1}T00:00:{step:02d}.000Z", score)
        elif op == "delete":
            shutil.rmtree(folder, ignore_errors=True)
        elif op == "touch" and (folder / RUN_FILE).exists():
            os.utime(folder / RUN_FILE)
        elif op == "forget":
            ix.forget()
        elif op == "corrupt_index" and ix.index_path(ws, slug).exists():
            ix.index_path(ws, slug).write_text("{", "utf-8")
        fresh = _fresh_rows(ws, slug) if runs.is_dir() else {}
        assert _indexed(ws, slug) == fresh
        board = leaderboard(ws, slug)
        assert sorted(r.run_id for r in board.rows) == sorted(fresh)


def test_curves_survive_asdict_and_deepcopy(tws):
    import copy
    from dataclasses import asdict

    (run,) = list_runs(tws, SLUG)
    sidecar = json.loads((run.folder / CURVES_FILE).read_text("utf-8"))
    assert asdict(load_run(tws, SLUG, run.run_id))["curves"] == sidecar
    assert copy.deepcopy(load_run(tws, SLUG, run.run_id)).curves == sidecar


# -- the board's first page -------------------------------------------------------------------
def _page_of(ws: Workspace, slug: str = SLUG) -> Any:
    import sys

    return sys.modules["shipyard.core.training.board_page"].first_page(ws, slug)


def _crown(ws: Workspace, slug: str, run_id: str) -> None:
    """The champion changes as champion.json says (promotion's checks are tested elsewhere)."""
    path = ws.projects_dir / slug / "champion.json"
    path.write_text(json.dumps({"current": run_id, "history": []}), "utf-8")


def _many(ws: Workspace, count: int, slug: str = SLUG) -> None:
    runs = _runs(ws, slug)
    for i in range(count):
        score = round((i * 7919 % count) / count, 6)
        _write_run(runs / f"r{i:04d}", f"r{i:04d}", f"2030-01-01T00:{i // 60:02d}:{i % 60:02d}Z",
                   score)  # fmt: skip


def test_the_first_page_is_the_boards_top_while_the_runs_are_unchanged(tws):
    from shipyard.core.training.board_page import PAGE_ROWS

    assert _page_of(tws) is None  # nothing ranked yet: nothing to trust
    _many(tws, PAGE_ROWS + 30)
    board = leaderboard(tws, SLUG)
    assert ix.page_path(tws, SLUG).is_file()
    ix.forget()  # another process: nothing remembered
    page = _page_of(tws)
    assert page is not None and page.total == len(board.rows) == PAGE_ROWS + 31
    assert page.rows == board.rows[:PAGE_ROWS]
    assert (page.metric, page.direction, page.metric_note, page.metric_keys) == (
        board.metric, board.direction, board.metric_note, board.metric_keys
    )  # fmt: skip
    # Another metric asked for keeps no page; the default board's stays.
    leaderboard(tws, SLUG, metric="accuracy")
    assert _page_of(tws) == page
    # The folders listed once serve the page's check and the board alike.
    listed = ix.scan_keys(tws, SLUG)
    assert leaderboard(tws, SLUG, listed=listed) == board
    bp = __import__("sys").modules["shipyard.core.training.board_page"]
    assert bp.first_page(tws, SLUG, listed) == page
    # The same runs listed in another order (another file system's order): still the page.
    assert bp.first_page(tws, SLUG, dict(reversed(list(listed.items())))) == page


@pytest.mark.parametrize("change", ["add", "edit_in_place", "delete", "champion", "metric"])
def test_a_page_of_other_runs_is_not_trusted_and_the_next_board_keeps_a_new_one(tws, change):
    """A run removed, a new champion or another metric: no page. A run recorded or edited
    since: the page is mended with it, and is the fresh board's top all the same."""
    from shipyard.core.training.board_page import PAGE_ROWS

    _many(tws, PAGE_ROWS + 5)
    board = leaderboard(tws, SLUG)
    runs = _runs(tws)
    top = board.rows[0].run_id
    if change == "add":
        _write_run(runs / "z-new", "z-new", "2031-01-01T00:00:00Z", 0.9999)
    elif change == "edit_in_place":  # same size, a new mtime: only the key check sees it
        path = runs / top / RUN_FILE
        before = path.stat()
        data = json.loads(path.read_text("utf-8"))
        text = json.dumps(data).replace(
            f'"roc_auc": {data["metrics"]["roc_auc"]}', '"roc_auc": 0.0'
        )
        path.write_text(text.ljust(before.st_size), "utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000))
    elif change == "delete":
        shutil.rmtree(runs / top)
    elif change == "champion":
        _crown(tws, SLUG, board.rows[-1].run_id)
    else:  # the one-pager now ranks by another metric
        doc = tws.projects_dir / SLUG / "onepager.md"
        text = doc.read_text("utf-8")
        assert "name: roc_auc" in text
        doc.write_text(text.replace("name: roc_auc", "name: accuracy", 1), "utf-8")
        tws.project(SLUG)
    ix.forget()
    mended = _page_of(tws)
    if change in ("add", "edit_in_place"):
        assert mended is not None
    else:
        assert mended is None
    fresh = leaderboard(tws, SLUG)
    assert fresh != board
    if mended is not None:
        assert mended.rows == fresh.rows[: len(mended.rows)] and mended.total == len(fresh.rows)
        assert len(mended.rows) >= PAGE_ROWS - 1  # at most the edited run fell off it
    page = _page_of(tws)
    assert page is not None and page.rows == fresh.rows[:PAGE_ROWS]
    assert page.total == len(fresh.rows) and page.metric == fresh.metric
    if change == "edit_in_place":
        assert top not in [r.run_id for r in page.rows]
        assert {r.run_id: r.score for r in fresh.rows}[top] == 0.0
    if change == "champion":
        star = board.rows[-1].run_id
        assert page.champion_row is not None and page.champion_row.run_id == star
        assert page.champion_row.champion and not any(r.champion for r in page.rows)


@pytest.mark.parametrize("damage", [b"", b"{ half", b"[1]", b'{"format": 1}', b"\xff\x00"])
def test_a_damaged_page_is_not_used_and_is_written_again(tws, damage):
    board = leaderboard(tws, SLUG)
    path = ix.page_path(tws, SLUG)
    path.write_bytes(damage)
    assert _page_of(tws) is None
    import sys

    sys.modules["shipyard.core.training.leaderboard"]._last_board.clear()  # a new process
    assert leaderboard(tws, SLUG) == board
    page = _page_of(tws)
    assert page is not None and page.rows == board.rows


def test_a_page_row_of_the_wrong_shape_is_not_trusted(tws):
    leaderboard(tws, SLUG)
    path = ix.page_path(tws, SLUG)
    page = json.loads(path.read_text("utf-8"))
    page["rows"][0] = page["rows"][0][:3]
    path.write_text(json.dumps(page), "utf-8")
    assert _page_of(tws) is None


def test_runs_key_tells_any_change_of_a_run_key():
    keys = {"a": (1, 2), "b": (3, 4)}
    assert ix.runs_key(keys) == ix.runs_key(dict(keys))
    for other in ({"a": (1, 2)}, {"a": (1, 2), "b": (3, 5)}, {"a": (1, 2), "b": (4, 4)},
                  {"a": (1, 2), "c": (3, 4)}, {"a": (1, 2), "b": (3, 4), "c": (0, 0)}):  # fmt: skip
        assert ix.runs_key(other) != ix.runs_key(keys)


PAGE_OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "edit", "delete", "touch", "rank", "rank", "rank", "crown"]),
        st.integers(0, 5),
        st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
    ),
    max_size=10,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=PAGE_OPS)
def test_a_trusted_page_is_always_the_top_of_the_board_the_files_give(ws, ops):
    """Whatever happens between two reads, a page that is used is the fresh board's top."""
    import sys

    bp = sys.modules["shipyard.core.training.board_page"]
    slug = "lead-scoring"
    runs = _runs(ws, slug)
    shutil.rmtree(runs, ignore_errors=True)
    (ws.projects_dir / slug / "champion.json").unlink(missing_ok=True)
    ix.forget()
    ix.page_path(ws, slug).unlink(missing_ok=True)
    for step, (op, n, score) in enumerate(ops):
        folder = runs / f"run-{n}"
        if op in ("add", "edit"):
            _write_run(folder, f"run-{n}", f"2030-01-0{n % 9 + 1}T00:00:{step:02d}.000Z", score)
        elif op == "delete":
            shutil.rmtree(folder, ignore_errors=True)
        elif op == "touch" and (folder / RUN_FILE).exists():
            os.utime(folder / RUN_FILE)
        elif op == "rank" and runs.is_dir():
            leaderboard(ws, slug)
        elif op == "crown" and (folder / RUN_FILE).exists():
            _crown(ws, slug, f"run-{n}")
        page = bp.first_page(ws, slug)
        if page is not None:
            fresh = leaderboard(ws, slug)
            assert page.rows == fresh.rows[: len(page.rows)] and page.total == len(fresh.rows)
            assert page.rows  # a page is never empty


MEND_OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "edit"]),
        st.integers(0, 129),
        st.one_of(st.none(), st.floats(0, 1, allow_nan=False), st.sampled_from([0.0, 0.5])),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=MEND_OPS)
def test_a_page_mended_with_new_and_edited_runs_is_the_top_of_the_fresh_board(ws, ops):
    """Runs recorded or edited by another process since the page was kept (scores better,
    worse, tied or missing; created before or after the others) are merged into it: the
    page is used, and it is the fresh board's top with the fresh board's total."""
    import sys

    bp = sys.modules["shipyard.core.training.board_page"]
    slug = "lead-scoring"
    runs = _runs(ws, slug)
    shutil.rmtree(runs, ignore_errors=True)
    (ws.projects_dir / slug / "champion.json").unlink(missing_ok=True)
    ix.forget()
    _many(ws, 130, slug)
    leaderboard(ws, slug)
    edited = set()
    for op, n, score, minute in ops:
        if op == "add":
            _write_run(runs / f"new{n}", f"new{n}", f"2030-01-01T00:0{minute}:30Z", score)
            continue
        path = runs / f"r{n:04d}" / RUN_FILE
        data = json.loads(path.read_text("utf-8"))
        data["metrics"]["roc_auc"] = score
        path.write_text(json.dumps(data), "utf-8")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000))
        edited.add(n)
    ix.forget()  # another process
    page = bp.first_page(ws, slug)
    assert page is not None
    fresh = leaderboard(ws, slug)
    assert page.rows == fresh.rows[: len(page.rows)] and page.total == len(fresh.rows)
    assert len(page.rows) >= bp.PAGE_ROWS - len(edited)


def test_a_page_is_not_mended_past_a_removed_run_or_many_changes(tws):
    import sys

    bp = sys.modules["shipyard.core.training.board_page"]
    _many(tws, 40)
    leaderboard(tws, SLUG)
    runs = _runs(tws)
    for i in range(bp.MEND_LIMIT + 1):
        _write_run(runs / f"z{i:03d}", f"z{i:03d}", "2031-01-01T00:00:00Z", 0.5)
    ix.forget()
    assert _page_of(tws) is None  # as quick to rank every run
    leaderboard(tws, SLUG)
    (bp.keys_path(tws, SLUG)).write_text("{", "utf-8")
    _write_run(runs / "late", "late", "2031-01-02T00:00:00Z", 0.7)
    assert _page_of(tws) is None  # no keys to tell what changed: not mended
    leaderboard(tws, SLUG)
    _write_run(runs / "later", "other-id", "2031-01-03T00:00:00Z", 0.7)
    assert _page_of(tws) is None  # a run named other than its folder
    leaderboard(tws, SLUG)
    (runs / "late" / RUN_FILE).write_text("{ damaged", "utf-8")
    assert _page_of(tws) is None  # the whole board's read names the damaged file


def test_training_and_sweeps_leave_a_first_page_for_the_next_window(tws):
    """`shipyard train` and `shipyard sweep` (and the window's jobs, which share their core
    functions) rank the default board at the end, so the next window that opens the project
    paints the kept page at once rather than ranking every run."""
    from shipyard.core.data import resolve
    from shipyard.core.training.sweep import run_sweep
    from shipyard.core.training.task_training import train_and_remember

    ix.page_path(tws, SLUG).unlink(missing_ok=True)
    ix.forget()
    runs = train_and_remember(tws, SLUG, "churn@v1", "churned", user="t", families=["dummy"])
    ix.forget()  # another process
    page = _page_of(tws)
    assert page is not None and page.total == 2 and runs[0].run_id in {r.run_id for r in page.rows}
    version = resolve(tws, "churn@v1")
    run_sweep(tws, SLUG, version, "churned", family="linear", trials=2, user="t", n_jobs=1)
    ix.forget()
    page = _page_of(tws)
    assert page is not None and page.total == 4
    assert page.rows == leaderboard(tws, SLUG).rows[: len(page.rows)]
