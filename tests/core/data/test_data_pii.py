"""PII detectors with true and false positives, masking, and findings stored with a version."""

from __future__ import annotations

import json

import pytest

from shipyard.core.data import import_file, load_pii_report, pii_findings, scan_pii
from shipyard.core.data.pii_patterns import (
    KINDS,
    card_valid,
    first_valid,
    iban_valid,
    luhn_valid,
    mask_card,
    mask_email,
    mask_iban,
    ssn_valid,
)
from shipyard.core.data.pii_scan import pii_path

KIND = {k.kind: k for k in KINDS}


def found(kind: str, text: str) -> str | None:
    return first_valid(KIND[kind], text)


def test_luhn_and_cards():
    assert luhn_valid("4242424242424242")
    assert not luhn_valid("4242424242424241")
    assert card_valid("4242 4242 4242 4242")
    assert card_valid("5555-5555-5555-4444")
    assert card_valid("378282246310005")  # amex, 15 digits
    assert not card_valid("4242424242424241")  # fails Luhn
    assert not card_valid("1234567812345670")  # passes Luhn, but no card starts with 1
    assert found("card", "paid with 4111 1111 1111 1111 yesterday") == "4111 1111 1111 1111"
    assert found("card", "order 4111111111111112") is None


def test_iban():
    assert iban_valid("DE89 3704 0044 0532 0130 00")
    assert iban_valid("GB82WEST12345698765432")
    assert not iban_valid("DE89 3704 0044 0532 0130 01")  # mod-97 fails
    assert not iban_valid("DE89370400440532013")  # wrong length for DE
    assert not iban_valid("ZZ89370400440532013000")  # unknown country
    assert (
        found("iban", "refund to DE89 3704 0044 0532 0130 00 please")
        == "DE89 3704 0044 0532 0130 00"
    )


def test_ssn_ranges():
    assert ssn_valid("123-45-6789")
    for bad in ("000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000"):
        assert not ssn_valid(bad), bad
    assert found("ssn", "SSN 219-09-9999 on file") == "219-09-9999"
    assert found("ssn", "2026-01-05") is None


@pytest.mark.parametrize(
    "text",
    [
        "+1-305-555-0188",
        "call +44 20 7946 0958",
        "(415) 555-0121",
        "06 12 34 56 78",
        "+49 30 1234567",
    ],
)
def test_phone_true_positives(text):
    assert found("phone", text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "ORD-2024-000123",  # an order id
        "ORD-555-123-4567",  # an order id shaped like a phone after a dash
        "2026-01-05",  # a date
        "2026-01-05T10:30:00",
        "track order 48213",
        "1234567890",  # bare digits: an id, not a phone
        "v1.2.3",
        "INV-400001",
    ],
)
def test_phone_false_positives(text):
    assert found("phone", text) is None


def test_email_and_ip():
    assert (
        found("email", "write to anna.smith+x@mail.example.co.uk now")
        == "anna.smith+x@mail.example.co.uk"
    )
    assert found("email", "user at example dot com") is None
    assert found("email", "@handle") is None
    assert found("ipv4", "from 192.168.1.20 at noon") == "192.168.1.20"
    assert found("ipv4", "999.1.1.1") is None
    assert found("ipv4", "version 1.2.3.4.5") is None
    assert found("ipv6", "host 2001:db8::8a2e:370:7334 up") == "2001:db8::8a2e:370:7334"
    assert found("ipv6", "at 12:30:45") is None


def test_masks():
    assert mask_email("maria58@example.com") == "m***@example.com"
    assert mask_card("4242 4242 4242 4242") == "**** **** **** 4242"
    assert mask_card("378282246310005") == "**** **** ***0 005"
    assert mask_iban("DE89 3704 0044 0532 0130 00").startswith("DE**")
    assert mask_iban("DE89370400440532013000").replace(" ", "").endswith("3000")
    assert KIND["phone"].mask("+1-305-555-0188") == "+*-***-***-0188"
    assert KIND["ssn"].mask("123-45-6789") == "***-**-6789"
    assert KIND["ipv4"].mask("192.168.1.20") == "192.168.*.*"


def test_scan_finds_real_columns_and_not_lookalikes(ws, write):
    rows = ["id,email,phone,card,order_no,note,ip,iban,ssn,amount"]
    for i in range(200):
        rows.append(
            ",".join(
                [
                    str(i),
                    f"user{i}@example.com",
                    f"+1-212-555-{i:04d}",
                    "4242 4242 4242 4242" if i % 2 else "5555 5555 5555 4444",
                    f"{1000000000000000 + i * 7919}",  # 16-digit order numbers
                    "call me" if i % 4 else f"mail me at x{i}@example.org",
                    f"10.0.{i % 250}.{i % 7}",
                    "GB82 WEST 1234 5698 7654 32",
                    "123-45-6789" if i < 10 else "",
                    f"{i}.50",
                ]
            )
        )
    version = import_file(ws, write("people.csv", "\n".join(rows) + "\n"), "people", user="ann")
    report = scan_pii(version)
    by_column = {(f.column, f.kind): f for f in report.findings}
    assert set(by_column) == {
        ("email", "email"),
        ("phone", "phone"),
        ("card", "card"),
        ("note", "email"),
        ("ip", "ipv4"),
        ("iban", "iban"),
        ("ssn", "ssn"),
    }
    assert by_column[("email", "email")].share == 1.0
    assert by_column[("note", "email")].share == pytest.approx(0.25)
    assert by_column[("ssn", "ssn")].matching_rows == 10
    assert by_column[("card", "card")].example in {"**** **** **** 4242", "**** **** **** 4444"}
    assert by_column[("email", "email")].example.endswith("***@example.com")
    assert by_column[("phone", "phone")].example.startswith("+*-***-***-")
    assert all("4242 4242 4242" not in f.example for f in report.findings)
    assert not report.sampled and report.scanned_rows == 200


def test_card_shaped_ids_failing_luhn_are_not_cards(ws, write):
    # 16-digit ids that start like Visa numbers: about one in ten passes Luhn by chance
    ids = [f"4{i:015d}" for i in range(1000, 1300)]
    assert 0 < sum(card_valid(x) for x in ids) < 60
    version = import_file(
        ws,
        write("ids.csv", "ref\n" + "\n".join(ids) + "\n"),
        "ids",
        user="ann",
        type_overrides={"ref": "VARCHAR"},
    )
    assert scan_pii(version).findings == ()
    as_numbers = import_file(
        ws, write("ids2.csv", "ref\n" + "\n".join(ids) + "\n"), "ids2", user="ann"
    )
    assert as_numbers.types["ref"] == "BIGINT"
    assert scan_pii(as_numbers).findings == ()


def test_cards_stored_as_numbers_are_found(ws, write):
    cards = ["4242424242424242", "5555555555554444", "4000056655665556"] * 10
    version = import_file(
        ws, write("c.csv", "pan\n" + "\n".join(cards) + "\n"), "cards", user="ann"
    )
    assert version.types["pan"] == "BIGINT"
    assert [(f.column, f.kind) for f in scan_pii(version).findings] == [("pan", "card")]


def test_demo_samples(ws, samples):
    churn = import_file(ws, samples / "churn_customers.csv", "churn", user="ann")
    kinds = {(f.column, f.kind) for f in pii_findings(churn)}
    assert kinds == {("email", "email"), ("phone", "phone")}
    tickets = import_file(ws, samples / "support_ticket_text.csv", "tickets", user="ann")
    assert {f.kind for f in pii_findings(tickets)} <= {"email", "phone"}
    queries = import_file(ws, samples / "search_queries.csv", "queries", user="ann")
    assert pii_findings(queries) == []  # "track order 48213" is not a phone


def test_findings_are_stored_with_the_version(ws, samples):
    version = import_file(ws, samples / "inbound_leads.csv", "leads", user="ann")
    assert load_pii_report(version) is None
    assert pii_findings(version, scan_if_missing=False) == []
    findings = pii_findings(version)  # scans and stores
    stored = json.loads(pii_path(version).read_text(encoding="utf-8"))
    assert stored["fingerprint"] == version.fingerprint
    assert len(stored["findings"]) == len(findings) > 0
    assert load_pii_report(version).findings == tuple(findings)
    assert pii_findings(version, scan_if_missing=False) == findings


def test_large_versions_are_sampled_evenly(ws, tmp_path):
    import duckdb

    path = tmp_path / "many.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT range AS id, 'u' || range || '@example.com' AS email FROM range(50000)) "
        f"TO '{path}' (FORMAT parquet)"
    )
    version = import_file(ws, path, "many", user="ann")
    report = scan_pii(version, sample_rows=10_000)
    assert report.sampled and report.scanned_rows == 10_000
    assert report.findings[0].share == 1.0
    assert scan_pii(version, sample_rows=10_000).findings == report.findings
