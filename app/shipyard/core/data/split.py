"""Seeded, reproducible splits stored with the version: train / validation / test.

A split is two files in `datasets/<name>/v<N>/splits/`: `<id>.parquet` with one row per
dataset row (`row_id` = 0-based position in the version's Parquet, `holdout` = true/false,
and for a sealed split `role` = train / validation / test), and `<id>.json` describing it
(seed, fraction, stratify column, counts per stratum, the sha256 of the Parquet). Every later
run reads these files, so it uses exactly the same rows whatever library versions it runs
with.

Rows are drawn per stratum (each distinct value of the stratify column, missing values
being one stratum; or all rows when not stratified): the stratum's row ids in ascending
order are shuffled with numpy's PCG64 generator seeded with `seed`, strata taken in sorted
order, and the first round(n * fraction) go to the holdout.

**Sealed splits** (`make_split(..., sealed=True)`, what training makes) give the rows three
roles. The first round(n * fraction) of each shuffled stratum are the **test** rows (kept in
the `holdout` column too): no run is scored on them; only the gate scores them, for the run
it gates. Runs are chosen on the rest by one of two ways, fixed by size when the split is
made and stored with it (`selection`):

- **validation split** when the rows outside the test split number at least
  `CV_BELOW_ROWS` (1,000): the next round(n * fraction) rows of each shuffled stratum are
  the validation rows (as many as the test rows), the others the training rows. With the
  default 0.2 that is 60% train, 20% validation, 20% test.
- **k-fold cross-validation on the training rows** below that: every non-test row trains,
  and a run is scored on out-of-fold predictions (`CV_FOLDS` = 5 folds, stratified for a
  classification, seeded with the split's seed; fewer folds when the rarest class has fewer
  than 5 training rows). A validation split of a few hundred rows would be too noisy to
  choose on, and the test rows stay sealed either way.

A split made before sealed splits existed (two roles: train and holdout) keeps working: its
holdout plays the validation rows and the gate judges on it too, and says so.

**Sampled splits** (`make_split(..., row_budget=n)`, what training makes when a version has
more rows than the workspace's `[training] row_budget`): the split covers a seeded sample of
n rows drawn by DuckDB, and the roles are drawn within the sample as above. Rows outside the
sample are in no role, so training, sweeps and the gate all read only the sample. Stratified
by the split's column (the target of a classification): each stratum keeps its share of the
sample, floor(n * share) rows and at least one, the rows left over going to the strata with
the largest remainders; within a stratum the rows with the smallest DuckDB
hash(row_id, seed) are taken. Unstratified, the n rows with the smallest hash. The same
version, budget and seed give the same rows; the split's Parquet lists them, so a run is
reproducible from its record even if the hash changed in a later DuckDB. The split's JSON
(and each run trained on it) says `sample = {rows, of, method, seed}`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.data.dataset_version import DatasetVersion
from shipyard.core.data.errors import DataError
from shipyard.core.data.fingerprint import file_sha256
from shipyard.core.sql.duck import connect, sql_path
from shipyard.core.sql.sql_text import is_float, numbered_rows, quote_ident, quote_literal
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    import duckdb
    import numpy as np

SPLITS = "splits"
SPLIT_FORMAT = 1
SEALED_FORMAT = 2
METHOD = "numpy-pcg64-shuffle-per-stratum-1"
SEALED_METHOD = "numpy-pcg64-shuffle-per-stratum-3roles-1"
MAX_STRATA = 200
# The rule choosing how runs are compared (see the module docstring).
CV_BELOW_ROWS = 1_000
CV_FOLDS = 5
VALIDATION = "validation split"
CROSS_VALIDATION = "cross-validation"
LEGACY_HOLDOUT = "holdout (legacy)"
SAMPLE_METHOD = "duckdb-hash-1"
STRATIFIED_SAMPLE_METHOD = "duckdb-hash-stratified-1"
SELECTION_RULE = (
    f"a validation split as large as the test split when at least {CV_BELOW_ROWS:,} rows are "
    f"outside the test split, else {CV_FOLDS}-fold cross-validation on the training rows"
)
ROLES = ("train", "validation", "test")


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
    # A sealed split (three roles): `holdout_rows` are then the test rows, `train_rows` the
    # rows models are fitted on, `selection` how runs are compared (VALIDATION or
    # CROSS_VALIDATION, with `folds`). A two-way split says LEGACY_HOLDOUT.
    sealed: bool = False
    validation_rows: int = 0
    selection: str = LEGACY_HOLDOUT
    folds: int = 0
    # A sampled split (the version had more rows than the row budget): {"rows": n, "of":
    # the version's rows, "method", "seed", "stratify"}; None when it covers every row.
    sample: dict[str, Any] | None = None

    @property
    def test_rows(self) -> int:
        """Rows the gate judges on: the sealed test rows (the holdout of a two-way split)."""
        return self.holdout_rows

    def selection_json(self) -> dict[str, Any]:
        """How runs on this split are compared, as run.json's `dataset.selection` holds it."""
        if not self.sealed:
            return {"method": LEGACY_HOLDOUT, "rows": self.holdout_rows,
                    "rule": "a two-way split made before sealed test splits: runs and the "
                    "gate are scored on the same holdout"}  # fmt: skip
        if self.selection == CROSS_VALIDATION:
            return {"method": CROSS_VALIDATION, "folds": self.folds, "rows": self.train_rows,
                    "rule": SELECTION_RULE}  # fmt: skip
        return {"method": VALIDATION, "rows": self.validation_rows, "rule": SELECTION_RULE}

    def _ids(self, holdout: bool) -> np.ndarray:
        import pyarrow.parquet as pq

        table = pq.read_table(self.parquet, columns=["row_id", "holdout"])
        ids = table.column("row_id").to_numpy()
        mask = table.column("holdout").to_numpy(zero_copy_only=False).astype(bool)
        chosen: np.ndarray = ids[mask] if holdout else ids[~mask]
        return chosen

    def train_ids(self) -> np.ndarray:
        """Row ids (0-based positions in the version) of the training rows, ascending (of a
        sealed split: every row outside the test split; `role_ids` tells them apart)."""
        return self._ids(False)

    def holdout_ids(self) -> np.ndarray:
        """Row ids of the holdout rows (a sealed split's test rows), ascending."""
        return self._ids(True)

    def role_ids(self, role: str) -> np.ndarray:
        """Row ids of one role ("train", "validation", "test"), ascending. A two-way split:
        "train" is its training rows, "validation" and "test" both its holdout."""
        import pyarrow.parquet as pq

        if role not in ROLES:
            raise ValueError(f"unknown split role {role!r}; use one of {', '.join(ROLES)}")
        if not self.sealed:
            return self._ids(role != "train")
        table = pq.read_table(self.parquet, columns=["row_id", "role"])
        roles = table.column("role").to_numpy(zero_copy_only=False)
        chosen: np.ndarray = table.column("row_id").to_numpy()[roles == role]
        return chosen


def split_id(
    seed: int,
    holdout: float,
    stratify: str | None,
    sealed: bool = False,
    sample: int | None = None,
) -> str:
    base = f"seed{seed}-{'test' if sealed else 'holdout'}{round(holdout * 1000):03d}"
    if stratify is not None:
        slug = re.sub(r"[^a-z0-9]+", "_", stratify.lower()).strip("_")[:32] or "col"
        tag = hashlib.sha256(stratify.encode("utf-8")).hexdigest()[:6]
        base = f"{base}-by-{slug}-{tag}"
    return base if sample is None else f"{base}-sample{sample}"


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
    sealed: bool = False,
    row_budget: int | None = None,
) -> Split:
    """Create (or return the stored) split of `version` with these parameters.

    `sealed`: three roles (train / validation / test, `holdout` being the test share; see
    the module docstring for the rule choosing a validation split or cross-validation).
    `row_budget`: when the version has more rows, the split covers a seeded sample of that
    many rows (stratified by `stratify`), and `Split.sample` says so; else every row.
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
    budget = row_budget if row_budget is not None and version.rows > row_budget else None
    sid = split_id(seed, holdout, stratify, sealed, budget)
    existing = _load(version, sid)
    if existing is not None:
        return existing
    sample: dict[str, Any] | None = None
    if budget is None:
        row_ids, keys = _rows(version, stratify)
    else:
        row_ids, keys = sample_rows(version, stratify, budget, seed)
        sample = {"rows": len(row_ids), "of": version.rows,
                  "method": STRATIFIED_SAMPLE_METHOD if stratify else SAMPLE_METHOD,
                  "seed": seed, "stratify": stratify}  # fmt: skip
    mask, strata = _draw(row_ids, keys, holdout=holdout, seed=seed)
    roles = None
    extra: dict[str, Any] = {}
    if sealed:
        roles, strata, extra = _sealed_roles(row_ids, keys, holdout=holdout, seed=seed)
    folder = splits_dir(version)
    folder.mkdir(parents=True, exist_ok=True)
    parquet = folder / f"{sid}.parquet"
    _write_parquet(parquet, row_ids, mask, roles)
    split = Split(
        version_ref=version.ref,
        fingerprint=version.fingerprint,
        split_id=sid,
        seed=seed,
        holdout_fraction=holdout,
        stratify=stratify,
        train_rows=int((~mask).sum()) if roles is None else int((roles == "train").sum()),
        holdout_rows=int(mask.sum()),
        strata=strata,
        parquet=parquet,
        parquet_sha256=file_sha256(parquet),
        created=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        sample=sample,
        **extra,
    )
    atomic_write_text(folder / f"{sid}.json", json.dumps(split_to_json(split), indent=1) + "\n")
    if ws is not None and user:
        details = {"split": sid, "train": split.train_rows, "holdout": split.holdout_rows}
        if sealed:
            details |= {"validation": split.validation_rows, "selection": split.selection}
        if sample is not None:
            details |= {"sample": sample["rows"], "of": sample["of"]}
        ws.audit.append("dataset.split", version.ref, user=user, details=details)
    return split


def _sealed_roles(
    row_ids: Any, keys: list[Any], *, holdout: float, seed: int
) -> tuple[Any, dict[str, dict[str, int]], dict[str, Any]]:
    """(role per row, counts per stratum, Split fields) of a sealed split.

    The same seeded shuffle per stratum as `_draw` (so the test rows are exactly the rows
    a two-way split with the same seed and fraction holds out); the next as many rows of
    each stratum are the validation rows when the rule picks a validation split.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    groups = _groups(row_ids, keys)
    orders = {key: rng.permutation(positions) for key, positions in groups.items()}
    tests = {key: round(len(p) * holdout) for key, p in groups.items()}
    outside = sum(len(p) - tests[k] for k, p in groups.items())
    use_cv = outside < CV_BELOW_ROWS
    roles = np.full(len(row_ids), "train", dtype=object)
    strata: dict[str, dict[str, int]] = {}
    for key, order in orders.items():
        t = tests[key]
        v = 0 if use_cv else min(round(len(order) * holdout), len(order) - t)
        roles[order[:t]] = "test"
        roles[order[t : t + v]] = "validation"
        label = "(missing)" if key == "\x00missing" else key
        strata[label] = {"train": int(len(order) - t - v), "validation": int(v),
                         "holdout": int(t)}  # fmt: skip
    extra: dict[str, Any] = {"sealed": True, "validation_rows": int((roles == "validation").sum())}
    if use_cv:
        smallest = min((c["train"] for c in strata.values()), default=0) if keys else outside
        extra |= {"selection": CROSS_VALIDATION, "folds": max(2, min(CV_FOLDS, smallest))}
    else:
        extra |= {"selection": VALIDATION}
    return roles, strata, extra


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
        raise _too_many_strata(version, column)
    return keys


def _too_many_strata(version: DatasetVersion, column: str) -> DataError:
    return DataError(
        f"column '{column}' has more than {MAX_STRATA} distinct values, too many to stratify by",
        file=version.metadata_path,
        fix="stratify by the categorical target, or make an unstratified split",
    )


def sample_rows(
    version: DatasetVersion, stratify: str | None, budget: int, seed: int
) -> tuple[Any, list[Any]]:
    """(row ids ascending, stratum keys or []) of the seeded sample of `budget` rows that a
    sampled split covers (see the module docstring). DuckDB streams the version: memory
    stays bounded by the sample, not the table."""
    import numpy as np

    con = connect()
    try:
        source, row = numbered_rows(
            f"read_parquet({sql_path(version.data_path)})", version.column_names
        )
        # Only names of our own below the FROM item: no user column can be bound by mistake.
        if stratify is None:
            found = con.execute(
                f"SELECT __shipyard_r FROM (SELECT {row} AS __shipyard_r FROM {source}) "
                f"ORDER BY hash(__shipyard_r, {int(seed)}), __shipyard_r LIMIT {int(budget)}"
            ).fetchall()
            return np.sort(np.array([r for (r,) in found], dtype=np.int64)), []
        key = f"{quote_ident(stratify)}::VARCHAR"
        counts = con.execute(
            f"SELECT __shipyard_k, count(*) FROM (SELECT {key} AS __shipyard_k FROM {source}) "
            "GROUP BY 1"
        ).fetchall()
        if len(counts) > MAX_STRATA:
            raise _too_many_strata(version, stratify)
        sizes = {k: int(c) for k, c in counts}
        quotas = stratum_quotas(sizes, budget)
        # A stratum's `q` rows with the smallest hash are among those whose hash is below a
        # bound a little above the q/size quantile (hashes are uniform): only those few reach
        # the window, so memory follows the sample, not the table. Should a bound catch
        # fewer than q rows (next to impossible), it is raised, at last to every row.
        for margin in (6.0, 30.0, None):
            values = ", ".join(
                f"({'CAST(NULL AS VARCHAR)' if k is None else quote_literal(k)}, {q}, "
                f"{_hash_bound(q, sizes[k], margin)}::UBIGINT)"
                for k, q in quotas.items()
            )
            found = con.execute(
                "SELECT __shipyard_r, __shipyard_k FROM (SELECT s.__shipyard_r, s.__shipyard_k, "
                "q.__shipyard_qn, row_number() OVER (PARTITION BY s.__shipyard_k "
                "ORDER BY s.__shipyard_h, s.__shipyard_r) AS __shipyard_n FROM ("
                f"SELECT {row} AS __shipyard_r, {key} AS __shipyard_k, "
                f"hash({row}, {int(seed)}) AS __shipyard_h FROM {source}) AS s "
                f"JOIN (VALUES {values}) AS q(__shipyard_qk, __shipyard_qn, __shipyard_qh) "
                "ON s.__shipyard_k IS NOT DISTINCT FROM q.__shipyard_qk "
                "AND s.__shipyard_h <= q.__shipyard_qh) "
                "WHERE __shipyard_n <= __shipyard_qn ORDER BY __shipyard_r"
            ).fetchall()
            drawn = Counter(k for _, k in found)
            if all(drawn[k] == q for k, q in quotas.items()):
                break
        return np.array([r for r, _ in found], dtype=np.int64), [k for _, k in found]
    finally:
        con.close()


def _hash_bound(quota: int, size: int, margin: float | None) -> int:
    """The hash below which a stratum of `size` rows almost surely holds `quota` rows:
    the quota plus `margin` standard deviations (every row when `margin` is None)."""
    top = 2**64 - 1
    if margin is None or quota >= size:
        return top
    share = (quota + margin * math.sqrt(quota) + 10) / size
    return top if share >= 1 else int(share * top)


def stratum_quotas(counts: dict[Any, int], budget: int) -> dict[Any, int]:
    """Rows each stratum gives to a sample of `budget` rows: floor(budget * share) and at
    least one (a rare class must not vanish), the rows left over one each to the strata
    with the largest remainders (ties in sorted key order, missing first)."""
    total = sum(counts.values())
    if total <= budget:
        return dict(counts)
    quotas = {k: min(c, max(1, budget * c // total)) for k, c in counts.items()}
    left = budget - sum(quotas.values())
    order = sorted(counts, key=lambda k: (-((budget * counts[k]) % total), k is not None, k or ""))
    for k in order:
        if left <= 0:
            break
        if quotas[k] < counts[k]:
            quotas[k] += 1
            left -= 1
    return quotas


def _draw(
    row_ids: Any, keys: list[Any], *, holdout: float, seed: int
) -> tuple[Any, dict[str, dict[str, int]]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    mask = np.zeros(len(row_ids), dtype=bool)
    strata: dict[str, dict[str, int]] = {}
    for key, positions in _groups(row_ids, keys).items():
        take = round(len(positions) * holdout)
        chosen = rng.permutation(positions)[:take]
        mask[chosen] = True
        label = "(missing)" if key == "\x00missing" else key
        strata[label] = {"train": int(len(positions) - take), "holdout": int(take)}
    return mask, strata


def _groups(row_ids: Any, keys: list[Any]) -> dict[str, Any]:
    """Stratum -> positions (ascending), strata in sorted order; one stratum when unstratified."""
    import numpy as np

    if not keys:
        return {"(all)": np.arange(len(row_ids))}
    labels = np.array(["\x00missing" if k is None else str(k) for k in keys], dtype=object)
    return {str(k): np.flatnonzero(labels == k) for k in sorted(set(labels.tolist()))}


def _write_parquet(path: Path, row_ids: Any, mask: Any, roles: Any = None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    columns = {"row_id": pa.array(row_ids, pa.int64()), "holdout": pa.array(mask)}
    if roles is not None:
        columns["role"] = pa.array(roles.tolist(), pa.string())
    try:
        pq.write_table(pa.table(columns), tmp, compression="zstd")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def split_to_json(split: Split) -> dict[str, Any]:
    """The split as its JSON description holds it (also what `shipyard data split --json` prints)."""
    data = {
        "format": SEALED_FORMAT if split.sealed else SPLIT_FORMAT,
        "method": SEALED_METHOD if split.sealed else METHOD,
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
    if split.sealed:
        data |= {"roles": list(ROLES), "test_rows": split.holdout_rows,
                 "validation_rows": split.validation_rows,
                 "selection": split.selection_json()}  # fmt: skip
    if split.sample is not None:
        data["sample"] = split.sample
    return data


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
        sample=data.get("sample"),
        **_sealed_fields(data),
    )


def _sealed_fields(data: dict[str, Any]) -> dict[str, Any]:
    if int(data.get("format", SPLIT_FORMAT)) < SEALED_FORMAT:
        return {}
    selection = data.get("selection") or {}
    return {
        "sealed": True,
        "validation_rows": int(data.get("validation_rows", 0)),
        "selection": selection.get("method", VALIDATION),
        "folds": int(selection.get("folds", 0)),
    }


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
    """(train, holdout) DuckDB relations over the version's rows, in file order.

    Of a sealed split: (every row outside the test split, the test rows); `role_relation`
    gives the train and validation rows apart."""
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


def role_relation(
    version: DatasetVersion, split: Split, role: str, con: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyRelation:
    """The rows of one role ("train", "validation" or "test") in file order.

    A two-way split has no separate roles: "train" is its training rows, and "validation"
    and "test" are both its holdout (runs and the gate were scored on the same rows).
    """
    if role not in ROLES:
        raise ValueError(f"unknown split role {role!r}; use one of {', '.join(ROLES)}")
    con = con or connect()
    if not split.sealed:
        train, hold = split_relations(version, split, con)
        return train if role == "train" else hold
    columns = version.column_names
    rows, row = numbered_rows(f"read_parquet({sql_path(version.data_path)})", columns)
    listed = ", ".join(f"d.{quote_ident(c)}" for c in columns)
    split_rows = f"read_parquet({sql_path(split.parquet)})"
    return con.sql(
        f"SELECT {listed} FROM {rows} AS d JOIN {split_rows} AS s ON s.row_id = d.{row} "
        f"WHERE s.role = '{role}' ORDER BY d.{row}"
    )
