"""Finding datasets and versions in a workspace, and opening them in DuckDB.

The folders are the truth: listing reads `datasets/*/v*/version.json`, nothing else.
In SQL, a dataset's latest version is the view `<name>` and any version is `"<name>@v2"`
(quoted, because of the `@`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.core.data.dataset_version import DATASETS, VERSION_RULE, DatasetVersion, read_version
from shipyard.core.data.errors import DataError, DatasetNotFound
from shipyard.core.sql.duck import sql_path
from shipyard.core.sql.sql_text import quote_ident
from shipyard.core.workspace.layout import VERSION_FILE
from shipyard.core.workspace.workspace import Workspace

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)


def datasets_dir(ws: Workspace) -> Path:
    return ws.root / DATASETS


def list_datasets(ws: Workspace) -> list[str]:
    """Names of the datasets that have at least one version, sorted."""
    root = datasets_dir(ws)
    if not root.is_dir():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and any(_version_folders(p))
    )


def _version_folders(folder: Path) -> list[Path]:
    found = [
        p
        for p in folder.iterdir()
        if p.is_dir() and VERSION_RULE.match(p.name) and (p / VERSION_FILE).is_file()
    ]
    return sorted(found, key=lambda p: int(p.name[1:]))


def list_versions(ws: Workspace, name: str, *, strict: bool = False) -> list[DatasetVersion]:
    """Versions of dataset `name`, oldest first. A damaged `version.json` is skipped (and
    logged), or raised as DataError when `strict`."""
    from shipyard.core.workspace.names import DATASET_NAME

    if not DATASET_NAME.pattern.match(name or ""):
        return []  # no dataset can have this name (and it must not become a path)
    folder = datasets_dir(ws) / name
    if not folder.is_dir():
        return []
    versions = []
    for path in _version_folders(folder):
        try:
            versions.append(read_version(path))
        except DataError:
            if strict:
                raise
            log.warning("skipping a damaged dataset version in %s", path)
    return versions


def all_versions(ws: Workspace) -> list[DatasetVersion]:
    """Every version of every dataset, by name then number."""
    return [v for name in list_datasets(ws) for v in list_versions(ws, name)]


def load_version(ws: Workspace, name: str, version: str | int | None = None) -> DatasetVersion:
    """Version `version` (`"v2"`, `2`, or None for the latest) of dataset `name`."""
    versions = list_versions(ws, name)
    if not versions:
        known = ", ".join(list_datasets(ws)) or "none yet"
        raise DatasetNotFound(
            f"no dataset named '{name}' in this workspace",
            file=datasets_dir(ws),
            fix=f"import it first, or use one of: {known}",
        )
    if version is None:
        return versions[-1]
    wanted = f"v{version}" if isinstance(version, int) else str(version)
    for v in versions:
        if v.version == wanted:
            return v
    raise DatasetNotFound(
        f"dataset '{name}' has no version {wanted}",
        file=datasets_dir(ws) / name,
        fix="use one of: " + ", ".join(v.version for v in versions),
    )


def resolve(ws: Workspace, ref: str) -> DatasetVersion:
    """The version a reference names: `name` (latest) or `name@v2`."""
    name, _, version = ref.partition("@")
    return load_version(ws, name.strip(), version.strip() or None)


def find_by_fingerprint(ws: Workspace, name: str, fingerprint: str) -> DatasetVersion | None:
    for v in list_versions(ws, name):
        if v.fingerprint == fingerprint:
            return v
    return None


def find_by_recipe(ws: Workspace, name: str, recipe: str) -> DatasetVersion | None:
    for v in list_versions(ws, name):
        if recipe and v.recipe == recipe and v.data_path.is_file():
            return v
    return None


def parquet_sql(version: DatasetVersion) -> str:
    """`read_parquet('<path>')` for the version's data."""
    return f"read_parquet({sql_path(version.data_path)})"


def open_relation(
    version: DatasetVersion, con: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyRelation:
    """A DuckDB relation over the version's rows (lazy; nothing is read until used)."""
    from shipyard.core.sql.duck import connect

    con = con or connect()
    return con.sql(f"SELECT * FROM {parquet_sql(version)}")


def view_names(ws: Workspace) -> dict[str, DatasetVersion]:
    """SQL view name -> version: `<name>` for each latest, `<name>@vN` for every version."""
    views: dict[str, DatasetVersion] = {}
    for name in list_datasets(ws):
        versions = list_versions(ws, name)
        for v in versions:
            views[v.ref] = v
        if versions:
            views[name] = versions[-1]
    return views


def create_views(con: duckdb.DuckDBPyConnection, ws: Workspace) -> dict[str, DatasetVersion]:
    """Create the dataset views in `con`; returns what each view reads."""
    views = view_names(ws)
    for view, version in views.items():
        con.execute(
            f"CREATE OR REPLACE VIEW {quote_ident(view)} AS SELECT * FROM {parquet_sql(version)}"
        )
    return views
