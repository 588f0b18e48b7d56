"""A dataset version: an immutable Parquet file and the JSON metadata that describes it.

On disk, one folder per version, written whole by one rename:

    datasets/<name>/v<N>/data.parquet     the rows (Snappy, ~100k-row row groups); immutable
    datasets/<name>/v<N>/version.json     this module's metadata; immutable
    datasets/<name>/v<N>/profile.json     cached profile (rebuildable)
    datasets/<name>/v<N>/pii.json         PII scan findings (read by gate checks)
    datasets/<name>/v<N>/splits/<id>.*    seeded train/holdout splits (json + parquet)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.core.data.errors import DataError, ImportRefused
from shipyard.core.data.fingerprint import FINGERPRINT_METHOD
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.layout import DATA_FILE, VERSION_FILE
from shipyard.core.workspace.names import DATASET_NAME

DATASETS = "datasets"
METADATA_FORMAT = 1
METADATA_KIND = "shipyard.dataset-version"
NAME_RULE = DATASET_NAME.pattern  # one rule for dataset names (core/workspace/names.py)
VERSION_RULE = re.compile(r"^v([1-9][0-9]*)$")


@dataclass(frozen=True)
class ColumnSchema:
    name: str
    type: str
    source_name: str | None = None  # the file's spelling, when it differs from `name`


@dataclass(frozen=True)
class ParentRef:
    """A version this one was derived from (by SQL)."""

    ref: str  # name@vN
    fingerprint: str


@dataclass(frozen=True)
class Lineage:
    """Where a version came from: a file, or SQL over parent versions."""

    kind: str  # "file" | "sql"
    source: str | None = None  # the source file path (kind "file")
    source_sha256: str | None = None
    sql: str | None = None  # kind "sql"
    parents: tuple[ParentRef, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "source_sha256": self.source_sha256,
            "sql": self.sql,
            "parents": [{"ref": p.ref, "fingerprint": p.fingerprint} for p in self.parents],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lineage:
        return cls(
            kind=data["kind"],
            source=data.get("source"),
            source_sha256=data.get("source_sha256"),
            sql=data.get("sql"),
            parents=tuple(ParentRef(p["ref"], p["fingerprint"]) for p in data.get("parents", [])),
        )


@dataclass(frozen=True)
class DatasetVersion:
    """One immutable version of a dataset, as its `version.json` describes it."""

    name: str
    version: str  # v1, v2, ...
    folder: Path
    fingerprint: str
    rows: int
    schema: tuple[ColumnSchema, ...]
    created: str  # ISO 8601, UTC
    user: str
    lineage: Lineage
    source: dict[str, Any] = field(default_factory=dict)  # path, sha256, bytes, format ...
    options: dict[str, Any] = field(default_factory=dict)  # overrides, exclusions ...
    notes: tuple[str, ...] = ()
    recipe: str = ""  # hash of source bytes + options, for a quick "already imported"
    data_sha256: str = ""
    data_bytes: int = 0
    # rows of the source left out on request (count, reason, first examples); {} if none
    skipped_rows: dict[str, Any] = field(default_factory=dict)
    format: int = METADATA_FORMAT

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def number(self) -> int:
        return version_number(self.version)

    @property
    def columns(self) -> int:
        return len(self.schema)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.schema]

    @property
    def types(self) -> dict[str, str]:
        return {c.name: c.type for c in self.schema}

    @property
    def data_path(self) -> Path:
        return self.folder / DATA_FILE

    @property
    def metadata_path(self) -> Path:
        return self.folder / VERSION_FILE

    @property
    def workspace_root(self) -> Path:
        return self.folder.parents[2]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "kind": METADATA_KIND,
            "name": self.name,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "fingerprint_method": FINGERPRINT_METHOD,
            "rows": self.rows,
            "columns": self.columns,
            "schema": [
                {"name": c.name, "type": c.type}
                | ({"source_name": c.source_name} if c.source_name else {})
                for c in self.schema
            ],
            "data_file": DATA_FILE,
            "data_sha256": self.data_sha256,
            "data_bytes": self.data_bytes,
            "created": self.created,
            "user": self.user,
            "source": self.source,
            "options": self.options,
            "lineage": self.lineage.to_json(),
            "recipe": self.recipe,
            "notes": list(self.notes),
        } | ({"skipped_rows": self.skipped_rows} if self.skipped_rows else {})

    def write(self, folder: Path | None = None) -> None:
        """Write `version.json` into `folder` (default: the version's own folder)."""
        target = (folder or self.folder) / VERSION_FILE
        atomic_write_text(target, json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")


def read_version(folder: Path) -> DatasetVersion:
    """The version stored in `folder`; DataError naming the file if it is damaged."""
    path = folder / VERSION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("kind") != METADATA_KIND:
            raise ValueError("it is not a dataset version file")
        if int(data.get("format", 0)) > METADATA_FORMAT:
            raise DataError(
                f"this version was written by a newer Shipyard (format {data['format']})",
                file=path,
                fix="update Shipyard to open it",
            )
        return DatasetVersion(
            name=data["name"],
            version=data["version"],
            folder=folder,
            fingerprint=data["fingerprint"],
            rows=int(data["rows"]),
            schema=tuple(
                ColumnSchema(c["name"], c["type"], c.get("source_name")) for c in data["schema"]
            ),
            created=data["created"],
            user=data.get("user", ""),
            lineage=Lineage.from_json(data["lineage"]),
            source=data.get("source") or {},
            options=data.get("options") or {},
            notes=tuple(data.get("notes", [])),
            recipe=data.get("recipe", ""),
            data_sha256=data.get("data_sha256", ""),
            data_bytes=int(data.get("data_bytes", 0)),
            skipped_rows=dict(data.get("skipped_rows") or {}),
            format=int(data.get("format", METADATA_FORMAT)),
        )
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(
            "the version has no metadata file",
            file=path,
            fix="restore the folder from a backup, or delete it and import the data again",
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(
            f"the version's metadata is damaged ({exc})",
            file=path,
            fix="restore the file from a backup, or delete the version folder and import "
            "the data again",
        ) from None


def check_name(name: str) -> str:
    """`name` if it can name a dataset (a folder and a SQL view), else ImportRefused."""
    if not NAME_RULE.match(name or ""):
        raise ImportRefused(
            f"'{name}' cannot name a dataset",
            fix="use 1–64 lower-case letters, digits, '_' or '-', starting with a letter or "
            f"digit, e.g. '{suggest_name(name or 'data')}'",
        )
    return name


def suggest_name(text: str) -> str:
    """A valid dataset name made from a file name or title."""
    import unicodedata

    stem = Path(text).name.split(".", 1)[0] if "." in Path(text).name else Path(text).name
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_-")[:64]
    return name or "data"


def version_number(version: str) -> int:
    match = VERSION_RULE.match(version)
    if not match:
        raise ValueError(f"not a version id: {version!r}")
    return int(match.group(1))
