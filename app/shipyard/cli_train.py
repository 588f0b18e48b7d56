"""`shipyard train`: the baseline ladder for a project, headless.

The project's task (dataset and target) is remembered in `projects/<slug>/task.yaml`, so
once set up, `shipyard train WORKSPACE PROJECT` needs no options. Never imports Qt.
"""

from __future__ import annotations

import argparse
import sys

from .core.errors import ShipyardError

# The figures a reader looks at first, per task kind.
HEADLINE = {
    "binary": ("roc_auc", "f1", "log_loss"),
    "multiclass": ("f1", "accuracy", "log_loss"),
    "text": ("f1", "accuracy", "log_loss"),
    "regression": ("r2", "mae", "rmse"),
}


def cmd_train(args: argparse.Namespace) -> int:
    from .cli import _user
    from .core.jobs import JobControl
    from .core.training import train_ladder
    from .core.training.task_file import read_task, task_path, training_version, write_task
    from .core.workspace import Workspace

    ws = Workspace.open(args.workspace)
    ws.project(args.project)  # a clear error listing the projects
    remembered = read_task(ws, args.project)
    version = training_version(ws, args.project, args.dataset)
    target = args.target or remembered.get("target")
    same_task = target == remembered.get("target") and not args.dataset
    features = remembered.get("features") if same_task else None
    if not target:
        raise ShipyardError(
            f"no target column set for project '{args.project}'",
            file=task_path(ws, args.project),
            fix=f"pass --target COLUMN (one of: {', '.join(version.column_names)})",
        )
    show = sys.stderr.isatty()

    def progress(fraction: float, message: str) -> None:
        if show:
            print(f"\r{fraction:6.1%}  {message[:60]:<60}", end="", file=sys.stderr, flush=True)

    families = args.family or None
    with ws.lock("shipyard train"):
        runs = train_ladder(ws, args.project, version, target, user=_user(),
                            job=JobControl(progress), families=families, seed=args.seed,
                            folds=args.folds, include_pii=args.include_pii,
                            features=features)  # fmt: skip
        write_task(ws, args.project, version.ref, target, features)
    if show:
        print(file=sys.stderr)
    kind = runs[0].task.get("kind", "binary") if runs else "binary"
    keys = HEADLINE.get(kind, HEADLINE["binary"])
    print(f"{len(runs)} runs on {version.ref}, target '{target}' ({kind})")
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
    return 0


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
