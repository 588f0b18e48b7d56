"""The project's remembered training task: `projects/<slug>/task.yaml`.

It names the dataset version and target column (and optionally the chosen features), so
`shipyard train WORKSPACE PROJECT` and the Models tab need no options once set up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.workspace.layout import TASK_FILE, schema_comment
from shipyard.core.workspace.workspace import Workspace


def task_path(ws: Workspace, slug: str) -> Path:
    return ws.projects_dir / slug / TASK_FILE


def read_task(ws: Workspace, slug: str) -> dict[str, Any]:
    """The remembered task ({} when none): keys dataset, target and maybe features.

    A damaged file raises ShipyardError naming task.yaml and the fix.
    """
    import yaml

    path = task_path(ws, slug)
    if not path.is_file():
        return {}
    from shipyard.core.workspace.yaml_file import check_yaml_text

    try:
        text = path.read_text(encoding="utf-8")
        check_yaml_text(text, path)
        data = yaml.safe_load(text) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ShipyardError(
            f"not valid YAML: {exc}", file=path, fix="correct or delete it"
        ) from None
    if not isinstance(data, dict):
        raise ShipyardError(
            "expected 'dataset:' and 'target:' lines",
            file=path,
            fix="write 'dataset: name@v1' and 'target: column'",
        )
    for key in ("dataset", "target"):
        if key in data and not isinstance(data[key], str):
            raise ShipyardError(
                f"'{key}' must be text, not {type(data[key]).__name__}",
                file=path,
                fix=f"write '{key}: ...' with a single value",
            )
    feats = data.get("features")
    if feats is not None and (
        not isinstance(feats, list) or not all(isinstance(f, str) for f in feats)
    ):
        raise ShipyardError(
            "'features' must be a list of column names",
            file=path,
            fix="write one '- column' line per feature, or remove 'features:'",
        )
    return data


def write_task(
    ws: Workspace, slug: str, dataset: str, target: str, features: list[str] | None = None
) -> None:
    """Remember the task (atomic write). `features=None` means: let Shipyard propose them."""
    import yaml

    from shipyard.core.workspace.atomic import atomic_write_text

    ws.project(slug)
    data: dict[str, Any] = {"dataset": dataset, "target": target}
    if features is not None:
        data["features"] = list(features)
    text = (
        f"# {schema_comment(TASK_FILE)}\n# The task `shipyard train` uses when given no options.\n"
    ) + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    atomic_write_text(task_path(ws, slug), text)


def training_version(ws: Workspace, slug: str, dataset: str | None = None) -> Any:
    """The DatasetVersion to train on: `dataset`, else task.yaml's, else the linked one.

    Raises ShipyardError naming task.yaml or the project's data links when there is none.
    """
    from shipyard.core.data import DatasetNotFound, project_links, resolve

    ws.project(slug)
    if dataset:
        return resolve(ws, dataset)
    remembered = read_task(ws, slug).get("dataset")
    if remembered:
        try:
            return resolve(ws, remembered)
        except DatasetNotFound as exc:
            raise ShipyardError(
                f"task.yaml names dataset '{remembered}', which is not in the workspace "
                f"({exc.message})",
                file=task_path(ws, slug),
                fix="import it again, or pick another version (--dataset NAME[@vN])",
            ) from None
    links = [link for link in project_links(ws, slug) if link.role == "training"]
    if not links:
        raise ShipyardError(
            f"project '{slug}' has no training dataset yet",
            file=ws.projects_dir / slug / "data.yaml",
            fix="pass --dataset NAME[@vN], or link a version with "
            f"'shipyard data import ... --project {slug}'",
        )
    return resolve(ws, links[0].ref)
