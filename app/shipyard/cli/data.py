"""`shipyard data ...`: import, browse, profile, scan, compare, split and check datasets.

Headless faces over `shipyard.core.data`; registered by `shipyard.cli.commands.build_parser`. Like
the rest of the CLI it never imports Qt, and loads duckdb & co. only inside the commands.
Errors a person can act on (ShipyardError) end in exit 2 through `shipyard.cli.commands.run`;
`contract check` exits 1 when a rule fails. Long jobs go through `shipyard.cli.jobs.run_job`,
so Ctrl+C becomes a clean cancel (exit 130, nothing half-written).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.cli.jobs import run_job
from shipyard.cli.output import Count, cell, current_user, json_ready, print_json, print_table
from shipyard.core.errors import ShipyardError

if TYPE_CHECKING:
    from shipyard.core.data import DatasetVersion
    from shipyard.core.workspace.workspace import Workspace

READ_ONLY_FIX = "write one SELECT (or WITH ... SELECT) query; to keep a result, add --save NAME"


def _open(path: str) -> Workspace:
    from shipyard.core.workspace.workspace import Workspace

    return Workspace.open(path)


def _short(fingerprint: str) -> str:
    return fingerprint.split(":", 1)[-1][:12]


def _pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


def _type_overrides(items: Sequence[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or ():
        column, sep, type_name = item.partition("=")
        if not sep or not column.strip() or not type_name.strip():
            raise ShipyardError(
                f"--type '{item}' is not COLUMN=TYPE",
                fix="e.g. --type zip_code=VARCHAR --type amount=DOUBLE",
            )
        out[column.strip()] = type_name.strip()
    return out


def _source_text(version: DatasetVersion) -> str:
    lineage = version.lineage
    if lineage.kind == "sql":
        parents = ", ".join(p.ref for p in lineage.parents)
        return f"SQL over {parents}" if parents else "SQL"
    return Path(lineage.source).name if lineage.source else str(version.source.get("path", ""))


# -- commands -----------------------------------------------------------------------------
def cmd_data_import(args: argparse.Namespace) -> int:
    from shipyard.core.data import import_file, link_version, list_versions, suggest_name

    ws = _open(args.workspace)
    if args.project:
        ws.project(args.project)  # a clear error for an unknown slug, before any work
    overrides = _type_overrides(args.type)
    name = args.name or suggest_name(args.file)
    user = current_user()
    with ws.lock("data import"):
        before = {v.ref for v in list_versions(ws, name)}

        def cancelled() -> str:
            added = sorted({v.ref for v in list_versions(ws, name)} - before)
            if added:  # defensive: the core should not report a cancel after a commit
                return f"cancelled too late: {', '.join(added)} was already saved"
            return "cancelled: nothing was imported"

        version = run_job(
            lambda job: import_file(
                ws,
                args.file,
                name,
                user=user,
                job=job,
                type_overrides=overrides,
                exclude=set(args.exclude or ()),
                skip_bad_rows=args.skip_bad_rows,
            ),
            cancelled=cancelled,
        )
        reused = version.ref in before
        verb = "Reused" if reused else "Imported"
        print(
            f"{verb} {version.ref}: {version.rows:,} rows × {version.columns} columns, "
            f"fingerprint {_short(version.fingerprint)}"
        )
        if reused:
            print(f"  identical content was already imported as {version.ref}; nothing new saved")
        else:
            for note in version.notes:
                print(f"  note: {note}")
        if args.project:
            link = link_version(ws, args.project, version, user=user, role=args.role)
            print(f"Linked {link.ref} to project {args.project} ({link.role})")
    return 0


def cmd_data_preview(args: argparse.Namespace) -> int:
    from shipyard.core.data import preview_file

    preview = preview_file(
        args.file,
        rows=max(args.rows, 1),
        type_overrides=_type_overrides(args.type),
        exclude=set(args.exclude or ()),
        skip_bad_rows=args.skip_bad_rows,
    )
    details = [preview.format]
    if preview.encoding:
        details.append(preview.encoding.upper())
    if preview.delimiter and preview.format == "CSV":
        details.append(f"delimiter {preview.delimiter!r}")
    details.append(f"{preview.size_bytes:,} bytes")
    print(f"{preview.path}: {', '.join(details)}")
    for note in preview.notes:
        print(f"note: {note}")
    print(f"\n{len(preview.columns)} columns:")
    print_table(
        ["column", "type", "in the file"],
        [
            (c.name, c.type, c.source_name if c.source_name != c.name else "")
            for c in preview.columns
        ],
        indent="  ",
    )
    print(f"\nfirst {len(preview.rows)} rows:")
    print_table(preview.column_names, preview.rows, indent="  ")
    return 0


def cmd_data_list(args: argparse.Namespace) -> int:
    from shipyard.core.data import list_datasets, list_versions, projects_using

    ws = _open(args.workspace)
    datasets = [(name, list_versions(ws, name)) for name in list_datasets(ws)]
    if args.json:
        print_json(
            [
                {
                    "name": name,
                    "versions": [
                        {
                            "ref": v.ref,
                            "version": v.version,
                            "rows": v.rows,
                            "columns": v.columns,
                            "created": v.created,
                            "user": v.user,
                            "fingerprint": v.fingerprint,
                            "source": v.lineage.source,
                            "sql": v.lineage.sql,
                            "parents": [p.ref for p in v.lineage.parents],
                            "projects": projects_using(ws, v),
                            "skipped_rows": int(v.skipped_rows.get("count", 0)),
                        }
                        for v in versions
                    ],
                }
                for name, versions in datasets
            ]
        )
        return 0
    if not datasets:
        print(f"No datasets yet. Import one: shipyard data import {ws.root} FILE --name NAME")
        return 0
    rows = [
        (
            v.ref,
            Count(v.rows),
            Count(v.columns),
            v.created.replace("T", " ").rstrip("Z"),
            _source_text(v),
            ", ".join(projects_using(ws, v)),
        )
        for _, versions in datasets
        for v in versions
    ]
    print_table(["version", "rows", "cols", "created (UTC)", "source", "projects"], rows)
    for _, versions in datasets:
        for v in versions:
            if v.skipped_rows:
                print(f"note: {_skipped_text(v)}")
    return 0


def _skipped_text(v: Any) -> str:
    """ "orders@v2 left out 3 rows of its file that did not fit the header (lines 3, 4, 9)"."""
    count = int(v.skipped_rows.get("count", 0))
    lines = [str(e.get("line")) for e in v.skipped_rows.get("examples", [])]
    listed = ", ".join(lines) + (", ..." if count > len(lines) else "")
    return (
        f"{v.ref} left out {count:,} row{'s' if count != 1 else ''} of its file that did not "
        f"fit the header (line{'s' if count != 1 else ''} {listed}); see skipped_rows in "
        f"{v.metadata_path}"
    )


def cmd_data_profile(args: argparse.Namespace) -> int:
    from shipyard.core.data import profile_version, resolve

    ws = _open(args.workspace)
    version = resolve(ws, args.ref)
    profile = run_job(
        lambda job: profile_version(version, job=job, top=args.top),
        cancelled=f"cancelled: the profile of {version.ref}",
    )
    if args.json:
        print_json(profile.to_json())
        return 0
    print(f"{version.ref}: {profile.rows:,} rows × {len(profile.columns)} columns")
    if profile.sample is not None:
        print(
            f"  {profile.scope}: quantiles, histograms and top values are the sample's; "
            "counts, min, max and mean are exact, distinct counts approximate"
        )
    rows = []
    for c in profile.columns:
        all_distinct = c.distinct >= c.rows - c.nulls  # ids: top values say nothing
        top = (
            ""
            if all_distinct
            else ", ".join(f"{t.value} ({_pct(t.share)})" for t in c.top_values[:3])
        )
        rows.append(
            (c.name, c.type, _pct(c.null_share), Count(c.distinct), c.min, c.max, c.mean, top)
        )
    print_table(
        ["column", "type", "null", "distinct", "min", "max", "mean", "top values"],
        rows,
        last_width=60,
    )
    return 0


def cmd_data_pii(args: argparse.Namespace) -> int:
    from shipyard.core.data import load_pii_report, resolve, scan_pii

    ws = _open(args.workspace)
    version = resolve(ws, args.ref)
    report = None if args.rescan else load_pii_report(version)
    if report is None:
        with ws.lock("data pii"):  # the findings are stored with the version
            report = run_job(
                lambda job: scan_pii(version, job=job),
                cancelled=f"cancelled: the personal-data scan of {version.ref}; no findings "
                "were stored",
            )
    if args.json:
        print_json(report.to_json())
        return 0
    scope = report.scope if report.sampled else "all rows"
    print(
        f"{report.ref}: {report.scanned_rows:,} of {report.total_rows:,} rows scanned "
        f"({scope}), {len(report.findings)} personal-data findings"
    )
    if report.findings:
        print_table(
            ["column", "kind", "share", "rows", "example (masked)"],
            [
                (f.column, f.label, _pct(f.share), Count(f.matching_rows), f.example)
                for f in report.findings
            ],
        )
    return 0


def cmd_data_drift(args: argparse.Namespace) -> int:
    from shipyard.core.data import compare_versions, resolve

    ws = _open(args.workspace)
    reference, current = resolve(ws, args.ref_a), resolve(ws, args.ref_b)
    report = run_job(
        lambda job: compare_versions(reference, current, bins=args.bins, job=job),
        cancelled=f"cancelled: the drift comparison of {reference.ref} and {current.ref}",
    )
    if args.json:
        print_json(report)
        return 0
    print(f"drift from {report.reference} to {report.current}: worst severity {report.worst}")
    if report.scope:
        print(f"  {report.scope}")
    if report.columns:
        print_table(
            ["column", "kind", "PSI", "KS p-value", "severity"],
            [(c.column, c.kind, round(c.psi, 4), c.ks_pvalue, c.severity) for c in report.columns],
        )
    for column, why in report.skipped.items():
        print(f"  skipped {column}: {why}")
    return 0


def _check_query(sql: str) -> None:
    from shipyard.core.data import check_read_only
    from shipyard.core.data.errors import QueryRefused
    from shipyard.core.data.query_guard import READ_ONLY_FIX as CORE_FIX

    try:
        check_read_only(sql)
    except QueryRefused as exc:
        if exc.fix == CORE_FIX:  # the core's fix names the window's button
            raise QueryRefused(exc.message, file=exc.file, fix=READ_ONLY_FIX) from None
        raise


def cmd_data_query(args: argparse.Namespace) -> int:
    from shipyard.core.data import list_versions, run_query, save_query_result
    from shipyard.core.data.dataset_version import check_name

    ws = _open(args.workspace)
    _check_query(args.sql)
    if args.save:
        check_name(args.save)  # before running the query
    result = run_job(
        lambda job: run_query(ws, args.sql, limit=max(args.limit, 0), job=job),
        cancelled="cancelled: the query" + ("; nothing was saved" if args.save else ""),
    )
    print_table(result.columns, result.rows)
    more = f", more than {len(result.rows):,}: raise --limit" if result.truncated else ""
    print(f"({len(result.rows):,} rows{more}; {result.elapsed_s:.2f} s)")
    if not args.save:
        return 0
    user = current_user()
    with ws.lock("data query --save"):
        before = {v.ref for v in list_versions(ws, args.save)}
        version = run_job(
            lambda job: save_query_result(ws, args.sql, args.save, user=user, job=job),
            cancelled="cancelled: nothing was saved",
        )
    verb = "Reused" if version.ref in before else "Saved the result as"
    print(
        f"{verb} {version.ref}: {version.rows:,} rows × {version.columns} columns, "
        f"fingerprint {_short(version.fingerprint)}"
    )
    if version.lineage.parents:
        print("  lineage: SQL over " + ", ".join(p.ref for p in version.lineage.parents))
    return 0


def cmd_data_split(args: argparse.Namespace) -> int:
    from shipyard.core.data import list_splits, make_split, resolve
    from shipyard.core.data.split import split_to_json

    ws = _open(args.workspace)
    version = resolve(ws, args.ref)
    with ws.lock("data split"):
        before = {s.split_id for s in list_splits(version)}
        split = make_split(version, holdout=args.holdout, seed=args.seed, stratify=args.target)
    if args.json:
        print_json(
            {**split_to_json(split), "reused": split.split_id in before, "parquet": split.parquet}
        )
        return 0
    how = f"stratified by {split.stratify}" if split.stratify else "not stratified"
    state = "reused the stored split" if split.split_id in before else "made split"
    print(
        f"{split.version_ref}: {state} {split.split_id} "
        f"(seed {split.seed}, holdout {split.holdout_fraction:g}, {how})"
    )
    print(f"  train   {split.train_rows:>9,}")
    print(f"  holdout {split.holdout_rows:>9,}")
    if split.stratify:
        train_total = max(split.train_rows, 1)
        holdout_total = max(split.holdout_rows, 1)
        print(f"\nclass balance of {split.stratify}:")
        print_table(
            ["class", "train", "share", "holdout", "share"],
            [
                (
                    label,
                    Count(n["train"]),
                    _pct(n["train"] / train_total),
                    Count(n["holdout"]),
                    _pct(n["holdout"] / holdout_total),
                )
                for label, n in split.strata.items()
            ],
            indent="  ",
        )
    return 0


def cmd_data_contract_infer(args: argparse.Namespace) -> int:
    from shipyard.core.data import contract_path, infer_contract, resolve, save_contract

    ws = _open(args.workspace)
    ws.project(args.slug)
    version = resolve(ws, args.ref)
    path = contract_path(ws, args.slug)
    with ws.lock("data contract infer"):
        if path.exists() and not args.force:
            raise ShipyardError(
                "the project already has a data contract, perhaps edited by hand",
                file=path,
                fix="check against it with 'shipyard data contract check', or pass --force "
                "to replace it with one inferred from the data",
            )
        contract = run_job(
            lambda job: infer_contract(version, job=job),
            cancelled=f"cancelled: inferring a contract from {version.ref}; no contract was "
            "written",
        )
        written = save_contract(ws, args.slug, contract, user=current_user())
    rules = sum(
        1
        + bool(c.type)
        + c.not_null
        + c.unique
        + (c.min is not None)
        + (c.max is not None)
        + (c.allowed is not None)
        for c in contract.columns
    )
    print(f"Wrote {written}: {len(contract.columns)} columns, {rules} rules from {version.ref}")
    print(
        f"Edit it, then check any version: shipyard data contract check {ws.root} {args.slug} REF"
    )
    return 0


def cmd_data_contract_check(args: argparse.Namespace) -> int:
    from shipyard.core.data import contract_path, load_contract, resolve, validate

    ws = _open(args.workspace)
    ws.project(args.slug)
    contract = load_contract(ws, args.slug)
    if contract is None:
        raise ShipyardError(
            f"project '{args.slug}' has no data contract yet",
            file=contract_path(ws, args.slug),
            fix=f"infer one: shipyard data contract infer {ws.root} {args.slug} REF",
        )
    version = resolve(ws, args.ref)
    report = run_job(
        lambda job: validate(version, contract, job=job),
        cancelled=f"cancelled: the contract check of {version.ref}",
    )
    if args.json:
        print_json({**json_ready(report), "passed": report.passed})
        return 0 if report.passed else 1
    failed = report.failures
    print(
        f"{report.ref} against {contract_path(ws, args.slug)}: {len(report.results)} rules, "
        f"{len(report.results) - len(failed)} passed, {len(failed)} failed"
    )
    rows = []
    for r in report.results:
        detail = r.message
        if r.examples:
            shown = "; ".join(
                (f"row {row}: " if row is not None else "") + cell(value, 20)
                for row, value in r.examples[:3]
            )
            detail = f"{detail} (e.g. {shown})"
        rows.append(("ok" if r.passed else "FAIL", r.column, r.rule, r.expected, detail or None))
    print_table(["", "column", "rule", "expected", "detail"], rows, last_width=100)
    return 0 if report.passed else 1


# -- parser -------------------------------------------------------------------------------
def add_data_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `shipyard data ...` on the main parser's subcommands."""
    data = sub.add_parser(
        "data",
        help="import, list, profile, scan, compare, query, split and check datasets",
        description="Dataset versions in a workspace: REF is a dataset name (its latest "
        "version) or name@vN.",
    )
    dsub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    def add(name: str, fn: Callable, help: str) -> argparse.ArgumentParser:
        sp = dsub.add_parser(name, help=help, description=help)
        sp.set_defaults(fn=fn)
        return sp

    def read_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--type",
            action="append",
            metavar="COL=TYPE",
            help="read column COL as this DuckDB type (repeatable), e.g. zip=VARCHAR",
        )
        sp.add_argument(
            "--exclude", action="append", metavar="COL", help="leave column COL out (repeatable)"
        )
        sp.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="leave out CSV/TSV rows whose field count differs from the header's; they are "
            "counted, and listed in the version's metadata (default: refuse the file)",
        )

    sp = add("import", cmd_data_import, "import a CSV/TSV/Parquet/JSON/NDJSON file as a version")
    sp.add_argument("workspace")
    sp.add_argument("file")
    sp.add_argument("--name", help="the dataset's name (default: from the file name)")
    read_options(sp)
    sp.add_argument("--project", metavar="SLUG", help="link the version to this project")
    sp.add_argument("--role", default="training", help="what the project uses it for")

    sp = add("preview", cmd_data_preview, "show a file's inferred columns and first rows")
    sp.add_argument("file")
    sp.add_argument("--rows", type=int, default=10)
    read_options(sp)

    sp = add("list", cmd_data_list, "list datasets, their versions and the projects using them")
    sp.add_argument("workspace")
    sp.add_argument("--json", action="store_true")

    sp = add("profile", cmd_data_profile, "per-column types, missing values and statistics")
    sp.add_argument("workspace")
    sp.add_argument("ref", metavar="REF")
    sp.add_argument("--top", type=int, default=10, help="top values kept per text column")
    sp.add_argument("--json", action="store_true")

    sp = add("pii", cmd_data_pii, "scan a version for personal data (stored with it)")
    sp.add_argument("workspace")
    sp.add_argument("ref", metavar="REF")
    sp.add_argument("--rescan", action="store_true", help="scan again even if findings exist")
    sp.add_argument("--json", action="store_true")

    sp = add("drift", cmd_data_drift, "compare two versions: PSI per column, KS for numbers")
    sp.add_argument("workspace")
    sp.add_argument("ref_a", metavar="REF_A", help="the reference version")
    sp.add_argument("ref_b", metavar="REF_B", help="the current version")
    sp.add_argument("--bins", type=int, default=10, help="quantile bins for numbers")
    sp.add_argument("--json", action="store_true")

    sp = add("query", cmd_data_query, "run one read-only SQL query over the datasets")
    sp.add_argument("workspace")
    sp.add_argument("sql", metavar="SQL", help='e.g. "SELECT * FROM churn" or "orders@v2"')
    sp.add_argument("--limit", type=int, default=50, help="rows to print")
    sp.add_argument("--save", metavar="NAME", help="save the full result as a dataset version")

    sp = add("split", cmd_data_split, "make (or reuse) a seeded train/holdout split")
    sp.add_argument("workspace")
    sp.add_argument("ref", metavar="REF")
    sp.add_argument("--target", metavar="COL", help="stratify by this categorical column")
    sp.add_argument("--holdout", type=float, default=0.2)
    sp.add_argument("--seed", type=int, default=42)
    sp.add_argument("--json", action="store_true")

    contract = dsub.add_parser("contract", help="a project's data contract")
    csub = contract.add_subparsers(dest="contract_command", metavar="ACTION", required=True)
    sp = csub.add_parser(
        "infer", help="write projects/SLUG/data_contract.yaml from a version's data"
    )
    sp.set_defaults(fn=cmd_data_contract_infer)
    sp.add_argument("workspace")
    sp.add_argument("slug", metavar="SLUG")
    sp.add_argument("ref", metavar="REF")
    sp.add_argument("--force", action="store_true", help="replace an existing contract")
    sp = csub.add_parser("check", help="check a version against the contract; exit 1 on a failure")
    sp.set_defaults(fn=cmd_data_contract_check)
    sp.add_argument("workspace")
    sp.add_argument("slug", metavar="SLUG")
    sp.add_argument("ref", metavar="REF")
    sp.add_argument("--json", action="store_true")
