"""Datasets: import, immutable versions, browsing, SQL, profiles, contracts, PII, drift, splits.

Qt-free. Importing this package loads no heavy library: duckdb, pyarrow, numpy and scipy are
imported inside the functions that need them. Long jobs take a `JobControl` for progress
and cancel.

Workspace layout (see dataset_version.py, project_links.py, contract_model.py, split.py):

    datasets/<name>/v<N>/data.parquet        immutable rows (Snappy, ~100k-row row groups)
    datasets/<name>/v<N>/version.json        immutable metadata and lineage
    datasets/<name>/v<N>/profile.json        cached profile
    datasets/<name>/v<N>/pii.json            PII findings (for gate checks)
    datasets/<name>/v<N>/splits/<id>.json    train/holdout split description
    datasets/<name>/v<N>/splits/<id>.parquet row_id, holdout
    projects/<slug>/data.yaml                the versions a project uses
    projects/<slug>/data_contract.yaml       the project's data contract
    .shipyard/staging/  .shipyard/tmp/  .shipyard/cache/browse/   rebuildable
"""

from __future__ import annotations

from shipyard.core.data.catalog import (
    all_versions,
    create_views,
    list_datasets,
    list_versions,
    load_version,
    open_relation,
    resolve,
)
from shipyard.core.data.contract_check import ContractReport, RuleResult, infer_contract, validate
from shipyard.core.data.contract_model import (
    ColumnContract,
    DataContract,
    contract_path,
    load_contract,
    read_contract,
    save_contract,
)
from shipyard.core.data.dataset_version import (
    ColumnSchema,
    DatasetVersion,
    Lineage,
    ParentRef,
    suggest_name,
)
from shipyard.core.data.drift import ColumnDrift, DriftReport, compare_versions, psi, severity
from shipyard.core.data.errors import DataError, DatasetNotFound, ImportRefused, QueryRefused
from shipyard.core.data.importer import import_file
from shipyard.core.data.pii_scan import (
    PiiFinding,
    PiiReport,
    load_pii_report,
    pii_findings,
    scan_pii,
)
from shipyard.core.data.preview import Preview, PreviewColumn, preview_file
from shipyard.core.data.profile import ColumnProfile, DatasetProfile, profile_version
from shipyard.core.data.project_links import (
    DataLink,
    VersionLineage,
    lineage,
    link_version,
    linked_versions,
    project_links,
    projects_using,
    unlink_version,
)
from shipyard.core.data.query import QueryResult, run_query, save_query_result
from shipyard.core.data.query_guard import check_read_only
from shipyard.core.data.split import Split, list_splits, load_split, make_split, split_relations
from shipyard.core.data.version_reader import VersionReader

__all__ = [
    "ColumnContract",
    "ColumnDrift",
    "ColumnProfile",
    "ColumnSchema",
    "ContractReport",
    "DataContract",
    "DataError",
    "DataLink",
    "DatasetNotFound",
    "DatasetProfile",
    "DatasetVersion",
    "DriftReport",
    "ImportRefused",
    "Lineage",
    "ParentRef",
    "PiiFinding",
    "PiiReport",
    "Preview",
    "PreviewColumn",
    "QueryRefused",
    "QueryResult",
    "RuleResult",
    "Split",
    "VersionLineage",
    "VersionReader",
    "all_versions",
    "check_read_only",
    "compare_versions",
    "contract_path",
    "create_views",
    "import_file",
    "infer_contract",
    "lineage",
    "link_version",
    "linked_versions",
    "list_datasets",
    "list_splits",
    "list_versions",
    "load_contract",
    "load_pii_report",
    "load_split",
    "load_version",
    "make_split",
    "open_relation",
    "pii_findings",
    "preview_file",
    "profile_version",
    "project_links",
    "projects_using",
    "psi",
    "read_contract",
    "resolve",
    "run_query",
    "save_contract",
    "save_query_result",
    "scan_pii",
    "severity",
    "split_relations",
    "suggest_name",
    "unlink_version",
    "validate",
]
