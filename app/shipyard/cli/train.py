"""`shipyard train`: the baseline ladder for a project, headless.

The project's task (dataset and target) is remembered in `projects/<slug>/task.yaml`, so
once set up, `shipyard train WORKSPACE PROJECT` needs no options. Also `shipyard runs
list|show|compare|promote|champion` (the leaderboard and the champion) and `shipyard sweep`.
Never imports Qt.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipyard.cli.jobs import run_job
from shipyard.cli.output import current_user, print_json
from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.layout import RUN_FILE

# The figures a reader looks at first, per task kind.
HEADLINE = {
    "binary": ("roc_auc", "f1", "log_loss"),
    "multiclass": ("f1", "accuracy", "log_loss"),
    "text": ("f1", "accuracy", "log_loss"),
    "regression": ("r2", "mae", "rmse"),
}


def _task(ws: Any, args: argparse.Namespace) -> tuple[Any, str, list[str] | None]:
    """What to train on: the dataset version, target and features from the options, else
    from the project's remembered task (its features only for that same task)."""
    from shipyard.core.training.task_file import read_task, task_path, training_version

    remembered = read_task(ws, args.project)
    version = training_version(ws, args.project, args.dataset)
    target = args.target or remembered.get("target")
    if not target:
        raise ShipyardError(
            f"no target column set for project '{args.project}'",
            file=task_path(ws, args.project),
            fix=f"pass --target COLUMN (one of: {', '.join(version.column_names)})",
        )
    same_task = target == remembered.get("target") and not args.dataset
    return version, target, remembered.get("features") if same_task else None


def _cancelled(ws: Any, slug: str, what: str, unit: str) -> Callable[[], str]:
    """The line for a cancelled training. Runs recorded before the cancel stay (each one is
    complete: recording renames a finished folder into place); the one in progress left
    nothing. Run ids are the run folders' names, so a damaged record elsewhere does not
    stand in the way."""
    from shipyard.core.training import runs_dir

    def run_ids() -> set[str]:
        folder = runs_dir(ws, slug)
        if not folder.is_dir():
            return set()
        return {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")}

    before = run_ids()

    def line() -> str:
        kept = sorted(run_ids() - before)
        if not kept:
            return f"cancelled: {what}; no {unit} was recorded"
        return (
            f"cancelled: {what} after {len(kept)} {unit}{'s' if len(kept) != 1 else ''}; "
            f"kept, complete: {', '.join(kept)}"
        )

    return line


def cmd_train(args: argparse.Namespace) -> int:
    from shipyard.core.training.task_training import train_and_remember

    ws = _open(args)
    version, target, features = _task(ws, args)
    user = current_user()
    shared_dir = _shared_dir(args)
    with ws.lock("shipyard train"):
        runs = run_job(
            lambda job: train_and_remember(
                ws, args.project, version, target, user=user, job=job, families=args.family or None,
                seed=args.seed, folds=args.folds, include_pii=args.include_pii, features=features,
                cluster=args.cluster, shared_dir=shared_dir,
            ),
            cancelled=_cancelled(ws, args.project, f"training '{args.project}'", "run"),
        )  # fmt: skip
    kind = runs[0].task.get("kind", "binary") if runs else "binary"
    keys = HEADLINE.get(kind, HEADLINE["binary"])
    where = f" (fitted on {args.cluster})" if args.cluster else ""
    print(f"{len(runs)} runs on {version.ref}, target '{target}' ({kind}){where}")
    header = f"{'family':<8} {'model':<34} " + " ".join(f"{k:>9}" for k in keys)
    print(header + f" {'fit s':>7}  {'ONNX':<14} run")
    print("-" * (len(header) + 40))
    for r in runs:
        values = " ".join(
            f"{r.metrics.get(k):>9.4f}"
            if isinstance(r.metrics.get(k), float | int)
            else f"{'—':>9}"
            for k in keys
        )
        onnx = "ok" if r.exportable else "NOT exportable"
        print(f"{r.family:<8} {r.model[:34]:<34} {values} {r.timings.get('fit', 0):>7.2f}  "
              f"{onnx:<14} {r.run_id}")  # fmt: skip
        if not r.exportable:
            print(f"         {r.export_problem}")
    for w in sorted({w for r in runs for w in r.warnings}):
        print(f"note: {w}")
    lost = getattr(runs, "lost", [])
    for t in lost:
        rung = t.params.get("family", "")
        print(f"{t.describe(f'the {rung} rung')}; rerun it with: shipyard train {args.workspace} "
              f"{args.project} --family {rung} --cluster {args.cluster} (check that worker's "
              "log and memory first)")  # fmt: skip
    if runs and runs[0].primary_metric:
        print(f"leaderboard ({runs[0].primary_metric['note']}): "
              f"shipyard runs list {args.workspace} {args.project}")  # fmt: skip
    if lost:
        return 1
    return _none_exportable(runs, args)


def _shared_dir(args: argparse.Namespace) -> Path | None:
    """--shared-dir, checked: a folder, and only beside --cluster."""
    if args.shared_dir is None:
        return None
    if not args.cluster:
        raise ShipyardError(
            "--shared-dir hands the training rows to a cluster's workers",
            fix="add --cluster tcp://HOST:PORT, or leave out --shared-dir",
        )
    folder = Path(args.shared_dir).expanduser()
    if not folder.is_dir():
        raise ShipyardError(
            f"the shared folder {folder} is not a folder",
            fix="give a folder every worker reads at the same path (e.g. an NFS mount)",
        )
    return folder


def _add_cluster_options(sp: argparse.ArgumentParser, what: str) -> None:
    sp.add_argument(
        "--cluster",
        metavar="tcp://HOST:PORT",
        help=f"fit the {what} on this Dask scheduler's workers (`dask scheduler`, `dask worker "
        "tcp://HOST:PORT`); recording stays on this machine. Default: this machine",
    )
    sp.add_argument(
        "--shared-dir",
        metavar="DIR",
        help="with --cluster: a folder every worker reads at the same path (shared storage); "
        "the training rows are written there for the workers instead of being sent to each",
    )


def _none_exportable(runs: list[Any], args: argparse.Namespace) -> int:
    """1 with a summary when no run exported (nothing can be gated, promoted or packaged)."""
    import sys

    if not runs or any(r.exportable for r in runs):
        return 0
    problems = sorted({r.export_problem for r in runs if r.export_problem})
    print(
        f"error: none of the {len(runs)} runs is exportable, so none can be gated, promoted "
        f"or packaged. The ONNX export failed: {problems[0] if problems else 'no reason recorded'}"
        + (f" (and {len(problems) - 1} other reasons)" if len(problems) > 1 else ""),
        file=sys.stderr,
    )
    print(
        f"fix: read each run's reason in: shipyard runs list {args.workspace} {args.project} "
        "(and shipyard runs show ... RUN), fix the data or the features it names, then train "
        "again",
        file=sys.stderr,
    )
    return 1


def add_train_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser(
        "train",
        help="train the baseline ladder (dummy, linear, trees, text) and record every run",
        description="Train dummy -> linear -> gradient-boosted trees (-> TF-IDF for text) on "
        "the dataset version's stored split; each run is recorded with its ONNX model and "
        "the ONNX-vs-sklearn parity check.",
    )
    sp.set_defaults(fn=cmd_train)
    sp.add_argument("workspace")
    sp.add_argument("project")
    sp.add_argument("--dataset", help="NAME or NAME@vN (default: the project's task or its "
                    "linked training version)")  # fmt: skip
    sp.add_argument("--target", help="the column to predict (remembered for next time)")
    sp.add_argument("--family", action="append", choices=("dummy", "linear", "trees", "text"),
                    help="train only these families (repeatable)")  # fmt: skip
    sp.add_argument("--seed", type=int, default=42)
    sp.add_argument("--include-pii", action="store_true",
                    help="also use columns the PII scan flagged (record the approval first)")  # fmt: skip
    sp.add_argument("--folds", type=int, help="also run k-fold cross-validation on the train rows")
    _add_cluster_options(sp, "rungs, all at once (the scoring of small data stays here)")
    _add_runs_parser(sub)
    _add_sweep_parser(sub)


# -- runs: leaderboard, details, comparison, champion ------------------------------------------


def _open(args: argparse.Namespace) -> Any:
    from shipyard.core.workspace.workspace import Workspace

    ws = Workspace.open(args.workspace)
    ws.project(args.project)  # a clear error listing the projects
    return ws


def _find_run(ws: Any, slug: str, ref: str) -> Any:
    """A run by id or by a unique start of its id."""
    from shipyard.core.training import load_run
    from shipyard.core.training.run_index import run_summaries
    from shipyard.core.training.runs import read_record

    folder = ws.projects_dir / slug / "runs" / ref
    if (folder / RUN_FILE).is_file():
        return load_run(ws, slug, ref)
    # The run index lists the ids; only the one run asked for is read.
    matches = [r for r in run_summaries(ws, slug) if r.run_id.startswith(ref)]
    if len(matches) > 1:
        raise ShipyardError(
            f"'{ref}' matches {len(matches)} runs of '{slug}'",
            fix="give more of the run id: " + ", ".join(r.run_id for r in matches[:4]),
        )
    if matches:
        return read_record(matches[0].folder / RUN_FILE)
    return load_run(ws, slug, ref)  # load_run names the choices


def _num(value: Any, width: int = 9) -> str:
    return f"{value:>{width}.4f}" if isinstance(value, int | float) else f"{'—':>{width}}"


def cmd_runs_list(args: argparse.Namespace) -> int:
    from shipyard.core.training import leaderboard, metric_label

    ws = _open(args)
    board = leaderboard(ws, args.project, metric=args.metric)
    if args.json:
        print_json(board)
        return 0
    if not board.rows:
        print(f"no runs yet for '{args.project}': train with 'shipyard train WS {args.project}'")
        return 0
    keys = [k for k in board.metric_keys if k != board.metric][:4]
    arrow = "↑" if board.direction == "maximize" else "↓"
    print(f"{len(board.rows)} runs; {board.metric_note}")
    header = f"  {'#':>3} {'run':<32} {'family':<7} {'dataset':<22} "
    header += f"{metric_label(board.metric)[:10] + arrow:>11} {'95% interval':<13} {'':<8} "
    header += " ".join(f"{metric_label(k)[:9]:>9}" for k in keys)
    print(header + "  ONNX")
    for i, r in enumerate(board.rows, 1):
        mark = "★" if r.champion else " "
        values = " ".join(_num(r.metrics.get(k)) for k in keys)
        onnx = "ok" if r.exportable else "no"
        sweep = f"  (sweep {r.sweep_id})" if r.sweep_id else ""
        ci = f"{r.interval[0]:.3f}–{r.interval[1]:.3f}" if r.interval else "—"
        near = "≈ leader" if r.indistinct else ""
        print(f"{mark} {i:>3} {r.run_id:<32} {r.family:<7} {r.dataset[:22]:<22} "
              f"{_num(r.score, 11)} {ci:<13} {near:<8} {values}  {onnx}{sweep}")  # fmt: skip
    if any(r.champion for r in board.rows):
        print("★ champion")
    if any(r.indistinct for r in board.rows):
        print(
            "≈ leader: not distinguishable from the leader (their 95% intervals on the rows "
            "they were scored on overlap); a different ranking on other rows would be no surprise"
        )
    if board.rows[0].interval is None:
        print("— no interval: the run was recorded before intervals were kept; retrain for one")
    return 0


def cmd_runs_show(args: argparse.Namespace) -> int:
    from shipyard.core.training import metric_label

    ws = _open(args)
    r = _find_run(ws, args.project, args.run)
    if args.json:
        print_json(r.to_json())
        return 0
    print(f"run {r.run_id}  ({r.family}, {r.model})")
    print(f"  created {r.created} by {r.user or '—'}; seed {r.seed}")
    d = r.dataset
    print(f"  data    {d.get('ref')}  fingerprint {str(d.get('fingerprint', ''))[:19]}")
    print(f"          split {d.get('split_id')}: {_split_rows(d)}")
    if r.sample:
        from shipyard.core.data.sampling import training_sample_phrase

        print(f"  sample  {training_sample_phrase(r.sample)} ({r.sample.get('method')})")
    print(f"  scored  {_scored_on(r)}")
    print(f"  task    {r.task.get('kind')} on '{r.task.get('target')}'; features: "
          + ", ".join(r.task.get("numeric", []) + r.task.get("categorical", [])
                      + r.task.get("text", [])))  # fmt: skip
    if r.sweep:
        print(f"  sweep   {r.sweep['id']} trial {r.sweep['trial']}: {r.sweep['params']}")
    from shipyard.core.training.intervals import recorded_intervals

    intervals = recorded_intervals(r)
    print(f"  metrics ({r.scored_rows}, from {r.metrics_source})")
    for k, v in r.metrics.items():
        if k != "mape_rows":
            ci = intervals.get(k)
            extra = f"  {ci.low:.4f}–{ci.high:.4f}: {ci.describe()}" if ci else ""
            print(f"    {metric_label(k):<14}{_num(v, 10)}{extra}")
    if r.primary_metric:
        print(f"  ranking {r.primary_metric.get('note', '')}")
    print("  timings " + ", ".join(f"{k} {v:.3f}s" for k, v in r.timings.items()))
    print("  ONNX    " + ("exportable (parity passed)" if r.exportable
                          else f"NOT exportable: {r.export_problem}"))  # fmt: skip
    for w in r.warnings:
        print(f"  note    {w}")
    return 0


def _split_rows(d: dict[str, Any]) -> str:
    if "test_rows" not in d:
        return f"{d.get('train_rows')} train, {d.get('holdout_rows')} holdout rows"
    selection = d.get("selection") or {}
    if selection.get("method") == "cross-validation":
        return f"{d.get('train_rows')} train, {d.get('test_rows')} test rows (sealed)"
    return (f"{d.get('train_rows')} train, {d.get('validation_rows')} validation, "
            f"{d.get('test_rows')} test rows (sealed)")  # fmt: skip


def _scored_on(r: Any) -> str:
    """How the run's metrics were scored: which rows, chosen by which rule."""
    from shipyard.core.training.runs import SCORED_ON_LEGACY

    if r.scored_on == SCORED_ON_LEGACY:
        return (f"{SCORED_ON_LEGACY}: recorded before sealed test splits; the gate judges this "
                "run on the same holdout the leaderboard used")  # fmt: skip
    selection = r.dataset.get("selection") or {}
    if selection.get("method") == "cross-validation":
        how = (f"{selection.get('folds')}-fold cross-validation on the "
               f"{r.dataset.get('train_rows')} training rows (out-of-fold predictions)")  # fmt: skip
    else:
        how = f"the validation split ({r.dataset.get('validation_rows')} rows)"
    return (f"{r.scored_on}: {how}; the test split is sealed, scored only by the gate "
            f"(rule: {selection.get('rule', '')})")  # fmt: skip


def cmd_runs_compare(args: argparse.Namespace) -> int:
    from shipyard.core.training import compare_runs

    ws = _open(args)
    a = _find_run(ws, args.project, args.run_a)
    b = _find_run(ws, args.project, args.run_b)
    rows = compare_runs(a, b)
    wa = max([len(r.a) for r in rows] + [1])
    print(f"{'':<26} {'A':<{wa}}  B")
    for row in rows:
        mark = {"a": "  ◀ A", "b": "  ▶ B"}.get(row.better, "")
        print(f"{row.label[:26]:<26} {row.a:<{wa}}  {row.b}{mark}")
    return 0


def cmd_runs_promote(args: argparse.Namespace) -> int:
    from shipyard.core.training import promote

    ws = _open(args)
    run = _find_run(ws, args.project, args.run)
    with ws.lock("shipyard runs promote"):
        event = promote(ws, args.project, run.run_id, user=current_user(), reason=args.reason)
    before = f" (was {event.previous})" if event.previous else ""
    print(f"{event.run_id} is now the champion of '{args.project}'{before}")
    return 0


def cmd_runs_champion(args: argparse.Namespace) -> int:
    from shipyard.core.training import champion_history, current_champion

    ws = _open(args)
    history = champion_history(ws, args.project)
    if args.json:
        print_json({"current": current_champion(ws, args.project), "history": history})
        return 0
    if not history:
        print(f"'{args.project}' has no champion yet: "
              f"shipyard runs promote WS {args.project} RUN --reason TEXT")  # fmt: skip
        return 0
    print(f"champion: {current_champion(ws, args.project)}")
    for p in reversed(history):
        print(f"  {p.when}  {p.run_id}  by {p.user or '—'}: {p.reason}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from shipyard.core.training import run_sweep

    ws = _open(args)
    version, target, features = _task(ws, args)
    user = current_user()
    shared_dir = _shared_dir(args)
    with ws.lock("shipyard sweep"):
        runs = run_job(
            lambda job: run_sweep(
                ws, args.project, version, target, family=args.family, mode=args.mode,
                trials=args.trials, user=user, job=job, n_jobs=args.jobs, seed=args.seed,
                features=features, include_pii=args.include_pii, cluster=args.cluster,
                shared_dir=shared_dir,
            ),
            cancelled=_cancelled(ws, args.project, f"the {args.family} sweep of "
                                 f"'{args.project}'", "trial"),
        )  # fmt: skip
    key = (runs[0].primary_metric or {}).get("key", "") if runs else ""
    where = f" (fitted on {args.cluster})" if args.cluster else ""
    print(f"sweep {runs[0].sweep['id'] if runs else '—'}: {len(runs)} {args.family} trials "
          f"on {version.ref}{where}")  # fmt: skip
    for r in runs:
        params = ", ".join(f"{k}={v}" for k, v in (r.sweep or {}).get("params", {}).items())
        onnx = "ok" if r.exportable else "NOT exportable"
        print(f"  {r.run_id:<32} {key} {_num(r.metrics.get(key))}  {onnx:<14} {params}")
    lost = getattr(runs, "lost", [])
    for t in lost:
        params = ", ".join(f"{k}={v}" for k, v in t.params.items())
        print(f"  {t.describe()} ({params}); rerun with: {_sweep_command(args)} (the same "
              "seed plans the same trials; check that worker's log and memory first)")  # fmt: skip
    print(f"see them ranked: shipyard runs list {args.workspace} {args.project}")
    if lost:
        return 1
    return _none_exportable(runs, args)


def _sweep_command(args: argparse.Namespace) -> str:
    parts = ["shipyard sweep", args.workspace, args.project, "--family", args.family, "--mode",
             args.mode, "--trials", str(args.trials), "--seed", str(args.seed)]  # fmt: skip
    for flag, value in (("--dataset", args.dataset), ("--target", args.target),
                        ("--cluster", args.cluster), ("--shared-dir", args.shared_dir)):  # fmt: skip
        if value:
            parts += [flag, value]
    return " ".join(parts)


def _add_runs_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    runs = sub.add_parser("runs", help="the leaderboard, run details, comparison and champion")
    rsub = runs.add_subparsers(dest="runs_command", required=True, metavar="COMMAND")

    def base(name: str, help_text: str, fn: Any) -> argparse.ArgumentParser:
        sp = rsub.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(fn=fn)
        sp.add_argument("workspace")
        sp.add_argument("project")
        return sp

    sp = base("list", "the project's runs ranked by its primary metric", cmd_runs_list)
    sp.add_argument("--metric", help="rank by this metric instead (e.g. f1, log_loss, rmse)")
    sp.add_argument("--json", action="store_true")
    sp = base("show", "one run's record: data, task, metrics, timings, ONNX", cmd_runs_show)
    sp.add_argument("run", help="run id (or a unique start of it)")
    sp.add_argument("--json", action="store_true")
    sp = base("compare", "two runs side by side, the better value marked", cmd_runs_compare)
    sp.add_argument("run_a")
    sp.add_argument("run_b")
    sp = base("promote", "make a run the project's champion (audited)", cmd_runs_promote)
    sp.add_argument("run")
    sp.add_argument("--reason", required=True, help="why this run should serve")
    sp = base("champion", "the current champion and every promotion", cmd_runs_champion)
    sp.add_argument("--json", action="store_true")


# The parser is built before the window opens, so it names the sweep's families and modes
# rather than importing the training package (pydantic and the data layer, ~0.3 s);
# tests/test_cli_train.py checks they match core.training.sweep.
SWEEP_FAMILIES = ("linear", "trees", "text")
SWEEP_MODES = ("random", "grid")


def _add_sweep_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sp = sub.add_parser(
        "sweep",
        help="grid or random search over a model family's key hyper-parameters",
        description="Fit several variants of one family in parallel; each trial is recorded "
        "as a run (ONNX export and parity included) and appears on the leaderboard.",
    )
    sp.set_defaults(fn=cmd_sweep)
    sp.add_argument("workspace")
    sp.add_argument("project")
    sp.add_argument("--family", required=True, choices=SWEEP_FAMILIES)
    sp.add_argument("--mode", choices=SWEEP_MODES, default="random")
    sp.add_argument("--trials", type=int, default=8)
    sp.add_argument("--jobs", type=int, default=2, help="trials fitted at the same time")
    sp.add_argument("--dataset", help="NAME or NAME@vN (default: the project's task)")
    sp.add_argument("--target", help="the column to predict (default: the project's task)")
    sp.add_argument("--seed", type=int, default=42)
    sp.add_argument("--include-pii", action="store_true")
    _add_cluster_options(sp, "trials")
