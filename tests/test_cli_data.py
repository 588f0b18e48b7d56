"""`shipyard data ...` in-process through `shipyard.cli.commands.run`, on copies of the demo workspace
(whose samples/ folder holds the synthetic CSVs, with fake emails and phone numbers)."""

from __future__ import annotations

import _thread
import ast
import csv
import json
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

from shipyard.cli.commands import run


def cli(*argv: object) -> int:
    result = run([str(a) for a in argv])
    assert isinstance(result, int)
    return result


@pytest.fixture
def ws(demo_ws) -> Path:  # type: ignore[no-untyped-def]
    return demo_ws.root


@pytest.fixture
def churn(ws: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The workspace with churn_customers.csv imported as churn@v1."""
    assert cli("data", "import", ws, ws / "samples" / "churn_customers.csv", "--name", "churn") == 0
    capsys.readouterr()
    return ws


def audit_actions(ws: Path) -> list[str]:
    path = ws / "audit.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line)["action"] for line in path.read_text().splitlines() if line]


def version_json(ws: Path, name: str, version: str = "v1") -> dict:
    return json.loads((ws / "datasets" / name / version / "version.json").read_text())


def no_half_import(ws: Path) -> None:
    assert not (ws / "datasets").exists() or not any((ws / "datasets").iterdir())
    staging = ws / ".shipyard" / "staging"
    assert not staging.exists() or not any(staging.iterdir())
    assert not (ws / ".shipyard" / "lock.json").exists()
    assert "dataset.import" not in audit_actions(ws)


def modified_churn(tmp_path: Path, ws: Path, change) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the churn sample with `change(row_number, row)` applied to every row."""
    source = ws / "samples" / "churn_customers.csv"
    target = tmp_path / "churn_changed.csv"
    with source.open(newline="") as fin, target.open("w", newline="") as fout:
        reader = csv.DictReader(fin)
        writer = csv.DictWriter(fout, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for i, row in enumerate(reader):
            change(i, row)
            writer.writerow(row)
    return target


# -- import -------------------------------------------------------------------------------
def test_import_reports_the_version_and_reuses_identical_content(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = ws / "samples" / "churn_customers.csv"
    assert cli("data", "import", ws, sample, "--name", "churn") == 0
    out = capsys.readouterr().out
    meta = version_json(ws, "churn")
    assert "Imported churn@v1: 3,000 rows × 16 columns" in out
    assert meta["fingerprint"].split(":")[1][:12] in out
    assert meta["rows"] == 3000 and meta["lineage"]["source"] == str(sample.resolve())

    assert cli("data", "import", ws, sample, "--name", "churn") == 0
    out = capsys.readouterr().out
    assert out.startswith("Reused churn@v1")
    assert "nothing new saved" in out
    assert sorted(p.name for p in (ws / "datasets" / "churn").iterdir()) == ["v1"]
    assert audit_actions(ws).count("dataset.import") == 1  # the core's entry, once


def test_import_type_overrides_and_exclusions(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = ws / "samples" / "inbound_leads.csv"
    code = cli(
        "data", "import", ws, sample, "--name", "leads",
        "--type", "pages_viewed=DOUBLE", "--type", "created_date=VARCHAR",
        "--exclude", "email", "--exclude", "phone",
    )  # fmt: skip
    assert code == 0
    assert "3,000 rows × 12 columns" in capsys.readouterr().out
    types = {c["name"]: c["type"] for c in version_json(ws, "leads")["schema"]}
    assert types["pages_viewed"] == "DOUBLE"
    assert types["created_date"] == "VARCHAR"
    assert "email" not in types and "phone" not in types


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--type", "seats"], "is not COLUMN=TYPE"),
        (["--type", "seats=NOT_A_TYPE"], "NOT_A_TYPE"),
        (["--exclude", "no_such_column"], "no_such_column"),
        (["--name", "Bad Name!"], "cannot name a dataset"),
        (["--project", "no-such-project"], "no project 'no-such-project'"),
    ],
)
def test_import_refuses_bad_options_before_any_work(
    ws: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    args = ["data", "import", ws, ws / "samples" / "churn_customers.csv", "--name", "churn"]
    assert cli(*args, *argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and says in err
    no_half_import(ws)


@pytest.mark.parametrize(
    ("content", "says"), [(None, "does not exist"), (b"", "empty"), (b"a,b\n", "no rows")]
)
def test_import_of_a_missing_or_empty_file_names_it(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, says: str
) -> None:
    path = tmp_path / "my exports" / "données.csv"
    if content is not None:
        path.parent.mkdir()
        path.write_bytes(content)
    assert cli("data", "import", ws, path, "--name", "x") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "données.csv" in err and says in err
    assert "Traceback" not in err
    no_half_import(ws)


def test_ragged_rows_are_refused_or_skipped_with_a_report(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CSV that once imported as 3 rows x 4 columns, header and two rows gone, exit 0."""
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,13\n", newline="")
    assert cli("data", "import", ws, path, "--name", "ragged") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "ragged.csv" in err and "Traceback" not in err
    assert "3 rows do not have as many fields as the header (the header has 3)" in err
    for line in ("line 3 has 2 fields", "line 4 has 4 fields", "line 5 has 4 fields"):
        assert line in err
    assert "--skip-bad-rows" in err
    no_half_import(ws)

    assert cli("data", "preview", path, "--skip-bad-rows") == 0
    capsys.readouterr()
    assert cli("data", "import", ws, path, "--name", "ragged", "--skip-bad-rows") == 0
    out = capsys.readouterr().out
    assert "Imported ragged@v1: 1 rows × 3 columns" in out
    assert "note: 3 rows do not have as many fields as the header" in out
    meta = version_json(ws, "ragged")
    assert meta["rows"] == 1 and [c["name"] for c in meta["schema"]] == ["a", "b", "c"]
    assert meta["skipped_rows"]["count"] == 3
    assert [e["line"] for e in meta["skipped_rows"]["examples"]] == [3, 4, 5]
    assert meta["skipped_rows"]["examples"][0]["text"] == "4,5"
    assert meta["options"]["skip_bad_rows"] is True

    assert cli("data", "list", ws) == 0
    out = capsys.readouterr().out
    assert "note: ragged@v1 left out 3 rows of its file that did not fit the header" in out
    assert "(lines 3, 4, 5)" in out
    assert cli("data", "list", ws, "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    (ragged,) = [d for d in listed if d["name"] == "ragged"]
    assert ragged["versions"][0]["skipped_rows"] == 3


def test_malformed_ndjson_line_is_refused_with_its_number(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.ndjson"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3, b}\n{"a": 4}\n', newline="")
    assert cli("data", "import", ws, path, "--name", "events") == 2
    err = capsys.readouterr().err
    assert "events.ndjson" in err and "line 3 is not valid JSON" in err
    assert "Traceback" not in err
    no_half_import(ws)


def test_ctrl_c_cancels_the_import_and_leaves_no_trace(
    ws: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+C (a KeyboardInterrupt on the main thread) while the import runs."""
    from shipyard.core.data import importer
    from shipyard.core.jobs import JobControl

    cancelled = threading.Event()
    real_cancel, real_plan = JobControl.cancel, importer.plan_read

    def cancel(self: JobControl) -> None:
        real_cancel(self)
        cancelled.set()

    def slow_plan(*args, **kwargs):  # type: ignore[no-untyped-def]
        _thread.interrupt_main()  # what Ctrl+C does, aimed at the waiting main thread
        assert cancelled.wait(10)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(JobControl, "cancel", cancel)
    monkeypatch.setattr(importer, "plan_read", slow_plan)
    sample = ws / "samples" / "churn_customers.csv"
    assert cli("data", "import", ws, sample, "--name", "churn", "--project", "churn-risk") == 130
    captured = capsys.readouterr()
    assert "cancelled: nothing was imported" in captured.err
    assert captured.out == ""
    no_half_import(ws)
    assert not (ws / "projects" / "churn-risk" / "data.yaml").exists()


def test_progress_line_only_on_a_terminal(
    ws: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = ws / "samples" / "store_daily_sales.csv"
    assert cli("data", "import", ws, sample, "--name", "sales") == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli("data", "import", ws, ws / "samples" / "card_transactions.csv") == 0
    captured = capsys.readouterr()
    assert "\r" in captured.err and "%  Reading card_transactions.csv" in captured.err
    assert captured.out.startswith("Imported card_transactions@v1")  # name from the file


def test_import_with_project_links_the_version(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = ws / "samples" / "inbound_leads.csv"
    assert cli("data", "import", ws, sample, "--name", "leads", "--project", "lead-scoring") == 0
    assert "Linked leads@v1 to project lead-scoring (training)" in capsys.readouterr().out
    assert "leads@v1" in (ws / "projects" / "lead-scoring" / "data.yaml").read_text()
    assert audit_actions(ws) == ["dataset.import", "project.data.link"]

    assert cli("data", "list", ws) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("leads@v1"))
    assert line.rstrip().endswith("lead-scoring")
    assert cli("data", "list", ws, "--json") == 0
    (dataset,) = json.loads(capsys.readouterr().out)
    assert dataset["versions"][0]["projects"] == ["lead-scoring"]


# -- preview and list ---------------------------------------------------------------------
def test_preview_shows_types_and_first_rows(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = ws / "samples" / "churn_customers.csv"
    assert cli("data", "preview", sample, "--rows", "3", "--exclude", "email") == 0
    out = capsys.readouterr().out
    assert "CSV, UTF-8" in out and "15 columns:" in out and "first 3 rows:" in out
    types = dict(
        line.split()[:2] for line in out.split("15 columns:")[1].split("first")[0].splitlines()[3:]
        if line.strip()
    )  # fmt: skip
    assert types["signup_date"] == "DATE" and types["seats"] == "BIGINT"
    assert types["monthly_spend"] == "DOUBLE" and types["churned"] == "BOOLEAN"
    assert "email" not in types
    assert "C-10001" in out and "C-10003" in out and "C-10004" not in out
    assert not (ws / "datasets").exists()  # a preview writes nothing


def test_preview_of_a_text_sample_keeps_long_text_on_one_line(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("data", "preview", ws / "samples" / "support_ticket_text.csv") == 0
    out = capsys.readouterr().out
    rows = out.split("first 10 rows:")[1].strip().splitlines()
    assert len(rows) == 2 + 10 and "…" in out


def test_list_text_and_json(churn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = churn
    sql = "SELECT plan, count(*) AS n FROM churn GROUP BY plan"
    assert cli("data", "query", ws, sql, "--save", "plans") == 0
    capsys.readouterr()
    assert cli("data", "list", ws) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == [
        "version", "rows", "cols", "created", "(UTC)", "source", "projects"
    ]  # fmt: skip
    assert "churn@v1" in out and "3,000" in out and "churn_customers.csv" in out
    assert "plans@v1" in out and "SQL over churn@v1" in out
    assert cli("data", "list", ws, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in data] == ["churn", "plans"]
    v = data[0]["versions"][0]
    assert (v["ref"], v["rows"], v["columns"], v["projects"]) == ("churn@v1", 3000, 16, [])
    assert v["source"].endswith("churn_customers.csv") and v["created"].endswith("Z")
    assert data[1]["versions"][0]["sql"] == sql
    assert data[1]["versions"][0]["parents"] == ["churn@v1"]


def test_list_of_an_empty_workspace(blank_ws, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli("data", "list", blank_ws.root) == 0
    assert "No datasets yet" in capsys.readouterr().out
    assert cli("data", "list", blank_ws.root, "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


# -- profile, PII, drift ------------------------------------------------------------------
def test_profile_text_and_json(churn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("data", "profile", churn, "churn@v1", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ref"] == "churn@v1" and data["rows"] == 3000
    cols = {c["name"]: c for c in data["columns"]}
    assert len(cols) == 16
    assert cols["seats"]["kind"] == "numeric" and cols["seats"]["min"] == 1
    assert 0.3 < cols["nps"]["null_share"] < 0.4
    assert {t["value"] for t in cols["plan"]["top_values"]} == {
        "free",
        "basic",
        "pro",
        "enterprise",
    }
    assert cols["customer_id"]["distinct"] == 3000

    assert cli("data", "profile", churn, "churn") == 0  # name alone: the latest version
    out = capsys.readouterr().out
    seats = next(line for line in out.splitlines() if line.startswith("seats"))
    assert seats.split()[:5] == ["seats", "BIGINT", "0.0%", "158", "1"]
    assert "basic (35.0%)" in out


@pytest.mark.parametrize(
    ("sample", "name"), [("churn_customers.csv", "churn"), ("inbound_leads.csv", "leads")]
)
def test_pii_finds_emails_and_phones_with_masked_examples(
    ws: Path, capsys: pytest.CaptureFixture[str], sample: str, name: str
) -> None:
    assert cli("data", "import", ws, ws / "samples" / sample, "--name", name) == 0
    capsys.readouterr()
    assert cli("data", "pii", ws, name, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    found = {(f["column"], f["kind"]): f for f in report["findings"]}
    assert {("email", "email"), ("phone", "phone")} <= set(found)
    raw = (ws / "samples" / sample).read_text()
    for finding in found.values():
        assert "*" in finding["example"] and finding["example"] not in raw
        assert 0 < finding["share"] <= 1
    assert (ws / "datasets" / name / "v1" / "pii.json").is_file()  # stored for the gates

    assert cli("data", "pii", ws, name) == 0  # the stored findings, as a table
    out = capsys.readouterr().out
    assert "email address" in out and "phone number" in out
    assert found[("email", "email")]["example"] in out


def test_pii_on_a_sample_without_personal_data(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = ws / "samples" / "store_daily_sales.csv"
    assert cli("data", "import", ws, sample, "--name", "sales") == 0
    capsys.readouterr()
    assert cli("data", "pii", ws, "sales@v1") == 0
    assert "0 personal-data findings" in capsys.readouterr().out


def test_drift_between_versions(
    churn: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(i: int, row: dict[str, str]) -> None:
        row["monthly_spend"] = f"{float(row['monthly_spend']) * 3 + 100:.2f}"
        if i % 2:
            row["plan"] = "enterprise"

    changed = modified_churn(tmp_path, churn, change)
    assert cli("data", "import", churn, changed, "--name", "churn") == 0
    assert "churn@v2" in capsys.readouterr().out
    assert cli("data", "drift", churn, "churn@v1", "churn@v2", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    cols = {c["column"]: c for c in report["columns"]}
    assert cols["monthly_spend"]["severity"] == "major"
    assert cols["monthly_spend"]["ks_pvalue"] < 1e-6
    assert cols["plan"]["severity"] == "major" and cols["plan"]["ks_pvalue"] is None
    assert cols["seats"]["severity"] == "none" and cols["seats"]["psi"] < 1e-9
    assert "customer_id" in report["skipped"]  # identifier-like

    assert cli("data", "drift", churn, "churn@v1", "churn@v2") == 0
    out = capsys.readouterr().out
    assert "worst severity major" in out
    line = next(x for x in out.splitlines() if x.startswith("monthly_spend"))
    assert line.split()[1] == "numeric" and line.split()[-1] == "major"


# -- query --------------------------------------------------------------------------------
def test_query_prints_a_table_and_saves_with_lineage(
    churn: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = "SELECT plan, count(*) AS n FROM churn GROUP BY plan ORDER BY plan"
    assert cli("data", "query", churn, sql) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["plan", "n"]
    assert lines[2].split() == ["basic", "1050"] and lines[-1].startswith("(4 rows;")
    assert not (churn / "datasets" / "plan_counts").exists()

    assert cli("data", "query", churn, sql, "--limit", "2", "--save", "plan_counts") == 0
    out = capsys.readouterr().out
    assert "(2 rows, more than 2" in out
    assert "Saved the result as plan_counts@v1: 4 rows × 2 columns" in out
    lineage = version_json(churn, "plan_counts")["lineage"]
    assert lineage["kind"] == "sql" and lineage["sql"] == sql
    assert [p["ref"] for p in lineage["parents"]] == ["churn@v1"]
    assert audit_actions(churn)[-1] == "dataset.save_query"

    assert cli("data", "query", churn, 'SELECT count(*) AS n FROM "plan_counts@v1"') == 0
    assert capsys.readouterr().out.splitlines()[2].strip() == "4"


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE churn",
        "INSERT INTO churn (customer_id) VALUES ('x')",
        "SELECT 1; DROP TABLE churn",
        "COPY churn TO 'out.csv'",
    ],
)
def test_query_refuses_anything_but_one_select(
    churn: Path, capsys: pytest.CaptureFixture[str], sql: str
) -> None:
    before = audit_actions(churn)
    assert cli("data", "query", churn, sql, "--save", "evil") == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and "--save NAME" in captured.err
    assert captured.out == ""
    assert not (churn / "datasets" / "evil").exists() and audit_actions(churn) == before


def test_query_errors_are_clear(churn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("data", "query", churn, "SELECT * FROM nope") == 2
    assert "the query failed" in capsys.readouterr().err
    assert cli("data", "query", churn, "SELECT * FROM read_csv('/etc/hostname')") == 2
    assert "error: " in capsys.readouterr().err


# -- split --------------------------------------------------------------------------------
def test_split_is_stored_reproducible_and_stratified(
    churn: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["data", "split", churn, "churn", "--target", "churned", "--json"]
    assert cli(*args) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["train_rows"], first["holdout_rows"], first["reused"]) == (2400, 600, False)
    assert first["strata"] == {
        "false": {"train": 2012, "holdout": 503},
        "true": {"train": 388, "holdout": 97},
    }
    assert cli(*args) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["reused"] is True
    assert {k: second[k] for k in ("train_rows", "holdout_rows", "strata", "split_id")} == {
        k: first[k] for k in ("train_rows", "holdout_rows", "strata", "split_id")
    }
    # Made again from scratch, the same seed picks the same rows.
    split_file = Path(first["parquet"])
    rows_before = split_file.read_bytes()
    shutil.rmtree(split_file.parent)
    assert cli(*args) == 0
    assert json.loads(capsys.readouterr().out)["reused"] is False
    assert split_file.read_bytes() == rows_before

    assert cli("data", "split", churn, "churn@v1", "--target", "churned") == 0
    out = capsys.readouterr().out
    assert "reused the stored split" in out and "stratified by churned" in out
    assert "train       2,400" in out and "holdout       600" in out
    balance = next(x for x in out.splitlines() if x.strip().startswith("true"))
    assert balance.split() == ["true", "388", "16.2%", "97", "16.2%"]


def test_split_of_a_regression_sample(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = ws / "samples" / "store_daily_sales.csv"
    assert cli("data", "import", ws, sample, "--name", "sales") == 0
    capsys.readouterr()
    assert cli("data", "split", ws, "sales", "--holdout", "0.25", "--seed", "7") == 0
    out = capsys.readouterr().out
    assert "not stratified" in out and "3,285" in out and "1,095" in out
    assert cli("data", "split", ws, "sales", "--target", "price") == 2  # a float: no strata
    assert "stratified by a category" in capsys.readouterr().err
    assert cli("data", "split", ws, "sales", "--holdout", "1.5") == 2
    assert "between 0 and 1" in capsys.readouterr().err


# -- contract -----------------------------------------------------------------------------
def test_contract_infer_and_check(
    churn: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = churn
    contract = ws / "projects" / "churn-risk" / "data_contract.yaml"
    assert cli("data", "contract", "check", ws, "churn-risk", "churn") == 2
    assert "contract infer" in capsys.readouterr().err

    assert cli("data", "contract", "infer", ws, "churn-risk", "churn@v1") == 0
    assert str(contract) in capsys.readouterr().out
    assert "max: 352" in contract.read_text()
    assert audit_actions(ws)[-1] == "project.data_contract.save"

    assert cli("data", "contract", "check", ws, "churn-risk", "churn@v1") == 0
    out = capsys.readouterr().out
    assert ", 0 failed" in out and "FAIL" not in out
    assert any(x.split()[:3] == ["ok", "seats", "max"] for x in out.splitlines())

    def out_of_range(i: int, row: dict[str, str]) -> None:
        if i == 7:
            row["seats"] = "99999"

    changed = modified_churn(tmp_path, ws, out_of_range)
    assert cli("data", "import", ws, changed, "--name", "churn") == 0
    capsys.readouterr()
    assert cli("data", "contract", "check", ws, "churn-risk", "churn") == 1  # the latest: v2
    out = capsys.readouterr().out
    assert "churn@v2" in out and ", 1 failed" in out
    failed = [x.split() for x in out.splitlines() if x.startswith("FAIL")]
    assert [f[:3] for f in failed] == [["FAIL", "seats", "max"]]
    assert "row 7: 99999" in out

    assert cli("data", "contract", "check", ws, "churn-risk", "churn@v2", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False
    bad = [r for r in report["results"] if not r["passed"]]
    assert [(r["column"], r["rule"], r["failing_rows"]) for r in bad] == [("seats", "max", 1)]

    edited = contract.read_text()
    assert cli("data", "contract", "infer", ws, "churn-risk", "churn@v2") == 2  # no overwrite
    assert "--force" in capsys.readouterr().err and contract.read_text() == edited
    assert cli("data", "contract", "infer", ws, "churn-risk", "churn@v2", "--force") == 0
    assert "max: 99999" in contract.read_text()


def test_unknown_refs_and_projects_are_clear(
    churn: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("data", "profile", churn, "nope") == 2
    assert "no dataset named 'nope'" in capsys.readouterr().err
    assert cli("data", "drift", churn, "churn@v1", "churn@v9") == 2
    assert "has no version v9" in capsys.readouterr().err
    assert cli("data", "contract", "infer", churn, "no-such-project", "churn") == 2
    assert "no project 'no-such-project'" in capsys.readouterr().err


def test_data_commands_do_not_import_qt() -> None:
    import shipyard.cli.data as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names
    }
    assert not {n for n in names if n.split(".")[0] in {"PySide6", "pyqtgraph", "shiboken6"}}
    assert not {n for n in names if n == "ui" or n.startswith(("ui.", "shipyard.ui"))}


def test_query_checks_the_save_name_first(churn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("data", "query", churn, "SELECT 1 AS a", "--save", "Not Valid") == 2
    captured = capsys.readouterr()
    assert "cannot name a dataset" in captured.err and captured.out == ""


def test_ctrl_c_during_a_query_exits_130(
    churn: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipyard.core.data import query
    from shipyard.core.jobs import JobControl

    real = query.run_interruptible

    def interrupted(con, sql, *args, job: JobControl, **kwargs):  # type: ignore[no-untyped-def]
        _thread.interrupt_main()
        # Generous: on a loaded machine the main thread may take seconds to get the signal.
        deadline = time.monotonic() + 10
        while not job.cancelled and time.monotonic() < deadline:
            threading.Event().wait(0.01)
        return real(con, sql, *args, job=job, **kwargs)

    monkeypatch.setattr(query, "run_interruptible", interrupted)
    assert cli("data", "query", churn, "SELECT * FROM churn") == 130
    captured = capsys.readouterr()
    assert "cancelling" in captured.err and captured.out == ""


# -- awkward column names -----------------------------------------------------------------
AWKWARD_HEADER = ["Customer ID", "b", "v", "n", "k", "r", "select", "€ spend", "a/b", "Churned?"]


def awkward_table(path: Path, rows: int = 40, *, churn_every: int = 3) -> Path:
    """A business table whose column names trip naive SQL: aliases the queries could use,
    spaces, a keyword, '€', '/', '?'; missing values in v and n; a text label."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(AWKWARD_HEADER)
        for i in range(rows):
            out.writerow(
                [
                    f"C{i:04d}",
                    i % 4,
                    "" if i % 5 == 0 else round(i * 1.5, 1),
                    "" if i % 7 == 0 else ["north", "south", "east"][i % 3],
                    i % 2 == 0,
                    i * 3 % 11,
                    ["free", "pro"][i % 2],
                    i * 10,
                    f"x{i % 2}",
                    "churned" if i % churn_every == 0 else "stayed",
                ]
            )
    return path


def test_awkward_column_names_through_every_data_command(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = awkward_table(tmp_path / "customers.csv")
    second = awkward_table(tmp_path / "customers_next.csv", churn_every=2)
    assert cli("data", "preview", first) == 0
    assert "Customer ID" in capsys.readouterr().out
    assert cli("data", "import", ws, first, "--name", "customers") == 0
    assert cli("data", "import", ws, second, "--name", "customers") == 0
    assert "customers@v2" in capsys.readouterr().out
    assert version_json(ws, "customers")["rows"] == 40

    assert cli("data", "profile", ws, "customers@v1", "--json") == 0
    cols = {c["name"]: c for c in json.loads(capsys.readouterr().out)["columns"]}
    assert list(cols) == AWKWARD_HEADER
    assert (cols["v"]["nulls"], cols["n"]["nulls"], cols["r"]["nulls"]) == (8, 6, 0)
    assert {t["value"]: t["count"] for t in cols["n"]["top_values"]} == {
        "north": 12,
        "south": 11,
        "east": 11,
    }

    assert cli("data", "pii", ws, "customers@v1", "--json") == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []

    assert cli("data", "drift", ws, "customers@v1", "customers@v2", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    drift = {c["column"]: c for c in report["columns"]}
    assert drift["Churned?"]["psi"] > 0 and drift["v"]["psi"] < 1e-9
    assert drift["Customer ID"]["kind"] == "categorical"  # 40 ids: too few to look like ids
    assert drift["k"]["kind"] == "categorical" and drift["k"]["psi"] < 1e-9

    args = ["data", "split", ws, "customers@v1", "--target", "Churned?", "--json"]
    assert cli(*args) == 0
    split = json.loads(capsys.readouterr().out)
    assert (split["train_rows"], split["holdout_rows"]) == (32, 8)
    assert split["strata"] == {
        "churned": {"train": 11, "holdout": 3},
        "stayed": {"train": 21, "holdout": 5},
    }

    assert cli("data", "contract", "infer", ws, "churn-risk", "customers@v1") == 0
    capsys.readouterr()
    assert cli("data", "contract", "check", ws, "churn-risk", "customers@v1") == 0
    assert ", 0 failed" in capsys.readouterr().out

    sql = 'SELECT n, count(*) AS v, count("v") AS b FROM customers GROUP BY n ORDER BY n'
    assert cli("data", "query", ws, sql) == 0
    out = capsys.readouterr().out
    assert "north" in out and "Traceback" not in out
