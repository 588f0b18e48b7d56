"""`shipyard gate`: run a project's gate policy headless, for people and CI.

Exit codes: 0 when every required check passes, 1 when one fails, 2 for bad input (an
unknown project or run, a broken gates.yaml, a model.onnx changed after training). The
first line says which run is gated and why (`choose_run`). Never imports Qt.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from shipyard.cli.jobs import file_stamps, run_job
from shipyard.cli.output import current_user
from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.layout import GATE_REPORT_FILE

SYMBOL = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def _write(target: str, text: str) -> None:
    from shipyard.core.workspace.atomic import atomic_write_text

    if target == "-":
        sys.stdout.write(text)
        return
    path = Path(target).expanduser()
    if path.is_dir():
        raise ShipyardError(f"{path} is a folder", fix="give a file name, e.g. gates.xml")
    atomic_write_text(path, text)


def _print_report(report: Any, out: Any) -> None:
    from shipyard.core.gates.report_export import format_value

    print(f"Gates for {report.project}, run {report.run_id}", file=out)
    print(f"model sha256 {report.model_sha256}", file=out)
    width = max((len(c.id) for c in report.checks), default=10)
    for c in report.checks:
        kind = "" if c.required else " (advisory)"
        value = format_value(c.value, c.unit)
        threshold = format_value(c.threshold, c.unit)
        print(
            f"  {SYMBOL[c.verdict]}  {c.id:<{width}}  {value:>10} / {threshold:<10} "
            f"{c.unit:<12} {c.message}{kind}",
            file=out,
        )
    for line in _test_split_lines(report):
        print(line, file=out)
    print(report.summary(), file=out)


def _test_split_lines(report: Any) -> list[str]:
    """Which rows quality was judged on, and the test split's wear (beside the verdict)."""
    quality = [c for c in report.checks if c.kind == "quality" and "scored_on" in c.evidence]
    if not quality:
        return []
    evidence = next((c.evidence for c in quality if c.id == "target"), quality[0].evidence)
    if evidence.get("scored_on") != "test":
        return [
            "judged on the old holdout, which the leaderboard also used (the run's split "
            "predates sealed test splits; retrain for one)"
        ]
    lines = [f"judged on the sealed test split ({evidence.get('test_rows', 0):,} rows)"]
    wear = evidence.get("test_split") or {}
    if wear:
        models = wear.get("distinct_models", 0)
        lines[0] += (
            f"; {models} distinct model{'s' if models != 1 else ''} scored on it so far "
            f"(warns past {wear.get('limit')})"
        )
    warning = next((c.evidence["test_split_warning"] for c in quality
                    if c.evidence.get("test_split_warning")), "")  # fmt: skip
    if warning:
        lines.append(f"WARN  {warning}")
    return lines


def cmd_gate(args: argparse.Namespace) -> int:
    from shipyard.core.gates import effective_policy, policy_yaml, run_gates
    from shipyard.core.training.selection import choose_run
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    ws.project(args.project)  # a clear error listing the projects
    policy = effective_policy(ws, args.project)  # a broken gates.yaml stops here (exit 2)
    if args.show_policy:
        print(policy_yaml(policy, "Effective gate policy (workspace defaults + gates.yaml)"))
        return 0
    out = sys.stderr if args.json == "-" else sys.stdout
    choice = choose_run(ws, args.project, args.run)  # the one rule: champion, else best
    print(choice.headline("Gating"), file=out, flush=True)
    user = current_user()
    with ws.lock("shipyard gate"):
        folder = choice.run.folder
        before = file_stamps(folder, GATE_REPORT_FILE)

        def cancelled() -> str:
            if file_stamps(folder, GATE_REPORT_FILE) != before:
                return f"cancelled too late: the gate report of run {choice.run_id} was stored"
            return f"cancelled: the gates of run {choice.run_id}; no new gate report was stored"

        report = run_job(
            lambda job: run_gates(
                ws, args.project, choice.run_id, user=user, job=job, policy=policy
            ),
            cancelled=cancelled,
        )
    if args.json:
        _write(args.json, json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n")
    if args.junit or args.html:
        from shipyard.core.gates.report_export import html_report, junit_xml

        if args.junit:
            _write(args.junit, junit_xml(report))
        if args.html:
            _write(args.html, html_report(report, ws.project(args.project).title))
    # With the JSON on stdout, the table goes to stderr so pipes stay parseable.
    _print_report(report, out)
    if not report.passed:
        _print_blockers(report, ws, args.project, out)
    return 0 if report.passed else 1


def _print_blockers(report: Any, ws: Any, slug: str, out: Any) -> None:
    """After a failure: what blocks the run, and what to do next (not "run the gates")."""
    failed = [c for c in report.checks if c.required and c.verdict == "fail"]
    print(f"blocked by: {', '.join(c.id for c in failed)}", file=out)
    quality = {"baseline", "target", "quality", "champion_regression", "onnx_parity"}
    if any(c.kind in quality or c.id in quality for c in failed):
        print(
            "the model itself falls short: compare the runs (shipyard runs list "
            f"{ws.root} {slug}) and gate a better one with --run RUN_ID, or train again",
            file=out,
        )
    other = [c for c in failed if c.kind not in quality and c.id not in quality]
    if other:
        print(
            f"fix {', '.join(c.id for c in other)} (see each message above), then gate again: "
            f"shipyard gate {ws.root} {slug} --run {report.run_id}",
            file=out,
        )


def add_gate_parser(sub: Any) -> None:
    """Register `shipyard gate` on the top-level subparsers."""
    sp = sub.add_parser(
        "gate",
        help="run the gate checks on a project's champion (or a given run); exit 1 if a "
        "required check fails",
        description="Measure the run's exported ONNX model against the project's gate policy "
        "(projects/<slug>/gates.yaml over the [gates] defaults in shipyard.toml), store "
        "runs/<run>/gate_report.json and print each check. Exit 0 when every required check "
        "passes, 1 when one fails, 2 for bad input.",
    )
    sp.set_defaults(fn=cmd_gate)
    sp.add_argument("workspace")
    sp.add_argument("project")
    sp.add_argument(
        "--run",
        help="the run id (default: the champion, else the best exportable run by the "
        "primary metric)",
    )
    sp.add_argument("--json", metavar="PATH", help="write the report as JSON ('-' for stdout)")
    sp.add_argument("--junit", metavar="PATH", help="write JUnit XML, one testcase per check")
    sp.add_argument("--html", metavar="PATH", help="write a self-contained HTML report")
    sp.add_argument(
        "--show-policy",
        action="store_true",
        help="print the effective policy and exit (checks gates.yaml)",
    )
