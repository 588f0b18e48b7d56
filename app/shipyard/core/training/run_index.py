"""The run index: one row per run of a project, for listing thousands of runs quickly.

The run folders stay the truth; the index is a cache derived from them, kept in
`.shipyard/run-index/<slug>.json` (git-ignored, never packaged or signed). Each row records
the cheap key of the run.json it was read from (folder name, mtime_ns, size). Every read
lists the run folders (`os.scandir`, one `stat` per run.json) and re-reads only the
run.json files that are new or whose key changed; rows of removed runs are dropped. So a
hand-edited or deleted run.json shows on the next read, and an index that cannot be read
(damaged, from another version, half a file) is rebuilt silently. Writes are atomic; two
processes writing at once both write a correct index, and whichever lands last wins.

A row holds what the leaderboard, the lists of runs to compare and the champion's checks
need: ids, family, model, dates, the dataset, ONNX export, the task kind, the metrics and
their recorded 95% intervals. Everything else (curves, config, parity) is read from the
run's own files when one run is shown.

`runs_key` sums up the run folders as one short digest of every run.json's key: a cache
derived from the runs (the leaderboard's first page, `<slug>.page.json` beside the index,
see board_page.py) records the digest it was made from and is used only while a fresh listing gives the same.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import pickle
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.layout import RUN_FILE, RUN_INDEX_DIR
from shipyard.core.workspace.run_folders import runs_dir
from shipyard.core.workspace.workspace import Workspace

INDEX_FORMAT = 1
CHUNK = 250  # rows per line of the index file
YIELD_EVERY = 2000  # run folders stat'ed between two chances for other threads to run
# A row is a list in this order (lists parse and compare faster than objects of 10,000 runs;
# the leaderboard unpacks them in this order too).
COLUMNS = (
    "folder", "mtime_ns", "size", "run_id", "family", "model", "created", "user", "dataset",
    "exportable", "export_problem", "kind", "metrics", "sweep_id", "intervals",
)  # fmt: skip
(FOLDER, MTIME, SIZE, RUN_ID, FAMILY, MODEL, CREATED, USER, DATASET, EXPORTABLE,
 EXPORT_PROBLEM, KIND, METRICS, SWEEP_ID, INTERVALS) = range(len(COLUMNS))  # fmt: skip

Row = list[Any]

# The parsed index of each file this process read or wrote, with the (mtime_ns, size) of
# the file it came from: another process's write changes those, and the file is read again.
_memo: dict[Path, tuple[tuple[int, int], list[Row], dict[str, tuple[int, int]], int]] = {}
_memo_lock = threading.Lock()
_generations = itertools.count(1)  # 0: rows read from nowhere, never reused


@dataclass(frozen=True)
class RunSummary:
    """One run as the index holds it."""

    run_id: str
    family: str
    model: str
    created: str
    user: str
    dataset: str  # the dataset ref, e.g. "churn@v1"
    exportable: bool
    export_problem: str
    kind: str  # the task kind: "binary", "multiclass", "regression"
    metrics: dict[str, float | None]
    sweep_id: str | None
    intervals: dict[str, tuple[float, float]]  # metric -> (low, high), recorded at training
    folder: Path


def index_path(ws: Workspace, slug: str) -> Path:
    return ws.root / RUN_INDEX_DIR / f"{slug}.json"


def index_rows(ws: Workspace, slug: str) -> list[Row]:
    """A row per recorded run of `slug` (see COLUMNS), newest first, checked against the
    run folders on this call. A damaged run.json raises ShipyardError naming it."""
    return checked_rows(ws, slug)[0]


def page_path(ws: Workspace, slug: str) -> Path:
    """Where the leaderboard keeps its first page (see board_page.py)."""
    return ws.root / RUN_INDEX_DIR / f"{slug}.page.json"


def checked_rows(ws: Workspace, slug: str) -> tuple[list[Row], int]:
    """`index_rows` and a number that changes whenever the rows may have: what is derived
    from the same number (a ranking) can be reused as it is."""
    rows, generation, _keys = checked(ws, slug)
    return rows, generation


def checked(
    ws: Workspace, slug: str, listed: dict[str, tuple[int, int]] | None = None
) -> tuple[list[Row], int, dict[str, tuple[int, int]]]:
    """`checked_rows` and the run.json keys the rows were checked against (see `runs_key`).
    `listed`: the keys `scan_keys` gave a moment ago, so the folders are not listed twice."""
    folder = runs_dir(ws, slug)
    keys = _scan(folder) if listed is None else listed
    path = index_path(ws, slug)
    stored, stored_keys, generation = _load(path)
    if keys == stored_keys:  # nothing recorded, edited or removed since the index was made
        return list(stored), generation, keys
    by_folder = {r[FOLDER]: r for r in stored}
    rows: list[Row] = []
    for name, (mtime, size) in keys.items():
        row = by_folder.get(name)
        if row is None or row[MTIME] != mtime or row[SIZE] != size:
            row = read_row(folder / name / RUN_FILE, name, mtime, size)
        rows.append(row)
    rows.sort(key=lambda r: (r[CREATED], r[RUN_ID]), reverse=True)
    return list(rows), _save(path, rows, keys), keys


def scan_keys(ws: Workspace, slug: str) -> dict[str, tuple[int, int]]:
    """{run folder name: (run.json's mtime_ns, size)} of `slug`'s runs, listed now."""
    return _scan(runs_dir(ws, slug))


def runs_key(keys: dict[str, tuple[int, int]]) -> str:
    """One digest of every run's folder name and run.json key (from `checked` or
    `scan_keys`): equal digests, the same run files as far as the index can tell. Taken in
    the order the folder lists them (not sorted: 10,000 names cost a sort): the same runs
    listed in another order only give another digest, so a cache is rebuilt, never trusted
    wrongly."""
    # Pickled only to be hashed (never read back): the quickest exact bytes of 10,000 keys,
    # and the same for the same values (no object is shared within `keys`).
    digest = hashlib.blake2b(pickle.dumps(keys, 4), digest_size=16).hexdigest()
    return f"{len(keys)}:{digest}"


def run_summaries(ws: Workspace, slug: str) -> list[RunSummary]:
    """Every recorded run of `slug` from the index, oldest first."""
    folder = runs_dir(ws, slug)
    out = [
        RunSummary(
            run_id=r[RUN_ID], family=r[FAMILY], model=r[MODEL], created=r[CREATED],
            user=r[USER], dataset=r[DATASET], exportable=r[EXPORTABLE],
            export_problem=r[EXPORT_PROBLEM], kind=r[KIND], metrics=dict(r[METRICS]),
            sweep_id=r[SWEEP_ID], intervals={k: (v[0], v[1]) for k, v in r[INTERVALS].items()},
            folder=folder / r[FOLDER],
        )
        for r in index_rows(ws, slug)
    ]  # fmt: skip
    out.sort(key=lambda s: (s.created, s.run_id))
    return out


def forget(path: Path | None = None) -> None:
    """Drop what this process remembers of index files (all of them without `path`)."""
    with _memo_lock:
        if path is None:
            _memo.clear()
        else:
            _memo.pop(path, None)


# -- the run folders ------------------------------------------------------------------------
def _scan(folder: Path) -> dict[str, tuple[int, int]]:
    """{run folder name: (run.json's mtime_ns, size)} for each recorded run. Staging folders
    (`.tmp-*`) and folders without a run.json are not runs."""
    keys: dict[str, tuple[int, int]] = {}
    stat = os.stat
    if _STAT_DIR_FD:  # stat relative to the runs folder: the kernel walks two names, not ten
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:  # no runs folder yet
            return keys
        try:
            for n, name in enumerate(os.listdir(fd)):
                if name[0] == ".":
                    continue
                if not n % YIELD_EVERY:
                    time.sleep(0)  # let the window's thread in between stats
                try:
                    st = stat(name + "/" + RUN_FILE, dir_fd=fd)
                except OSError:  # not a folder, or no run.json (yet)
                    continue
                keys[name] = (st.st_mtime_ns, st.st_size)
        finally:
            os.close(fd)
        return keys
    try:
        entries = os.scandir(folder)
    except OSError:
        return keys
    with entries:
        for entry in entries:
            if entry.name[0] == ".":
                continue
            try:
                st = stat(os.path.join(entry.path, RUN_FILE))
            except OSError:
                continue
            keys[entry.name] = (st.st_mtime_ns, st.st_size)
    return keys


_STAT_DIR_FD = os.stat in os.supports_dir_fd and os.name == "posix"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def read_row(path: Path, folder: str, mtime: int, size: int) -> Row:
    """The index row of one run.json; a file that is not a JSON object raises ShipyardError."""
    from shipyard.core.training.intervals import read_intervals

    try:
        data = json.loads(path.read_bytes())
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, found {type(data).__name__}")
    except (OSError, ValueError) as exc:
        raise ShipyardError(
            f"the run record is damaged ({exc})",
            file=path,
            fix="restore it from a backup, or delete the run's folder",
        ) from None
    metrics = data.get("metrics")
    values = {
        str(k): (float(v) if isinstance(v, int | float) else None)
        for k, v in (metrics.items() if isinstance(metrics, dict) else ())
    }
    task, dataset, sweep = data.get("task"), data.get("dataset"), data.get("sweep")
    sweep_id = sweep.get("id") if isinstance(sweep, dict) else None
    intervals = {k: [i.low, i.high] for k, i in read_intervals(data.get("intervals")).items()}
    return [
        folder,
        mtime,
        size,
        _text(data.get("run_id")),
        _text(data.get("family")),
        _text(data.get("model")),
        _text(data.get("created")),
        _text(data.get("user")),
        _text(dataset.get("ref")) if isinstance(dataset, dict) else "",
        bool(data.get("exportable")),
        _text(data.get("export_problem")),
        _text(task.get("kind")) if isinstance(task, dict) else "",
        values,
        None if sweep_id is None else _text(sweep_id),
        intervals,
    ]


# -- the index file -------------------------------------------------------------------------
def file_key(path: Path) -> tuple[int, int] | None:
    """(mtime_ns, size) of a file, None when it is not there: whether it changed since."""
    return _file_key(path)


def _file_key(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _load(path: Path) -> tuple[list[Row], dict[str, tuple[int, int]], int]:
    """The stored rows (newest first) and their run.json keys by folder name; nothing when
    there is no index or it cannot be used (damaged, another format: it is rebuilt)."""
    key = _file_key(path)
    if key is None:
        return [], {}, 0
    with _memo_lock:
        memo = _memo.get(path)
    if memo is not None and memo[0] == key:
        return memo[1], memo[2], memo[3]
    try:
        rows = _parse(path.read_bytes())
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError):
        return [], {}, 0  # damaged or foreign: rebuilt from the run folders
    if rows is None:
        return [], {}, 0
    keys = {r[FOLDER]: (r[MTIME], r[SIZE]) for r in rows}
    with _memo_lock:
        generation = next(_generations)
        _memo[path] = (key, rows, keys, generation)
    return rows, keys, generation


def _parse(data: bytes) -> list[Row] | None:
    """The rows of an index file; None when it is not one this version wrote.

    The file is a header line, then the rows, CHUNK to a line: parsing a line at a time
    lets other threads (the window's) run between lines, where one 4 MB document would
    hold the interpreter for the whole parse."""
    lines = data.split(b"\n")
    header = json.loads(lines[0])
    if header.get("format") != INDEX_FORMAT or header.get("columns") != list(COLUMNS):
        return None
    rows: list[Row] = []
    width = len(COLUMNS)
    for line in lines[1:]:
        if not line:
            continue
        for r in json.loads(line):
            # What the readers rely on: the width, a dict of metrics, one of intervals.
            if len(r) != width or type(r[METRICS]) is not dict:
                return None
            if type(r[INTERVALS]) is not dict:
                return None
            if r[RUN_ID] is None:  # written as null when it is the folder's name
                r[RUN_ID] = r[FOLDER]
            rows.append(r)
    if len(rows) != header.get("rows"):
        return None  # cut short
    return rows


def _dump(rows: list[Row]) -> bytes:
    header = {"format": INDEX_FORMAT, "columns": list(COLUMNS), "rows": len(rows)}
    lines = [json.dumps(header)]
    for start in range(0, len(rows), CHUNK):
        chunk = [
            r if r[RUN_ID] != r[FOLDER] else [*r[:RUN_ID], None, *r[RUN_ID + 1 :]]
            for r in rows[start : start + CHUNK]
        ]
        lines.append(json.dumps(chunk, separators=(",", ":"), ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _save(path: Path, rows: list[Row], keys: dict[str, tuple[int, int]]) -> int:
    """Write the index atomically; returns the rows' generation. Failing to write it (a
    read-only workspace, a full disk) only means the next read re-reads the run files: it
    is a cache."""
    from shipyard.core.workspace.atomic import atomic_write_bytes

    body = _dump(rows)
    with _memo_lock:
        generation = next(_generations)
    try:
        atomic_write_bytes(path, body)
    except OSError:
        return generation
    key = _file_key(path)
    if key is not None:
        with _memo_lock:
            _memo[path] = (key, rows, keys, generation)
    return generation
