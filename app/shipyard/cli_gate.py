"""`shipyard gate`: run a project's gate policy headless, for people and CI.

Exit codes: 0 when every required check passes, 1 when one fails, 2 for bad input (an
unknown project or run, a broken gates.yaml). Never imports Qt.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .cli_progress import ProgressLine
from .core.errors import ShipyardError

SYMBOL = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def _write(target: str, text: str) -> None:
    from .core.atomic import atomic_write_text

    if target == "-":
        sys.stdout.write(text)
        return
    path = Path(target).expanduser()
    if path.is_dir():
        raise ShipyardError(f"{path} is a folder", fix="give a file name, e.g. gates.xml")
    atomic_write_text(path, text)


def _print_report(report: Any, out: Any) -> None:
    from .core.gates.report_export import format_value

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
    print(report.summary(), file=out)


def cmd_gate(args: argparse.Namespace) -> int:
    from .cli import _user
    from .core.gates import effective_policy, policy_yaml, run_gates
    from .core.jobs import JobControl
    from .core.workspace import Workspace

    ws = Workspace.open(args.workspace)
    ws.project(args.project)  # a clear error listing the projects
    policy = effective_policy(ws, args.project)  # a broken gates.yaml stops here (exit 2)
    if args.show_policy:
        print(policy_yaml(policy, "Effective gate policy (workspace defaults + gates.yaml)"))
        return 0
    progress = ProgressLine()

    with ws.lock("shipyard gate"):
        report = run_gates(
            ws, args.project, args.run, user=_user(), job=JobControl(progress), policy=policy
        )
    progress.clear()
    if args.json:
        _write(args.json, json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n")
    if args.junit or args.html:
        from .core.gates.report_export import html_report, junit_xml

        if args.junit:
            _write(args.junit, junit_xml(report))
        if args.html:
            _write(args.html, html_report(report, ws.project(args.project).title))
    # With the JSON on stdout, the table goes to stderr so pipes stay parseable.
    _print_report(report, sys.stderr if args.json == "-" else sys.stdout)
    return 0 if report.passed else 1


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
    sp.add_argument("--run", help="the run id (default: the champion, else the latest run)")
    sp.add_argument("--json", metavar="PATH", help="write the report as JSON ('-' for stdout)")
    sp.add_argument("--junit", metavar="PATH", help="write JUnit XML, one testcase per check")
    sp.add_argument("--html", metavar="PATH", help="write a self-contained HTML report")
    sp.add_argument(
        "--show-policy",
        action="store_true",
        help="print the effective policy and exit (checks gates.yaml)",
    )
