"""Which dataset versions a project uses, and the lineage a version sits in.

A project's links live in `projects/<slug>/data.yaml` (hand-editable):

    schema: 1
    datasets:
      - ref: churn_customers@v2          # the version used
        fingerprint: sha256:...           # its content fingerprint, to catch a swapped file
        role: training                    # free text: training, evaluation, reference ...
        linked: '2026-03-01T10:00:00Z'
        by: Hannah Schulz

One link per (dataset, role): linking v3 for training replaces the v2 training link (the
audit log keeps the history). Lineage reads: source file or SQL + parent versions ->
version -> versions derived from it -> projects linking it -> runs whose `run.json`
mentions its fingerprint or `name@vN`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shipyard.core.data.catalog import all_versions, resolve
from shipyard.core.data.dataset_version import DatasetVersion, ParentRef
from shipyard.core.workspace.layout import DATA_LINKS_FILE, RUN_FILE
from shipyard.core.workspace.workspace import Workspace
from shipyard.core.workspace.yaml_file import load_yaml_model, write_yaml

LINKS_HEADER = (
    "Dataset versions this project uses. Shipyard writes this file; you may edit it.\n"
    "ref: <dataset>@v<N>; role: what the project uses it for (training, evaluation ...)."
)
HINTS = {
    "datasets.ref": "write the version as <dataset>@v<N>, e.g. churn_customers@v2",
    "datasets.fingerprint": "copy the fingerprint from the version's version.json",
    "schema": "use schema: 1",
}


class DataLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*@v[1-9][0-9]*$")
    fingerprint: str = ""
    role: str = "training"
    linked: str = ""
    by: str = ""

    @property
    def dataset(self) -> str:
        return self.ref.split("@", 1)[0]


class ProjectData(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_version: int = Field(default=1, alias="schema", ge=1, le=1)
    datasets: list[DataLink] = Field(default_factory=list)


def links_path(ws: Workspace, slug: str) -> Path:
    return ws.projects_dir / slug / DATA_LINKS_FILE


def project_links(ws: Workspace, slug: str) -> list[DataLink]:
    """The project's dataset links; [] when it has none. ValidationFailed for a bad file."""
    path = links_path(ws, slug)
    if not path.is_file():
        return []
    return load_yaml_model(path, ProjectData, hints=HINTS).datasets


def _save(ws: Workspace, slug: str, links: list[DataLink]) -> None:
    data = ProjectData(datasets=links).model_dump(by_alias=True)
    write_yaml(links_path(ws, slug), data, header=LINKS_HEADER)


def link_version(
    ws: Workspace, slug: str, version: DatasetVersion, *, user: str, role: str = "training"
) -> DataLink:
    """Record that project `slug` uses `version` for `role` (replacing that role's link)."""
    ws.project(slug)  # ProjectNotFound names the known projects
    links = [
        link
        for link in project_links(ws, slug)
        if not (link.dataset == version.name and link.role == role)
    ]
    link = DataLink(
        ref=version.ref,
        fingerprint=version.fingerprint,
        role=role,
        linked=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        by=user,
    )
    links.append(link)
    _save(ws, slug, links)
    ws.audit.append(
        "project.data.link", slug, user=user, details={"ref": version.ref, "role": role}
    )
    return link


def unlink_version(
    ws: Workspace, slug: str, dataset: str, *, user: str, role: str | None = None
) -> bool:
    """Drop the project's links to `dataset` (of `role`, or all); True if any was dropped."""
    links = project_links(ws, slug)
    kept = [
        link
        for link in links
        if not (link.dataset == dataset and (role is None or link.role == role))
    ]
    if len(kept) == len(links):
        return False
    _save(ws, slug, kept)
    ws.audit.append(
        "project.data.unlink", slug, user=user, details={"dataset": dataset, "role": role}
    )
    return True


def linked_versions(ws: Workspace, slug: str) -> list[DatasetVersion]:
    """The versions the project links, resolved (DatasetNotFound if one is gone)."""
    return [resolve(ws, link.ref) for link in project_links(ws, slug)]


def projects_using(ws: Workspace, version: DatasetVersion) -> list[str]:
    """Slugs of the projects whose data.yaml links `version`."""
    using = []
    for slug in ws.slugs():
        try:
            links = project_links(ws, slug)
        except Exception:  # a broken data.yaml is reported where it is edited
            continue
        if any(link.ref == version.ref for link in links):
            using.append(slug)
    return using


@dataclass(frozen=True)
class RunRef:
    project: str
    run_id: str
    path: Path


@dataclass(frozen=True)
class VersionLineage:
    """Where a version came from and what uses it."""

    version: DatasetVersion
    source_file: str | None
    source_sha256: str | None
    sql: str | None
    parents: tuple[ParentRef, ...]
    derived: tuple[DatasetVersion, ...]  # versions made from this one by SQL
    projects: tuple[str, ...]
    runs: tuple[RunRef, ...]


def runs_using(ws: Workspace, version: DatasetVersion) -> list[RunRef]:
    """Runs whose run.json mentions the version's fingerprint or its `name@vN`."""
    from shipyard.core.workspace.run_folders import run_folders

    found = []
    folders = ws.projects_dir.iterdir() if ws.projects_dir.is_dir() else ()
    slugs = sorted(p.name for p in folders if p.is_dir())
    for run_file in (f / RUN_FILE for slug in slugs for f in run_folders(ws, slug)):
        try:
            text = run_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if version.fingerprint in text or f'"{version.ref}"' in text:
            found.append(RunRef(run_file.parents[2].name, run_file.parent.name, run_file))
    return found


def lineage(ws: Workspace, version: DatasetVersion) -> VersionLineage:
    """The version's lineage, read from the files (nothing is cached)."""
    derived = tuple(
        v
        for v in all_versions(ws)
        if any(
            p.fingerprint == version.fingerprint and p.ref == version.ref for p in v.lineage.parents
        )
    )
    return VersionLineage(
        version=version,
        source_file=version.lineage.source,
        source_sha256=version.lineage.source_sha256,
        sql=version.lineage.sql,
        parents=version.lineage.parents,
        derived=derived,
        projects=tuple(projects_using(ws, version)),
        runs=tuple(runs_using(ws, version)),
    )


__all__ = [
    "DATA_LINKS_FILE",
    "DataLink",
    "RunRef",
    "VersionLineage",
    "lineage",
    "link_version",
    "linked_versions",
    "project_links",
    "projects_using",
    "runs_using",
    "unlink_version",
]
