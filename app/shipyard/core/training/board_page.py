"""The default leaderboard's first page, kept beside the run index for the next window.

A window opening a project with thousands of runs paints this page as soon as the run
folders are listed, before the whole index is read and ranked. It is a cache of a cache,
so it is used only when it is provably the top of the board the files give now:

- `<slug>.page.json`: the first PAGE_ROWS rows of the default board, the number of runs,
  and what it was ranked from (one digest of every run.json's key, the metric, the
  champion, the task kind);
- `<slug>.page-keys.json`: every run.json's key at that ranking. Read only when the
  digest differs: a few runs recorded or edited since (another process's training, a
  run edited by hand) are then read and merged into the page (`_mend`), rather than
  ranking every run before the first paint. A run removed since, a new champion, another
  metric or task kind, or many changed runs, and no page is used.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import shipyard.core.training.run_index as ix
from shipyard.core.errors import ShipyardError
from shipyard.core.training.ranking import (
    Leaderboard,
    LeaderRow,
    primary_metric,
    rank_rows,
)
from shipyard.core.workspace.layout import RUN_FILE
from shipyard.core.workspace.run_folders import runs_dir
from shipyard.core.workspace.workspace import Workspace

PAGE_ROWS = 100  # rows kept of the default board: a window's first screenful and more
PAGE_FORMAT = 1
# More runs changed than this since the page was kept: ranking them all is as quick.
MEND_LIMIT = 50
# page file -> (the signature this process last wrote or found there, that file's stat key)
_page_kept: dict[Any, tuple[str, Any]] = {}
_lock = threading.Lock()

Keys = dict[str, tuple[int, int]]


def keys_path(ws: Workspace, slug: str) -> Path:
    return ix.page_path(ws, slug).with_name(f"{slug}.page-keys.json")


def first_page(ws: Workspace, slug: str, listed: Keys | None = None) -> Leaderboard | None:
    """The first rows of `leaderboard(ws, slug)` (PAGE_ROWS, or fewer when a page was
    mended), with `total` the number of runs; None when there is no page to trust.

    The run folders are listed (`listed`: as `run_index.scan_keys` gave them a moment ago)
    and every run.json's key compared, through one digest, with those the page was ranked
    from; the one-pager's metric and the champion are read again."""
    from shipyard.core.training.champion import current_champion

    try:
        stored = json.loads(ix.page_path(ws, slug).read_bytes())
        if stored["format"] != PAGE_FORMAT:
            return None
        signature = stored["signature"]
        runs, key, direction, note, champ, kind = signature
    except (OSError, ValueError, TypeError, KeyError):
        return None  # none yet, damaged or another version's: the whole board is ranked
    if [key, direction, note] != list(primary_metric(ws, slug, kind)):
        return None
    if champ != current_champion(ws, slug):
        return None
    try:
        rows = [_unpack(r, champ) for r in stored["rows"]]
        star = stored["champion_row"]
        star = None if star is None else _unpack(star, champ)
        total = int(stored["total"])
        metric_keys = [str(k) for k in stored["metric_keys"]]
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if not rows or total < len(rows):
        return None
    page = Leaderboard(key, direction, note, rows, metric_keys, total=total, champion_row=star)
    listed = ix.scan_keys(ws, slug) if listed is None else listed
    if runs == ix.runs_key(listed):
        return page
    return _mend(ws, slug, page, (runs, champ, kind), listed)


def keep_page(
    ws: Workspace, slug: str, keys: Keys, board: Leaderboard, kind: str, champ: str | None
) -> None:
    """Keep the default board's first page (and the run keys it was ranked from), unless
    the one there was ranked from the same runs the same way. A cache: failing to write
    it (a read-only workspace) only means the next window ranks the whole board first."""
    from shipyard.core.workspace.atomic import atomic_write_bytes

    runs = ix.runs_key(keys)
    path = ix.page_path(ws, slug)
    signature = [runs, board.metric, board.direction, board.metric_note, champ, kind]
    mark = json.dumps(signature)
    with _lock:
        kept = _page_kept.get(path)
    if kept is not None and kept == (mark, ix.file_key(path)):
        return
    try:
        found = json.loads(path.read_bytes())
        same = found.get("format") == PAGE_FORMAT and found.get("signature") == signature
    except (OSError, ValueError, AttributeError):
        same = False
    if not same:
        star = next((r for r in board.rows if r.champion), None)
        page = {"format": PAGE_FORMAT, "signature": signature, "total": len(board.rows),
                "metric_keys": board.metric_keys, "rows": [_pack(r) for r in board.rows[:PAGE_ROWS]],
                "champion_row": None if star is None else _pack(star)}  # fmt: skip
        # The keys first: a page is mended only with the keys of its own ranking (`runs`).
        named = {"format": PAGE_FORMAT, "runs": runs, "keys": keys}
        try:
            atomic_write_bytes(keys_path(ws, slug), json.dumps(named).encode("utf-8"))
            atomic_write_bytes(path, json.dumps(page, ensure_ascii=False).encode("utf-8"))
        except OSError:
            return
    with _lock:
        _page_kept[path] = (mark, ix.file_key(path))


def _mend(
    ws: Workspace, slug: str, page: Leaderboard, ranked_from: tuple[str, Any, str], listed: Keys
) -> Leaderboard | None:
    """`page` with the runs recorded or edited since it was kept read and ranked into it:
    still the top of the board the files give, perhaps a few rows shorter (a run that
    fell below the page's last row is not on it, nor is the one it made room for).
    None when the runs since cannot be merged so (see the module's docstring).
    `ranked_from`: the page's run digest, champion and task kind."""
    runs, champ, kind = ranked_from
    total = page.total or len(page.rows)
    try:
        stored = json.loads(keys_path(ws, slug).read_bytes())
        if stored["format"] != PAGE_FORMAT or stored["runs"] != runs:
            return None
        before: Keys = {str(k): (int(v[0]), int(v[1])) for k, v in stored["keys"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None
    if any(name not in listed for name in before):
        return None  # a run removed: the rows that rise in its place are not on the page
    if any(r.run_id not in before for r in page.rows):
        return None  # a run named other than its folder: its row could not be matched
    changed = [name for name, key in listed.items() if before.get(name) != key]
    if not changed:
        return page  # the same runs, only listed in another order (the digest follows it)
    if len(changed) > MEND_LIMIT:
        return None
    folder = runs_dir(ws, slug)
    try:
        new = [ix.read_row(folder / name / RUN_FILE, name, *listed[name]) for name in changed]
    except ShipyardError:
        return None  # a damaged run: the whole board's read says which
    if any(r[ix.KIND] != kind for r in new):
        return None  # another task kind may now rank by another metric
    if any(r[ix.RUN_ID] != name for r, name in zip(new, changed, strict=True)):
        return None  # a run that names itself other than its folder: rank every run
    edited = {name for name in changed if name in before}  # the others are new runs
    if champ is not None and champ in edited:
        return None  # the champion's own row changed: rank every run
    ranked = rank_rows(new, page.metric, page.direction, page.metric_note, champ, kind)
    if set(ranked.metric_keys) - set(page.metric_keys):
        return None  # a new metric column: the board's columns change
    truncated = total > len(page.rows)
    last = page.rows[-1]
    kept = [r for r in page.rows if r.run_id not in edited]
    climbing = [r for r in ranked.rows if not truncated or _order(r, page) < _order(last, page)]
    rows = sorted(kept + climbing, key=lambda r: _order(r, page))
    if not rows:
        return None
    rows = _with_lead(rows[:PAGE_ROWS])
    total += sum(1 for name in changed if name not in before)
    return Leaderboard(
        page.metric, page.direction, page.metric_note, rows, page.metric_keys,
        total=total, champion_row=page.champion_row,
    )  # fmt: skip


def _order(row: LeaderRow, page: Leaderboard) -> tuple[Any, ...]:
    """Where `row` ranks (smaller first), as `rank_rows` orders: best score first,
    unscored last, ties newest first (the index lists runs by creation, then id)."""
    newest = _Reversed((row.created, row.run_id))
    if row.score is None:
        return (1, 0.0, newest)
    sign = -1.0 if page.direction == "maximize" else 1.0
    return (0, sign * row.score, newest)


class _Reversed:
    """Orders its value backwards (a newer creation time sorts first)."""

    __slots__ = ("value",)

    def __init__(self, value: tuple[str, str]) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


def _with_lead(rows: list[LeaderRow]) -> list[LeaderRow]:
    """Each row's `indistinct` against the (perhaps new) leader, as `rank_rows` sets it."""
    from dataclasses import replace

    lead = rows[0].interval if rows[0].score is not None else None
    out: list[LeaderRow] = []
    for i, r in enumerate(rows):
        indistinct = None
        if r.interval is not None and lead is not None and r.score is not None:
            indistinct = i > 0 and r.interval[0] <= lead[1] and lead[0] <= r.interval[1]
        out.append(r if r.indistinct == indistinct else replace(r, indistinct=indistinct))
    return out


def _pack(r: LeaderRow) -> list[Any]:
    interval = None if r.interval is None else list(r.interval)
    return [r.run_id, r.family, r.model, r.created, r.user, r.dataset, r.exportable, r.score,
            r.metrics, r.sweep_id, interval, r.indistinct]  # fmt: skip


def _unpack(r: list[Any], champ: str | None) -> LeaderRow:
    return LeaderRow(
        run_id=r[0], family=r[1], model=r[2], created=r[3], user=r[4], dataset=r[5],
        exportable=bool(r[6]), champion=r[0] == champ, score=r[7], metrics=dict(r[8]),
        sweep_id=r[9], interval=None if r[10] is None else (r[10][0], r[10][1]),
        indistinct=r[11],
    )  # fmt: skip
