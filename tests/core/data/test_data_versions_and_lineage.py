"""Listing and opening versions, linking them to projects, and the lineage graph."""

from __future__ import annotations

import json

import pytest

from shipyard.core.data import (
    DatasetNotFound,
    import_file,
    lineage,
    link_version,
    linked_versions,
    list_datasets,
    list_versions,
    load_version,
    open_relation,
    project_links,
    projects_using,
    resolve,
    save_query_result,
    unlink_version,
)
from shipyard.core.data.project_links import links_path
from shipyard.core.errors import ProjectNotFound, ValidationFailed
from shipyard.core.portfolio.projects import create_project


@pytest.fixture
def two_versions(ws, write):
    v1 = import_file(ws, write("a.csv", "id,x\n1,10\n2,20\n"), "orders", user="ann")
    v2 = import_file(ws, write("b.csv", "id,x\n1,10\n2,20\n3,30\n"), "orders", user="ann")
    return v1, v2


def test_list_load_resolve_and_open(ws, two_versions):
    v1, v2 = two_versions
    assert list_datasets(ws) == ["orders"]
    assert list_versions(ws, "orders") == [v1, v2]
    assert resolve(ws, "orders") == v2
    assert resolve(ws, "orders@v1") == v1
    assert open_relation(v1).aggregate("sum(x)").fetchall() == [(30,)]
    with pytest.raises(DatasetNotFound, match="no version v9") as err:
        load_version(ws, "orders", 9)
    assert "v1, v2" in err.value.fix
    with pytest.raises(DatasetNotFound, match="no dataset named 'nope'"):
        resolve(ws, "nope")


def test_a_damaged_version_file_is_skipped_in_lists_and_named_when_strict(ws, two_versions):
    from shipyard.core.data import DataError

    (two_versions[0].metadata_path).write_text("{broken", encoding="utf-8")
    assert [v.version for v in list_versions(ws, "orders")] == ["v2"]
    with pytest.raises(DataError, match="damaged") as err:
        list_versions(ws, "orders", strict=True)
    assert err.value.file == two_versions[0].metadata_path


def test_link_versions_to_projects(ws, two_versions):
    v1, v2 = two_versions
    create_project(ws, "Order forecast", user="ann", slug="forecast")
    create_project(ws, "Order audit", user="ann", slug="audit")
    link_version(ws, "forecast", v1, user="ann")
    link_version(ws, "forecast", v2, user="ann")  # replaces the training link
    link_version(ws, "forecast", v1, user="ann", role="reference")
    link_version(ws, "audit", v2, user="bob")
    links = project_links(ws, "forecast")
    assert [(link.ref, link.role) for link in links] == [
        ("orders@v2", "training"),
        ("orders@v1", "reference"),
    ]
    assert links[0].fingerprint == v2.fingerprint
    assert linked_versions(ws, "audit") == [v2]
    assert projects_using(ws, v2) == ["audit", "forecast"]
    assert projects_using(ws, v1) == ["forecast"]
    text = links_path(ws, "forecast").read_text(encoding="utf-8")
    # The editor's schema line first, then the file's own header.
    assert text.startswith("# yaml-language-server: $schema=../../.schemas/data.schema.json\n")
    assert text.splitlines()[1].startswith("# Dataset versions")
    assert "ref: orders@v2" in text
    assert unlink_version(ws, "forecast", "orders", user="ann", role="reference") is True
    assert projects_using(ws, v1) == []
    assert unlink_version(ws, "forecast", "nothing", user="ann") is False
    actions = [e["action"] for e in ws.audit.entries()]
    assert actions.count("project.data.link") == 4
    assert "project.data.unlink" in actions
    with pytest.raises(ProjectNotFound):
        link_version(ws, "nope", v1, user="ann")


def test_a_bad_data_yaml_names_file_line_and_field(ws, two_versions):
    create_project(ws, "Forecast", user="ann", slug="forecast")
    path = links_path(ws, "forecast")
    path.write_text(
        "schema: 1\ndatasets:\n  - ref: orders@v1\n  - ref: 'orders v2'\n", encoding="utf-8"
    )
    with pytest.raises(ValidationFailed) as err:
        project_links(ws, "forecast")
    problem = err.value.problems[0]
    assert problem.field == "datasets.1.ref"
    assert problem.line == 4
    assert "<dataset>@v<N>" in problem.fix
    assert f"{path}:4" in str(err.value)


def test_lineage_from_file_to_versions_projects_and_runs(ws, two_versions):
    v1, v2 = two_versions
    derived = save_query_result(ws, "SELECT * FROM orders WHERE x > 15", "big_orders", user="ann")
    create_project(ws, "Forecast", user="ann", slug="forecast")
    link_version(ws, "forecast", v2, user="ann")
    run = ws.projects_dir / "forecast" / "runs" / "r-001" / "run.json"
    run.parent.mkdir(parents=True)
    run.write_text(json.dumps({"data": {"fingerprint": v2.fingerprint}}), encoding="utf-8")
    other = ws.projects_dir / "forecast" / "runs" / "r-002" / "run.json"
    other.parent.mkdir(parents=True)
    other.write_text(json.dumps({"data": {"ref": "orders@v1"}}), encoding="utf-8")

    graph = lineage(ws, v2)
    assert graph.source_file == v2.source["path"]
    assert graph.source_sha256 == v2.source["sha256"]
    assert graph.derived == (derived,)
    assert graph.projects == ("forecast",)
    assert [(r.project, r.run_id) for r in graph.runs] == [("forecast", "r-001")]
    assert [(r.project, r.run_id) for r in lineage(ws, v1).runs] == [("forecast", "r-002")]

    back = lineage(ws, derived)
    assert back.sql == "SELECT * FROM orders WHERE x > 15"
    assert [(p.ref, p.fingerprint) for p in back.parents] == [("orders@v2", v2.fingerprint)]
    assert back.source_file is None


def test_lineage_skips_runs_still_being_recorded(ws, two_versions):
    _v1, v2 = two_versions
    create_project(ws, "Forecast", user="ann", slug="forecast")
    for name in ("r-001", ".tmp-r-002"):
        run = ws.projects_dir / "forecast" / "runs" / name / "run.json"
        run.parent.mkdir(parents=True)
        run.write_text(json.dumps({"data": {"fingerprint": v2.fingerprint}}), encoding="utf-8")
    assert [(r.project, r.run_id) for r in lineage(ws, v2).runs] == [("forecast", "r-001")]
