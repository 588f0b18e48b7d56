"""Seeded, reproducible train/holdout splits stored with the version.

A split is two files in `datasets/<name>/v<N>/splits/`: `<id>.parquet` with one row per
dataset row (`row_id` = 0-based position in the version's Parquet, `holdout` = true/false),
and `<id>.json` describing it (seed, fraction, stratify column, counts per stratum, the
sha256 of the Parquet). Every later run reads these files, so it uses exactly the same rows
whatever library versions it runs with.

Rows are drawn per stratum (each distinct value of the stratify column, missing values
being one stratum; or all rows when not stratified): the stratum's row ids in ascending
order are shuffled with numpy's PCG64 generator seeded with `seed`, strata taken in sorted
order, and the first round(n * fraction) go to the holdout.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.data.dataset_version import DatasetVersion
from shipyard.core.data.errors import DataError
from shipyard.core.data.fingerprint import file_sha256
from shipyard.core.sql.duck import connect, sql_path
from shipyard.core.sql.sql_text import is_float, numbered_rows, quote_ident
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    import duckdb
    import numpy as np

SPLITS = "splits"
SPLIT_FORMAT = 1
METHOD = "numpy-pcg64-shuffle-per-stratum-1"
MAX_STRATA = 200


@dataclass(frozen=True)
class Split:
    """A stored train/holdout split of one version."""

    version_ref: str
    fingerprint: str  # of the version
    split_id: str
    seed: int
    holdout_fraction: float
    stratify: str | None
    train_rows: int
    holdout_rows: int
    strata: dict[str, dict[str, int]] = field(default_factory=dict)
    parquet: Path = Path()
    parquet_sha256: str = ""
    created: str = ""

    def _ids(self, holdout: bool) -> np.ndarray:
        import pyarrow.parquet as pq

        table = pq.read_table(self.parquet, columns=["row_id", "holdout"])
        ids = table.column("row_id").to_numpy()
        mask = table.column("holdout").to_numpy(zero_copy_only=False).astype(bool)
        return ids[mask] if holdout else ids[~mask]

    def train_ids(self) -> np.ndarray:
        """Row ids (0-based positions in the version) of the training rows, ascending."""
        return self._ids(False)

    def holdout_ids(self) -> np.ndarray:
        """Row ids of the holdout rows, ascending."""
        return self._ids(True)


def split_id(seed: int, holdout: float, stratify: str | None) -> str:
    base = f"seed{seed}-holdout{round(holdout * 1000):03d}"
    if stratify is None:
        return base
    slug = re.sub(r"[^a-z0-9]+", "_", stratify.lower()).strip("_")[:32] or "col"
    tag = hashlib.sha256(stratify.encode("utf-8")).hexdigest()[:6]
    return f"{base}-by-{slug}-{tag}"


def splits_dir(version: DatasetVersion) -> Path:
    return version.folder / SPLITS


def make_split(
    version: DatasetVersion,
    *,
    holdout: float = 0.2,
    seed: int = 42,
    stratify: str | None = None,
    ws: Workspace | None = None,
    user: str = "",
) -> Split:
    """Create (or return the stored) split of `version` with these parameters.

    A new split is recorded in `ws`'s audit log when `ws` and `user` are given.
    """
    if not 0.0 < holdout < 1.0:
        raise DataError(
            f"the holdout fraction {holdout} is not between 0 and 1",
            file=version.metadata_path,
            fix="use a fraction such as 0.2",
        )
    if stratify is not None:
        _check_stratify(version, stratify)
    sid = split_id(seed, holdout, stratify)
    existing = _load(version, sid)
    if existing is not None:
        return existing
    row_ids, keys = _rows(version, stratify)
    mask, strata = _draw(row_ids, keys, holdout=holdout, seed=seed)
    folder = splits_dir(version)
    folder.mkdir(parents=True, exist_ok=True)
    parquet = folder / f"{sid}.parquet"
    _write_parquet(parquet, row_ids, mask)
    split = Split(
        version_ref=version.ref,
        fingerprint=version.fingerprint,
        split_id=sid,
        seed=seed,
        holdout_fraction=holdout,
        stratify=stratify,
        train_rows=int((~mask).sum()),
        holdout_rows=int(mask.sum()),
        strata=strata,
        parquet=parquet,
        parquet_sha256=file_sha256(parquet),
        created=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    )
    atomic_write_text(folder / f"{sid}.json", json.dumps(split_to_json(split), indent=1) + "\n")
    if ws is not None and user:
        ws.audit.append(
            "dataset.split",
            version.ref,
            user=user,
            details={"split": sid, "train": split.train_rows, "holdout": split.holdout_rows},
        )
    return split


def _check_stratify(version: DatasetVersion, column: str) -> None:
    types = version.types
    if column not in types:
        raise DataError(
            f"no column named '{column}' to stratify by",
            file=version.metadata_path,
            fix="use one of: " + ", ".join(types),
        )
    if is_float(types[column]):
        raise DataError(
            f"column '{column}' holds decimal numbers; a split is stratified by a category",
            file=version.metadata_path,
            fix="stratify by the categorical target (text, boolean or a few whole numbers)",
        )


def _rows(version: DatasetVersion, stratify: str | None) -> tuple[Any, list[Any]]:
    import numpy as np

    con = connect()
    try:
        source, row = numbered_rows(
            f"read_parquet({sql_path(version.data_path)})", version.column_names
        )
        if stratify is None:
            found = con.execute(f"SELECT {row} FROM {source} ORDER BY 1").fetchnumpy()
            return np.asarray(next(iter(found.values())), dtype=np.int64), []
        c = quote_ident(stratify)
        # ORDER BY 1 and the results by position: a column may be called anything
        found = con.execute(f"SELECT {row}, {c}::VARCHAR FROM {source} ORDER BY 1").fetchnumpy()
        ids, keys = found.values()
        return np.asarray(ids, dtype=np.int64), _keys(keys, version, stratify)
    finally:
        con.close()


def _keys(raw: Any, version: DatasetVersion, column: str) -> list[Any]:
    keys = list(raw.tolist())  # a masked array gives None for missing values
    if len(set(keys)) > MAX_STRATA:
        raise DataError(
            f"column '{column}' has more than {MAX_STRATA} distinct values, too many to "
            "stratify by",
            file=version.metadata_path,
            fix="stratify by the categorical target, or make an unstratified split",
        )
    return keys


def _draw(
    row_ids: Any, keys: list[Any], *, holdout: float, seed: int
) -> tuple[Any, dict[str, dict[str, int]]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    mask = np.zeros(len(row_ids), dtype=bool)
    strata: dict[str, dict[str, int]] = {}
    if not keys:
        groups = {"(all)": np.arange(len(row_ids))}
    else:
        labels = np.array(["\x00missing" if k is None else str(k) for k in keys], dtype=object)
        groups = {str(k): np.flatnonzero(labels == k) for k in sorted(set(labels.tolist()))}
    for key, positions in groups.items():
        take = round(len(positions) * holdout)
        chosen = rng.permutation(positions)[:take]
        mask[chosen] = True
        label = "(missing)" if key == "\x00missing" else key
        strata[label] = {"train": int(len(positions) - take), "holdout": int(take)}
    return mask, strata


def _write_parquet(path: Path, row_ids: Any, mask: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(
            pa.table({"row_id": pa.array(row_ids, pa.int64()), "holdout": pa.array(mask)}),
            tmp,
            compression="zstd",
        )
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def split_to_json(split: Split) -> dict[str, Any]:
    """The split as its JSON description holds it (also what `shipyard data split --json` prints)."""
    return {
        "format": SPLIT_FORMAT,
        "method": METHOD,
        "version": split.version_ref,
        "fingerprint": split.fingerprint,
        "split_id": split.split_id,
        "seed": split.seed,
        "holdout_fraction": split.holdout_fraction,
        "stratify": split.stratify,
        "train_rows": split.train_rows,
        "holdout_rows": split.holdout_rows,
        "strata": split.strata,
        "parquet": split.parquet.name,
        "parquet_sha256": split.parquet_sha256,
        "created": split.created,
    }


def _load(version: DatasetVersion, sid: str) -> Split | None:
    meta = splits_dir(version) / f"{sid}.json"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DataError(
            f"the split file is damaged ({exc})",
            file=meta,
            fix="delete the split's .json and .parquet files and make the split again",
        ) from None
    parquet = meta.parent / data["parquet"]
    if data.get("fingerprint") != version.fingerprint or not parquet.is_file():
        raise DataError(
            "the split does not belong to this version's content, or its row file is missing",
            file=meta,
            fix="delete the split's files and make the split again",
        )
    if file_sha256(parquet) != data["parquet_sha256"]:
        raise DataError(
            "the split's row file was changed after it was made",
            file=parquet,
            fix="restore it from a backup, or delete the split and make it again (runs "
            "made with the old split will no longer be comparable)",
        )
    return Split(
        version_ref=data["version"],
        fingerprint=data["fingerprint"],
        split_id=data["split_id"],
        seed=int(data["seed"]),
        holdout_fraction=float(data["holdout_fraction"]),
        stratify=data.get("stratify"),
        train_rows=int(data["train_rows"]),
        holdout_rows=int(data["holdout_rows"]),
        strata=data.get("strata", {}),
        parquet=parquet,
        parquet_sha256=data["parquet_sha256"],
        created=data.get("created", ""),
    )


def load_split(version: DatasetVersion, split_id: str | None = None) -> Split:
    """A stored split by id, or the only/first one when `split_id` is None."""
    if split_id is None:
        found = list_splits(version)
        if not found:
            raise DataError(
                f"{version.ref} has no split yet",
                file=splits_dir(version),
                fix="make one first (make_split)",
            )
        return found[0]
    split = _load(version, split_id)
    if split is None:
        raise DataError(
            f"{version.ref} has no split '{split_id}'",
            file=splits_dir(version),
            fix="use one of: "
            + (", ".join(s.split_id for s in list_splits(version)) or "none yet"),
        )
    return split


def list_splits(version: DatasetVersion) -> list[Split]:
    folder = splits_dir(version)
    if not folder.is_dir():
        return []
    found = [_load(version, p.stem) for p in sorted(folder.glob("*.json"))]
    return [s for s in found if s is not None]


def split_relations(
    version: DatasetVersion, split: Split, con: duckdb.DuckDBPyConnection | None = None
) -> tuple[duckdb.DuckDBPyRelation, duckdb.DuckDBPyRelation]:
    """(train, holdout) DuckDB relations over the version's rows, in file order."""
    con = con or connect()
    columns = version.column_names
    rows, row = numbered_rows(f"read_parquet({sql_path(version.data_path)})", columns)
    listed = ", ".join(f"d.{quote_ident(c)}" for c in columns)
    split_rows = f"read_parquet({sql_path(split.parquet)})"

    def part(holdout: bool) -> duckdb.DuckDBPyRelation:
        return con.sql(
            f"SELECT {listed} FROM {rows} AS d JOIN {split_rows} AS s ON s.row_id = d.{row} "
            f"WHERE s.holdout = {'true' if holdout else 'false'} ORDER BY d.{row}"
        )

    return part(False), part(True)
