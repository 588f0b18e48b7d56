"""The read-only SQL box, saving a result as a version, and paging for the table view."""

from __future__ import annotations

import time

import duckdb
import pytest

from shipyard.core.data import (
    QueryRefused,
    VersionReader,
    check_read_only,
    import_file,
    open_relation,
    run_query,
    save_query_result,
)
from shipyard.core.data.version_reader import browse_cache_path


@pytest.fixture
def orders(ws, write):
    rows = "".join(f"{i},{['DE', 'FR', 'US'][i % 3]},{(i * 37) % 101}\n" for i in range(1000))
    v1 = import_file(ws, write("a.csv", "id,country,amount\n1,DE,5\n"), "orders", user="ann")
    v2 = import_file(ws, write("b.csv", "id,country,amount\n" + rows), "orders", user="ann")
    return v1, v2


def test_query_views_latest_and_versions(ws, orders):
    result = run_query(ws, "SELECT count(*) AS n FROM orders")
    assert result.columns == ("n",) and result.rows == ((1000,),)
    assert result.sources == ("orders",)
    old = run_query(ws, 'SELECT * FROM "orders@v1"')
    assert old.rows == ((1, "DE", 5),)
    assert old.types == ("BIGINT", "VARCHAR", "BIGINT")
    assert old.sources == ("orders@v1",)
    with_cte = run_query(
        ws,
        "WITH t AS (SELECT country, sum(amount) s FROM orders GROUP BY ALL) "
        "SELECT * FROM t ORDER BY country;",
    )
    assert [r[0] for r in with_cte.rows] == ["DE", "FR", "US"]


def test_query_limit_and_truncation(ws, orders):
    result = run_query(ws, "SELECT * FROM orders ORDER BY id", limit=10)
    assert len(result.rows) == 10 and result.truncated
    assert not run_query(ws, "SELECT * FROM orders", limit=5000).truncated


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("INSERT INTO orders VALUES (1, 'DE', 1)", "INSERT"),
        ("DROP VIEW orders", "DROP"),
        ("COPY orders TO '/tmp/stolen.csv'", "COPY"),
        ("COPY (SELECT 1) TO 'x.parquet'", "COPY"),
        ("ATTACH '/tmp/other.duckdb' AS o", "ATTACH"),
        ("PRAGMA version", "PRAGMA"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("SET threads = 1", "SET"),
        ("EXPORT DATABASE '/tmp/x'", "EXPORT"),
        ("INSTALL httpfs", "LOAD"),
        ("UPDATE orders SET amount = 0", "UPDATE"),
    ],
)
def test_query_refuses_anything_but_select(ws, orders, sql, kind):
    with pytest.raises(QueryRefused, match="read-only") as err:
        run_query(ws, sql)
    assert kind in err.value.message
    assert "SELECT" in err.value.fix


def test_query_refuses_two_statements_and_hidden_tricks(ws, orders, tmp_path):
    with pytest.raises(QueryRefused, match="2 statements"):
        run_query(ws, "SELECT 1; DROP VIEW orders")
    with pytest.raises(QueryRefused, match="cannot parse"):
        run_query(ws, "SELEKT 1")
    with pytest.raises(QueryRefused, match="empty"):
        check_read_only("  ")
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(QueryRefused, match="Permission"):
        run_query(ws, f"SELECT * FROM read_csv('{secret}')")
    with pytest.raises(QueryRefused, match="does not exist"):
        run_query(ws, "SELECT * FROM nope")
    # the views are still there and unchanged
    assert run_query(ws, "SELECT count(*) FROM orders").rows == ((1000,),)


def test_save_query_result_as_a_version_with_sql_lineage(ws, orders):
    _, v2 = orders
    sql = "SELECT country, sum(amount) AS total FROM orders GROUP BY country ORDER BY country"
    saved = save_query_result(ws, sql, "totals", user="ann")
    assert saved.ref == "totals@v1"
    assert saved.lineage.kind == "sql" and saved.lineage.sql == sql
    assert [p.ref for p in saved.lineage.parents] == ["orders@v2"]
    assert saved.lineage.parents[0].fingerprint == v2.fingerprint
    assert open_relation(saved).fetchall()[0][0] == "DE"
    assert ws.audit.entries()[-1]["action"] == "dataset.save_query"
    # identical result: the same version
    assert save_query_result(ws, sql, "totals", user="bob") == saved
    with pytest.raises(QueryRefused, match="no rows"):
        save_query_result(ws, "SELECT * FROM orders WHERE id < 0", "empty", user="ann")
    assert not (ws.root / "datasets" / "empty").exists()
    with pytest.raises(QueryRefused, match="read-only"):
        save_query_result(ws, "DELETE FROM orders", "x", user="ann")


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    """A 1,000,000-row version, built once for the paging tests."""
    from shipyard.core.workspace.workspace import Workspace

    root = tmp_path_factory.mktemp("million")
    path = root / "million.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT range AS id, (range * 7919) % 1000003 AS score, "
        f"['DE', 'FR', 'US', 'JP'][range % 4 + 1] AS country, 'row ' || range AS label "
        f"FROM range(1000000)) TO '{path}' (FORMAT parquet)"
    )
    ws = Workspace.create(root / "ws")
    return import_file(ws, path, "million", user="ann")


def test_paging_a_million_rows_is_fast(million):
    with VersionReader(million) as reader:
        assert browse_cache_path(million).is_file()
        assert reader.columns == ["id", "score", "country", "label"]
        assert reader.types == ["BIGINT", "BIGINT", "VARCHAR", "VARCHAR"]
        assert reader.count() == 1_000_000
        assert reader.page(0, 3)[0] == (0, 0, "DE", "row 0")
        assert [r[0] for r in reader.page(999_998, 200)] == [999_998, 999_999]
        timings = []
        for offset in (500_000, 10, 999_000, 250_123, 750_000):
            started = time.perf_counter()
            page = reader.page(offset, 200)
            timings.append(time.perf_counter() - started)
            assert [r[0] for r in page] == list(range(offset, offset + 200))
        assert sorted(timings)[2] < 0.05, timings  # a few ms; generous for loaded CI


def test_sorted_and_filtered_pages(million):
    with VersionReader(million) as reader:
        top = reader.page(0, 5, order_by="score", descending=True)
        expected = open_relation(million).order("score DESC, id").limit(5).fetchall()
        assert top == expected
        middle = reader.page(400_000, 3, order_by="score")
        assert (
            middle == open_relation(million).order("score, id").limit(3, offset=400_000).fetchall()
        )
        where = "country = 'JP' AND score > 500000"
        n = reader.count(where)
        assert n == open_relation(million).filter(where).aggregate("count(*)").fetchall()[0][0]
        rows = reader.page(0, 10, where=where)
        assert all(r[2] == "JP" and r[1] > 500000 for r in rows)
        assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # file order kept
        started = time.perf_counter()
        reader.page(n - 5, 200, where=where)
        assert time.perf_counter() - started < 0.2
        both = reader.page(0, 3, order_by="id", descending=True, where="country = 'FR'")
        assert [r[0] for r in both] == [999_997, 999_993, 999_989]


def test_pages_keep_coming_while_a_sort_is_built_on_a_worker(million):
    import threading

    from shipyard.core.data import version_reader

    with VersionReader(million) as reader:
        built: list[int] = []
        worker = threading.Thread(target=lambda: built.append(reader.prepare("label")))
        worker.start()
        pages = 0
        while worker.is_alive() or pages == 0:
            assert reader.page(1000, 50)[0][0] == 1000
            pages += 1
        worker.join()
        assert built == [1_000_000]
        assert reader.page(0, 2, order_by="label") == [
            (0, 0, "DE", "row 0"),
            (1, 7919, "FR", "row 1"),
        ]
        # only the most recent sorts are kept
        for column in ("id", "score", "country", "label"):
            reader.prepare(column, descending=True, where="id < 1000")
        kept = [k for k in reader._views if k != version_reader.PLAIN]
        assert len(kept) == version_reader.KEEP_VIEWS


def test_a_trailing_line_comment_runs_and_saves(ws, orders):
    sql = "SELECT country, count(*) AS n FROM orders GROUP BY country ORDER BY country -- by land"
    result = run_query(ws, sql, limit=2)
    assert result.rows == (("DE", 334), ("FR", 333)) and result.truncated
    assert result.columns == ("country", "n")
    assert run_query(ws, "SELECT 1 AS a -- one").rows == ((1,),)
    saved = save_query_result(ws, sql, "by_country", user="ann")
    assert open_relation(saved).fetchall() == [("DE", 334), ("FR", 333), ("US", 333)]
    assert saved.lineage.sql == sql
    assert open_relation(
        save_query_result(ws, "SELECT 1 AS a -- one", "one", user="ann")
    ).fetchall() == [(1,)]


def test_reader_filter_may_end_in_a_line_comment(million):
    with VersionReader(million) as reader:
        assert reader.count("id < 10 -- the first ten") == reader.count("id < 10")


def test_reader_refuses_injection_and_unknown_columns(million):
    with VersionReader(million) as reader:
        for bad in (
            "1=1) UNION SELECT 1, 2, 'x', 'y' --",
            "1=1) UNION SELECT 1, 2, 'x', 'y' FROM __t WHERE (1=1",
            "1=1; DROP TABLE x",
        ):
            with pytest.raises(QueryRefused):
                reader.count(bad)
        with pytest.raises(QueryRefused, match="no column named 'nope'"):
            reader.page(0, 10, order_by="nope")
        with pytest.raises(QueryRefused):
            reader.count("length((SELECT content FROM read_text('/etc/passwd'))) > 0")
        with pytest.raises(QueryRefused):
            reader.count("no_such_column > 1")
