"""`shipyard simulate` and `shipyard flags`: the rollout rehearsal and the feature flags,
headless. The PNG is drawn without Qt. Never imports Qt or the ui package.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from shipyard.cli.jobs import run_job
from shipyard.cli.output import current_user
from shipyard.core.errors import ShipyardError

VERDICT_MARK = {"pass": "ok", "hold": "HOLD", "fail": "FAIL", "wait": "wait"}


def _project(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    ws.project(args.project)  # a clear error listing the projects
    return ws


def cmd_simulate(args: argparse.Namespace) -> int:
    from shipyard.core.rollout.rehearsal import rehearse
    from shipyard.core.rollout.simulate import parse_incident

    ws = _project(args)
    incidents = [parse_incident(text) for text in args.inject or []]
    done = run_job(
        lambda job: rehearse(
            ws,
            args.project,
            run=args.run,
            control=args.control,
            traffic=args.traffic,
            seed=args.seed,
            incidents=incidents,
            job=job,
        ),
        cancelled=f"cancelled: the rollout rehearsal of '{args.project}'; nothing was written",
    )
    res, shadow, arms = done.result, done.shadow, done.arms
    print(f"{args.project}: {res.headline}")
    print(f"candidate {res.candidate}: {arms.candidate.why}")
    print(f"control   {res.control}: {arms.control.why}")
    for side, arm in (("candidate", arms.candidate), ("control", arms.control)):
        if arm.run_id is not None:
            print(f"{side} on the traffic: {arm.failed_rows} of {len(arms.traffic)} rows failed; "
                  f"latency p50 {arm.p50_ms:.3f} ms, p95 {arm.p95_ms:.3f} ms, "
                  f"{arm.latency_source}")  # fmt: skip
    print(f"traffic {done.arms.traffic.ref}: {len(done.arms.traffic)} rows, seed {res.seed}, "
          f"{res.requests:,} requests simulated")  # fmt: skip
    if done.arms.traffic.rows_from:
        print(f"traffic rows: {done.arms.traffic.rows_from}")
    for inc in res.incidents:
        print(f"incident: {inc}")
    print()
    for phase in res.phases:
        head = f"{phase.name} ({phase.percent:g}%)"
        print(f"{head:<22} {phase.decision.upper():<9} {phase.requests:>8,} requests, "
              f"{phase.candidate_requests:,} to the candidate")  # fmt: skip
        for c in phase.checks:
            p = "—" if c.p_value is None else f"{c.p_value:.2g}"
            print(f"    {VERDICT_MARK[c.verdict]:<5} {c.title:<22} p={p:<8} {c.message}")
    print()
    print("decision log:")
    for line in res.log:
        print(f"  {line}")
    print()
    print(f"shadow: the models agree on {shadow.agreement:.1%} of {shadow.rows} rows "
          f"({shadow.total_disagreements} disagreements)")  # fmt: skip
    done.write(
        args.project,
        Path(args.json) if args.json else None,
        Path(args.png) if args.png else None,
    )
    for path in (args.json, args.png):
        if path:
            print(f"wrote {path}")
    return 0 if res.outcome in ("promoted", "completed") else 1


def cmd_flags_list(args: argparse.Namespace) -> int:
    from shipyard.core.rollout.flags import effective_percent, load_flags, staleness
    from shipyard.core.rollout.policy import load_policy_or_none

    ws = _project(args)
    flags = load_flags(ws, args.project)
    policy = load_policy_or_none(ws, args.project)
    percents = {p.name: p.percent for p in policy.phases} if policy else {}
    today = date.today()
    rows = []
    for f in flags.flags:
        st = staleness(f, today)
        rows.append(
            {
                "key": f.key,
                "kind": f.kind,
                "state": f.state,
                "traffic_percent": effective_percent(f, percents),
                "phase": f.phase,
                "owner": f.owner,
                "expires": f.expires.isoformat() if f.expires else None,
                "stale": st.stale,
                "status": st.reason,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print(f"{args.project} has no flags.yaml yet; the Rollout tab creates one")
        return 0
    print(f"{'key':<32} {'kind':<12} {'state':<9} {'traffic':>8}  {'owner':<14} status")
    for r in rows:
        mark = "STALE: " if r["stale"] else ""
        phase = f" ({r['phase']})" if r["phase"] else ""
        print(f"{r['key'][:32]:<32} {r['kind']:<12} {r['state']:<9} "
              f"{r['traffic_percent']:>7g}%  {r['owner'][:14]:<14} {mark}{r['status']}{phase}")  # fmt: skip
    return 0


def cmd_flags_export(args: argparse.Namespace) -> int:
    from shipyard.core.rollout.flags import flagd_document
    from shipyard.core.workspace.atomic import atomic_write_text

    ws = _project(args)
    text = json.dumps(flagd_document(ws, args.project), indent=2) + "\n"
    if args.out:
        atomic_write_text(Path(args.out), text)
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0


def cmd_rollout_init(args: argparse.Namespace) -> int:
    from shipyard.core.rollout.flags import default_flags, flags_path, save_flags
    from shipyard.core.rollout.policy import default_rollout_yaml, policy_path, save_policy_text

    ws = _project(args)
    user = current_user()
    wrote = []
    with ws.lock("rollout init"):
        if not policy_path(ws, args.project).exists():
            save_policy_text(ws, args.project, default_rollout_yaml(args.project), user=user,
                             reason="default rollout policy")  # fmt: skip
            wrote.append(str(policy_path(ws, args.project)))
        if not flags_path(ws, args.project).exists():
            save_flags(ws, args.project, default_flags(args.project, owner=user), user=user,
                       reason="release flag and kill switch")  # fmt: skip
            wrote.append(str(flags_path(ws, args.project)))
    if not wrote:
        raise ShipyardError(
            "rollout.yaml and flags.yaml exist already",
            file=policy_path(ws, args.project),
            fix="edit them, or delete them to start from the defaults",
        )
    for path in wrote:
        print(f"wrote {path}")
    return 0


def add_rollout_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser(
        "simulate",
        help="rehearse the rollout (shadow, canary, progressive, full) with automatic rollback",
        description="Route recorded or held-out traffic between the control and the candidate "
        "through the phases of projects/<slug>/rollout.yaml; judge every phase (Mann-Whitney U "
        "for latency, two-proportion tests for errors and KPI) and roll back when a check "
        "fails. By default the candidate is the champion (else the best exportable run) and "
        "the control the champion before it (else the safe default rule); the output says "
        "which runs and why. Each arm's errors are the traffic rows its model fails on; its "
        "latency is measured once per model file and kept beside the run, so the same run, "
        "policy, traffic and seed give the same output, byte for byte. Exit 0 when promoted, "
        "1 when held or rolled back, 2 for bad input.",
    )
    sp.set_defaults(fn=cmd_simulate)
    sp.add_argument("workspace")
    sp.add_argument("project")
    sp.add_argument("--run", help="the candidate run id (default: the policy's; its default is "
                    "the champion, else the best exportable run)")  # fmt: skip
    sp.add_argument("--control", help="champion (the champion the candidate replaces, or the "
                    "one before it), default or a run id (default: the policy's)")  # fmt: skip
    sp.add_argument("--traffic", metavar="NAME@vN", help="the dataset version to replay")
    sp.add_argument("--seed", type=int, default=0,
                    help="the same run, policy, traffic and seed give the same output, byte "
                    "for byte")  # fmt: skip
    sp.add_argument("--inject", action="append", metavar="INCIDENT",
                    help="kind@start:size[/duration] with start and duration as shares of the "
                    "rehearsal: spike@0.4:200ms, errors@0.6:5%%, drift@0.5:30%% (repeatable)")  # fmt: skip
    sp.add_argument("--json", metavar="PATH", help="write the full result as JSON")
    sp.add_argument("--png", metavar="PATH", help="write the timeline chart as PNG")

    flags = sub.add_parser("flags", help="a project's feature flags (flags.yaml)")
    fsub = flags.add_subparsers(dest="flags_command", metavar="ACTION", required=True)
    sp = fsub.add_parser("list", help="every flag with its traffic and whether it is stale")
    sp.set_defaults(fn=cmd_flags_list)
    sp.add_argument("workspace")
    sp.add_argument("project")
    sp.add_argument("--json", action="store_true")
    sp = fsub.add_parser("export", help="the flags as OpenFeature flagd JSON")
    sp.set_defaults(fn=cmd_flags_export)
    sp.add_argument("workspace")
    sp.add_argument("project")
    sp.add_argument("--out", metavar="PATH", help="write to a file instead of stdout")

    rollout = sub.add_parser("rollout", help="a project's rollout policy (rollout.yaml)")
    rsub = rollout.add_subparsers(dest="rollout_command", metavar="ACTION", required=True)
    sp = rsub.add_parser("init", help="write the default rollout.yaml and flags.yaml")
    sp.set_defaults(fn=cmd_rollout_init)
    sp.add_argument("workspace")
    sp.add_argument("project")
