"""Set up a training task: what kind of problem a target column makes, and which features.

`detect_task(version, target)` reads one aggregate query over the version's Parquet (DuckDB)
and returns a `TaskSpec`:

- kind: "binary" / "multiclass" (BOOLEAN or VARCHAR target, or a whole-number target with at
  most `MAX_INT_CLASSES` distinct values), "regression" (other numbers), and "text" when a
  feature is free text (multi-word strings, mostly distinct) and the target is a category.
- features, by role: numeric (numbers and booleans), categorical (short strings with at most
  `MAX_CATEGORIES` values), text (free text). Left out, each with a visible warning: the
  target, PII columns (from the version's PII scan), identifiers (a string distinct on every
  row), high-cardinality strings, dates and timestamps, and all-null columns.

Bad input raises `TrainingRefused` (a ShipyardError naming the dataset file and the fix): a
target with missing values, with one class, with infinite values; an empty text column; too
few rows for the requested folds.

Infinite values in a *feature* are treated as missing (imputed like any missing value) with a
warning: the record of the run says so, and a caller serving the ONNX model must map +/-inf
to NaN the same way (`TaskSpec.input_rules`). In a regression *target* they are refused.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from shipyard.core.data.dataset_version import DatasetVersion
from shipyard.core.data.errors import DataError
from shipyard.core.packaging.request_contract import typed_label
from shipyard.core.sql.sql_text import (
    BOOLEAN_TYPES,
    FLOAT_TYPES,
    INTEGER_TYPES,
    STRING_TYPES,
    quote_ident,
)

MAX_INT_CLASSES = 10
MAX_CATEGORIES = 200
TEXT_MIN_WORDS = 3.0
TEXT_MIN_DISTINCT_SHARE = 0.5
MISSING_CATEGORY = "(missing)"
INPUT_RULES = {
    "numeric": "float32; NaN for missing; +/-inf is treated as missing (NaN)",
    "boolean": "float32 0/1; NaN for missing",
    "categorical": f"string; '{MISSING_CATEGORY}' for missing",
    "text": "string; '' for missing",
}


class TrainingRefused(DataError):
    """The data cannot be trained on as asked; the message says why and what to do."""


@dataclass(frozen=True)
class ColumnStats:
    name: str
    type: str
    nulls: int
    distinct: int
    infinite: int = 0
    avg_words: float = 0.0
    empty: int = 0  # blank strings


@dataclass
class TaskSpec:
    version_ref: str
    fingerprint: str
    target: str
    kind: str  # binary | multiclass | regression | text
    rows: int
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)  # column -> why
    warnings: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    infinite_as_missing: list[str] = field(default_factory=list)
    # column -> ONNX graph input name (`safe_input_names`); empty in runs recorded before
    # names were made safe, whose columns were all plain identifiers already.
    input_names: dict[str, str] = field(default_factory=dict)
    # The target's own type: classes are trained and exported as text, and turned back
    # into integers or booleans where people and clients read them (manifest, answers).
    label_type: str = "string"  # string | integer | boolean
    boolean: list[str] = field(default_factory=list)  # the numeric features that are BOOLEAN

    @property
    def is_classification(self) -> bool:
        return self.kind != "regression"

    @property
    def features(self) -> list[str]:
        """All features in input order (the ONNX model has one input per feature)."""
        return [*self.numeric, *self.categorical, *self.text]

    def onnx_names(self) -> dict[str, str]:
        """column -> ONNX input name for every feature, in input order."""
        names = self.input_names
        if not names or any(c not in names for c in self.features):
            names = safe_input_names(self.features)
        return {c: names[c] for c in self.features}

    def contract_inputs(self) -> list[dict[str, Any]]:
        """The serving contract's inputs (see packaging/request_contract.py), in order."""
        rows = []
        for col, name in self.onnx_names().items():
            if col in self.numeric:
                role = "boolean" if col in self.boolean else "numeric"
                kind, missing = "float32", None
            else:
                role = "categorical" if col in self.categorical else "text"
                kind, missing = "string", MISSING_CATEGORY if role == "categorical" else ""
            rows.append(
                {"name": col, "onnx_name": name, "role": role, "type": kind, "missing": missing}
            )
        return rows

    def typed_classes(self) -> list[Any]:
        """The class labels in the target's own type (integers stay integers)."""
        return [typed_label(c, self.label_type) for c in self.classes]

    def input_rules(self) -> dict[str, str]:
        return dict(INPUT_RULES)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, task: dict[str, Any]) -> TaskSpec:
        """The spec a run record holds (fields it does not know are left out)."""
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in task.items() if k in known})


def column_stats(version: DatasetVersion) -> dict[str, ColumnStats]:
    """Null, distinct, infinite and word counts of every column, in one DuckDB query.

    Splitting every text value into words is the slow part on a big version (31 s on 20M
    rows): past `SAMPLE_ROWS` rows the average word count, which only tells free text from
    labels, is read from DuckDB's seeded sample; the counts stay exact.
    """
    from shipyard.core.data.catalog import open_relation
    from shipyard.core.data.sampling import SAMPLE_ROWS
    from shipyard.core.sql.duck import connect

    types = version.types
    sampled = version.rows > SAMPLE_ROWS
    exprs: list[str] = []
    for name, typ in types.items():
        q = quote_ident(name)
        exprs.append(f"count(*) - count({q})")
        exprs.append(f"approx_count_distinct({q})")
        if typ in FLOAT_TYPES:
            exprs.append(f"count(*) FILTER (WHERE isinf({q}))")
        else:
            exprs.append("0")
        if typ in STRING_TYPES:
            exprs.append("0" if sampled else _avg_words(q))
            exprs.append(f"count(*) FILTER (WHERE trim({q}) = '')")
        else:
            exprs.append("0")
            exprs.append("0")
    con = connect()
    row = open_relation(version, con).aggregate(", ".join(exprs)).fetchall()[0]
    words = _sampled_words(con, version) if sampled else {}
    stats: dict[str, ColumnStats] = {}
    for i, (name, typ) in enumerate(types.items()):
        nulls, distinct, inf, avg_words, empty = row[i * 5 : i * 5 + 5]
        avg_words = words.get(name, avg_words)
        stats[name] = ColumnStats(
            name, typ, int(nulls), int(distinct), int(inf or 0), float(avg_words or 0), int(empty)
        )
    return stats


def _avg_words(q: str) -> str:
    return f"coalesce(avg(length(regexp_split_to_array(trim({q}), '\\s+'))), 0)"


def _sampled_words(con: Any, version: DatasetVersion) -> dict[str, float]:
    """Average words per value of each text column, on DuckDB's seeded sample."""
    from shipyard.core.data.sampling import sample_table

    text = [name for name, typ in version.types.items() if typ in STRING_TYPES]
    if not text:
        return {}
    sample_table(con, "shipyard_words_sample", version, select=", ".join(map(quote_ident, text)))
    exprs = ", ".join(_avg_words(quote_ident(name)) for name in text)
    row = con.execute(f"SELECT {exprs} FROM shipyard_words_sample").fetchone()
    return {name: float(v or 0) for name, v in zip(text, row or (), strict=False)}


def _exact_classes(version: DatasetVersion, target: str) -> list[str]:
    from shipyard.core.data.catalog import open_relation

    q = quote_ident(target)
    # No alias: DuckDB would bind a user's column of the alias's name first.
    rows = open_relation(version).select(f"CAST({q} AS VARCHAR)").distinct().fetchall()
    return sorted(label_text(r[0]) for r in rows if r[0] is not None)


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
# Names skl2onnx gives the graph's outputs and working variables: an input may not take them.
_RESERVED_NAMES = frozenset({"label", "probabilities", "variable", "output_label"})


def safe_input_names(columns: list[str]) -> dict[str, str]:
    """column -> an ONNX input name made of ASCII letters, digits and '_', unique.

    A column that is already such a name keeps it (so clients of most tables send the same
    names to the graph and to the serving script); others are transliterated ("Größe (€)" ->
    "Grosse"), prefixed when they would start with a digit, and numbered when two collide.
    The mapping is deterministic and kept in the run record and the package manifest.
    """
    import unicodedata

    names: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        plain = _PLAIN_NAME.match(col) and col.lower() not in _RESERVED_NAMES
        if plain and col.lower() not in taken:
            names[col] = col
            taken.add(col.lower())
    for col in columns:
        if col in names:
            continue
        ascii_text = unicodedata.normalize("NFKD", col).encode("ascii", "ignore").decode()
        base = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_text).strip("_")[:48] or "column"
        if base[0].isdigit() or base.lower() in _RESERVED_NAMES:
            base = f"c_{base}"
        name, n = base, 2
        while name.lower() in taken:  # case-insensitive: some runtimes fold names
            name, n = f"{base}_{n}", n + 1
        names[col] = name
        taken.add(name.lower())
    return {col: names[col] for col in columns}


def label_type_of(column_type: str) -> str:
    if column_type in INTEGER_TYPES:
        return "integer"
    if column_type in BOOLEAN_TYPES:
        return "boolean"
    return "string"


def label_text(value: Any) -> str:
    """The class label as a string, the same for DuckDB text and Python values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def detect_task(
    version: DatasetVersion,
    target: str,
    *,
    features: list[str] | None = None,
    kind: str | None = None,
    folds: int | None = None,
    holdout: float = 0.2,
    include_pii: bool = False,
) -> TaskSpec:
    """Detect the task for `target` and propose (or check the chosen) `features`.

    `kind` forces "classification" or "regression". `folds` (k-fold cross-validation on the
    training rows) is checked against the row and class counts.
    """
    where = version.metadata_path
    types = version.types
    if target not in types:
        raise TrainingRefused(
            f"no column named '{target}' in {version.ref}",
            file=where,
            fix="choose the target from: " + ", ".join(types),
        )
    stats = column_stats(version)
    ts = stats[target]
    _check_target(version, ts)
    classification = _is_classification(ts, kind)
    spec = TaskSpec(
        version_ref=version.ref,
        fingerprint=version.fingerprint,
        target=target,
        kind="regression",
        rows=version.rows,
    )
    if classification:
        _set_classes(spec, version, ts)
    _place_features(spec, version, stats, features, include_pii)
    if spec.text:
        _settle_text(spec, version, stats, classification)
    if not spec.features:
        raise TrainingRefused(
            f"no usable feature is left for target '{target}'",
            file=where,
            fix="choose features explicitly; left out: "
            + "; ".join(f"{c} ({why})" for c, why in spec.excluded.items()),
        )
    if folds is not None:
        _check_folds(spec, version, folds, holdout)
    spec.input_names = safe_input_names(spec.features)
    return spec


def _check_target(version: DatasetVersion, ts: ColumnStats) -> None:
    """Refuse a version without rows and a target with missing or infinite values."""
    where, target = version.metadata_path, ts.name
    if version.rows == 0:
        raise TrainingRefused(f"{version.ref} has no rows", file=where, fix="import data first")
    if ts.nulls:
        raise TrainingRefused(
            f"the target '{target}' is missing on {ts.nulls} of {version.rows} rows",
            file=where,
            fix="drop or fill those rows with SQL into a new version, then train on it",
        )
    if ts.infinite:
        raise TrainingRefused(
            f"the target '{target}' holds {ts.infinite} infinite values",
            file=where,
            fix="remove those rows with SQL into a new version (WHERE NOT isinf(...))",
        )


def _set_classes(spec: TaskSpec, version: DatasetVersion, ts: ColumnStats) -> None:
    """The classes of a classification target, and binary or multiclass; one class is refused."""
    spec.classes = _exact_classes(version, ts.name)
    if len(spec.classes) < 2:
        only = spec.classes[0] if spec.classes else "nothing"
        raise TrainingRefused(
            f"the target '{ts.name}' has one class only ('{only}'): nothing to learn",
            file=version.metadata_path,
            fix="choose another target, or a version that holds more than one class",
        )
    spec.kind = "binary" if len(spec.classes) == 2 else "multiclass"
    spec.label_type = label_type_of(ts.type)


def _place_features(
    spec: TaskSpec,
    version: DatasetVersion,
    stats: dict[str, ColumnStats],
    features: list[str] | None,
    include_pii: bool,
) -> None:
    """Give each chosen feature (default: every column but the target) its role, or leave
    it out with the reason; a feature that is not a column, or is the target, is refused."""
    from shipyard.core.data.pii_scan import pii_findings

    where, target, types = version.metadata_path, spec.target, version.types
    pii = set() if include_pii else {f.column for f in pii_findings(version)}
    chosen = list(features) if features is not None else [c for c in types if c != target]
    for col in chosen:
        if col not in types:
            raise TrainingRefused(
                f"no column named '{col}' in {version.ref}",
                file=where,
                fix="choose features from: " + ", ".join(types),
            )
        if col == target:
            raise TrainingRefused(
                f"the target '{target}' cannot also be a feature",
                file=where,
                fix="remove it from the features",
            )
        _place(spec, stats[col], version.rows, pii, explicit=features is not None)


def _settle_text(
    spec: TaskSpec, version: DatasetVersion, stats: dict[str, ColumnStats], classification: bool
) -> None:
    """Free text makes a classification a text task; a regression leaves it out (warned).
    A text column empty on every row is refused."""
    empty = [c for c in spec.text if stats[c].nulls + stats[c].empty >= version.rows]
    if empty:
        raise TrainingRefused(
            f"the text column '{empty[0]}' is empty on every row",
            file=version.metadata_path,
            fix="choose a text column that holds text",
        )
    if classification:
        spec.kind = "text"
    else:
        spec.warnings.append(
            "free-text columns only help to predict a category, not a number; "
            f"left out: {', '.join(spec.text)}"
        )
        for c in spec.text:
            spec.excluded[c] = "text (regression)"
        spec.text = []


def _is_classification(ts: ColumnStats, kind: str | None) -> bool:
    if kind is not None:
        if kind not in ("classification", "regression"):
            raise ValueError(f"unknown task kind {kind!r}")
        if kind == "regression" and ts.type not in INTEGER_TYPES | FLOAT_TYPES:
            raise TrainingRefused(
                f"the target '{ts.name}' is {ts.type}, not a number: it cannot be regressed",
                fix="train a classification, or choose a numeric target",
            )
        return kind == "classification"
    if ts.type in BOOLEAN_TYPES | STRING_TYPES:
        return True
    return ts.type in INTEGER_TYPES and ts.distinct <= MAX_INT_CLASSES


def _place(spec: TaskSpec, st: ColumnStats, rows: int, pii: set[str], *, explicit: bool) -> None:
    col, typ = st.name, st.type

    def leave_out(why: str) -> None:
        spec.excluded[col] = why
        spec.warnings.append(f"column '{col}' left out: {why}")

    if col in pii:
        return leave_out(
            "holds personal data (found by the privacy scan); to use it anyway, tick it under "
            "Features in the task setup, or train with --include-pii"
        )
    if st.nulls + st.empty >= rows:
        if explicit and typ in STRING_TYPES:
            raise TrainingRefused(
                f"the chosen column '{col}' is empty on every row: there is no text to learn from",
                fix="choose a text column that holds text",
            )
        return leave_out("every value is missing")
    if typ in INTEGER_TYPES | FLOAT_TYPES | BOOLEAN_TYPES or typ.startswith("DECIMAL"):
        spec.numeric.append(col)
        if typ in BOOLEAN_TYPES:
            spec.boolean.append(col)
        if st.infinite:
            spec.infinite_as_missing.append(col)
            spec.warnings.append(
                f"column '{col}' holds {st.infinite} infinite values: treated as missing"
            )
        return None
    if typ in STRING_TYPES:
        nonnull = max(rows - st.nulls, 1)
        share = st.distinct / nonnull
        if st.avg_words >= TEXT_MIN_WORDS and share >= TEXT_MIN_DISTINCT_SHARE:
            spec.text.append(col)
        elif st.distinct <= MAX_CATEGORIES:
            spec.categorical.append(col)
        elif share >= 0.95 and not explicit:
            leave_out("an identifier (a different value on almost every row)")
        elif not explicit:
            leave_out(
                f"too many different values (~{st.distinct}) to use as categories; "
                "tick it under Features to use it anyway"
            )
        else:
            spec.categorical.append(col)
        return None
    return leave_out(
        f"its values ({typ}) cannot be used as they are; turn them into numbers with a "
        "saved query on the Datasets page (for a date: days since a start date, say)"
    )


def _check_folds(spec: TaskSpec, version: DatasetVersion, folds: int, holdout: float) -> None:
    from shipyard.core.data.catalog import open_relation

    if folds < 2:
        raise TrainingRefused(
            f"{folds} folds: cross-validation needs at least 2", fix="use 2 folds or more"
        )
    train_rows = int(spec.rows * (1 - holdout))
    smallest = train_rows
    if spec.is_classification:
        q = quote_ident(spec.target)
        counts = open_relation(version).aggregate(f"{q}, count(*)", q).fetchall()
        smallest = int(min(c for _, c in counts) * (1 - holdout))
    if train_rows < 2 * folds or smallest < folds:
        what = "the rarest class has" if spec.is_classification else "there are"
        raise TrainingRefused(
            f"too few rows for {folds} folds: {what} about {smallest} training rows",
            file=version.metadata_path,
            fix=f"use at most {max(2, min(smallest, train_rows // 2))} folds, or more data",
        )
