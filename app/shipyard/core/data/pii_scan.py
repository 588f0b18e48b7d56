"""Scanning a version for personal data and storing the findings with it (`pii.json`).

Rows: all of them up to `sample_rows`, else DuckDB's seeded reservoir sample of that many
rows (core/data/sampling.py: the same rows every time; the report says so). Columns: text columns for every kind; integer columns for
card numbers (a card stored as a number). In DuckDB, each kind's RE2 pattern picks the
candidate rows; Python then checks each distinct candidate value (Luhn, mod-97, ranges)
and masks an example. A checksum kind (card, IBAN) is reported for a column only when most
of its candidates pass the checksum: 16-digit order ids pass Luhn one time in ten, real
card numbers always do.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.data.dataset_version import DatasetVersion
from shipyard.core.data.pii_patterns import KINDS, PiiKind, candidates
from shipyard.core.data.sampling import sample_phrase, sample_table
from shipyard.core.jobs import JobControl
from shipyard.core.sql.duck import connect
from shipyard.core.sql.sql_text import is_integer, is_string, quote_ident, quote_literal
from shipyard.core.workspace.atomic import atomic_write_text
from shipyard.core.workspace.layout import PII_FILE

if TYPE_CHECKING:
    import duckdb

PII_FORMAT = 1
DEFAULT_SAMPLE_ROWS = 100_000
CHECKSUM_PASS_SHARE = 0.5
MAX_DISTINCT = 200_000  # distinct candidate values checked per column and kind


@dataclass(frozen=True)
class PiiFinding:
    column: str
    kind: str  # email | phone | card | iban | ipv4 | ipv6 | ssn
    label: str
    matching_rows: int  # scanned rows holding at least one valid value of this kind
    scanned_rows: int
    share: float  # matching_rows / scanned_rows
    example: str  # masked


@dataclass(frozen=True)
class PiiReport:
    ref: str
    fingerprint: str
    total_rows: int
    scanned_rows: int
    sampled: bool
    findings: tuple[PiiFinding, ...]
    scanned_at: str
    # {rows, of, method, seed} of the sample scanned; None when every row was (or for a
    # report stored before the sample was recorded).
    sample: dict[str, Any] | None = None

    @property
    def scope(self) -> str:
        """ "scanned a sample of 100,000 of 20,000,000 rows, seed 42" or "scanned all 200 rows"."""
        if self.sampled and self.sample is None:
            return f"scanned a sample of {self.scanned_rows:,} of {self.total_rows:,} rows"
        return sample_phrase(self.sample, "scanned", self.total_rows)

    @property
    def columns(self) -> list[str]:
        return sorted({f.column for f in self.findings})

    def to_json(self) -> dict[str, object]:
        return {"format": PII_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PiiReport:
        return cls(
            ref=data["ref"],
            fingerprint=data["fingerprint"],
            total_rows=data["total_rows"],
            scanned_rows=data["scanned_rows"],
            sampled=data["sampled"],
            findings=tuple(PiiFinding(**f) for f in data["findings"]),
            scanned_at=data["scanned_at"],
            sample=data.get("sample"),
        )


def pii_path(version: DatasetVersion) -> Path:
    return version.folder / PII_FILE


def scan_pii(
    version: DatasetVersion,
    *,
    sample_rows: int | None = None,
    job: JobControl | None = None,
) -> PiiReport:
    """Scan `version`, store the report as `pii.json` next to it, and return it. More than
    `sample_rows` rows (default `DEFAULT_SAMPLE_ROWS`): a seeded sample of that many."""
    sample_rows = DEFAULT_SAMPLE_ROWS if sample_rows is None else sample_rows
    sample: dict[str, Any] | None = None
    text_cols = [c.name for c in version.schema if is_string(c.type)]
    int_cols = [c.name for c in version.schema if is_integer(c.type)]
    findings: list[PiiFinding] = []
    con = connect()
    try:
        columns = [*text_cols, *int_cols]
        if columns:
            select = ", ".join(
                quote_ident(c)
                if c in text_cols
                else f"{quote_ident(c)}::VARCHAR AS {quote_ident(c)}"
                for c in columns
            )
            sample = sample_table(con, "s", version, select=select, rows=max(sample_rows, 1))
        counted = con.execute("SELECT count(*) FROM s").fetchone() if columns else (0,)
        scanned = int(counted[0]) if counted else 0
        for i, column in enumerate(columns):
            if job is not None:
                job.progress(i / max(len(columns), 1), f"Scanning {column} for personal data")
            kinds = KINDS if column in text_cols else [k for k in KINDS if k.kind == "card"]
            for kind in kinds:
                finding = _scan_column(con, column, kind, scanned)
                if finding is not None:
                    findings.append(finding)
    finally:
        con.close()
    report = PiiReport(
        ref=version.ref,
        fingerprint=version.fingerprint,
        total_rows=version.rows,
        scanned_rows=scanned,
        sampled=sample is not None,
        findings=tuple(findings),
        scanned_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        sample=sample,
    )
    atomic_write_text(pii_path(version), json.dumps(report.to_json(), indent=1) + "\n")
    if job is not None:
        job.progress(1.0, f"{len(findings)} personal-data findings")
    return report


def _scan_column(
    con: duckdb.DuckDBPyConnection, column: str, kind: PiiKind, scanned: int
) -> PiiFinding | None:
    c = quote_ident(column)
    rows = con.execute(
        f"SELECT {c}, count(*) FROM s "
        f"WHERE regexp_matches({c}, {quote_literal(kind.sql_pattern)}) "
        f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {MAX_DISTINCT}"
    ).fetchall()
    if not rows:
        return None
    matching = checked = passed = 0
    example: str | None = None
    for value, n in rows:
        found = candidates(kind, value)
        good = [x for x in found if kind.valid is None or kind.valid(x)]
        checked += len(found) * n
        passed += len(good) * n
        if good:
            matching += n
            example = example or good[0]
    if not matching or example is None:
        return None
    if kind.checksum and passed < CHECKSUM_PASS_SHARE * checked:
        return None  # numbers shaped like cards/IBANs that mostly fail the checksum: ids
    return PiiFinding(
        column=column,
        kind=kind.kind,
        label=kind.label,
        matching_rows=matching,
        scanned_rows=scanned,
        share=matching / scanned if scanned else 0.0,
        example=kind.mask(example),
    )


def load_pii_report(version: DatasetVersion) -> PiiReport | None:
    """The stored report if it belongs to this exact content, else None."""
    path = pii_path(version)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") == PII_FORMAT and data.get("fingerprint") == version.fingerprint:
            return PiiReport.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def pii_findings(version: DatasetVersion, *, scan_if_missing: bool = True) -> list[PiiFinding]:
    """The version's stored PII findings (scanning first if it was never scanned and
    `scan_if_missing`); [] when scanned clean. Gate checks read this."""
    report = load_pii_report(version)
    if report is None:
        if not scan_if_missing:
            return []
        report = scan_pii(version)
    return list(report.findings)
