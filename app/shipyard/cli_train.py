"""`shipyard train`: the baseline ladder for a project, headless.

The project's task (dataset and target) is remembered in `projects/<slug>/task.yaml`, so
once set up, `shipyard train WORKSPACE PROJECT` needs no options. Never imports Qt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .core.errors import ShipyardError

TASK_FILE = "task.yaml"
# The figures a reader looks at first, per task kind.
HEADLINE = {
    "binary": ("roc_auc", "f1", "log_loss"),
    "multiclass": ("f1", "accuracy", "log_loss"),
    "text": ("f1", "accuracy", "log_loss"),
    "regression": ("r2", "mae", "rmse"),
}


def _task_path(ws: Any, slug: str) -> Path:
    return ws.projects_dir / slug / TASK_FILE


def read_task(ws: Any, slug: str) -> dict[str, Any]:
    """The remembered task of a project ({} when none); a damaged file names itself."""
    import yaml

    path = _task_path(ws, slug)
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ShipyardError(
            f"not valid YAML: {exc}", file=path, fix="correct or delete it"
        ) from None
    if not isinstance(data, dict):
        raise ShipyardError("expected 'dataset:' and 'target:' lines", file=path,
                            fix="write 'dataset: name@v1' and 'target: column'")  # fmt: skip
    return data


def write_task(ws: Any, slug: str, dataset: str, target: str) -> None:
    import yaml

    from .core.atomic import atomic_write_text

    text = "# The task `shipyard train` uses when given no options.\n" + yaml.safe_dump(
        {"dataset": dataset, "target": target}, sort_keys=False
    )
    atomic_write_text(_task_path(ws, slug), text)


def _training_version(ws: Any, slug: str, dataset: str | None, remembered: dict) -> Any:
    from .core.data import project_links, resolve

    ref = dataset or remembered.get("dataset")
    if not ref:
        links = [link for link in project_links(ws, slug) if link.role == "training"]
        if not links:
            raise ShipyardError(
                f"project '{slug}' has no training dataset yet",
                file=ws.projects_dir / slug,
                fix="pass --dataset NAME[@vN], or link a version with "
                "'shipyard data import ... --project SLUG'",
            )
        ref = links[0].ref
    return resolve(ws, ref)


def cmd_train(args: argparse.Namespace) -> int:
    from .cli import _user
    from .core.jobs import JobControl
    from .core.training import train_ladder
    from .core.workspace import Workspace

    ws = Workspace.open(args.workspace)
    ws.project(args.project)  # a clear error listing the projects
    remembered = read_task(ws, args.project)
    version = _training_version(ws, args.project, args.dataset, remembered)
    target = args.target or remembered.get("target")
    if not target:
        raise ShipyardError(
            f"no target column set for project '{args.project}'",
            file=_task_path(ws, args.project),
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
                            folds=args.folds, include_pii=args.include_pii)  # fmt: skip
        write_task(ws, args.project, version.ref, target)
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
