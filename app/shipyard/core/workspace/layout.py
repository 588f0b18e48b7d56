"""Names of the files and folders that make a workspace, and a quick look at a folder.

Nothing here loads the domain libraries, so the window can check a path before it shows.
"""

from __future__ import annotations

from pathlib import Path

from shipyard.core.errors import NotAWorkspace

CONFIG_NAME = "shipyard.toml"
PROJECTS = "projects"
ONEPAGER = "onepager.md"
AUDIT_NAME = "audit.jsonl"
# Beside a run: the last rollout rehearsal of that run as the candidate (the card reads it).
REHEARSAL_FILE = "rehearsal.json"
# What a project folder gains from its work, beside its one-pager: the demo generator and the
# tests that start from a one-pagers-only demo both go by this list.
PROJECT_OUTPUTS = (
    "runs",
    "task.yaml",
    "data.yaml",
    "champion.json",
    "model_card.md",
    "rollout.yaml",
    "flags.yaml",
    "data_contract.yaml",
)


def probe_workspace(path: Path | str) -> Path:
    """The resolved root if `path` looks like a workspace; NotAWorkspace saying why if not.

    Only the shape is checked; Workspace.open validates the contents.
    """
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise NotAWorkspace(
            "no such folder",
            file=root,
            fix="pick an existing workspace folder, or create one with 'shipyard init PATH'",
        )
    if not (root / CONFIG_NAME).is_file():
        raise NotAWorkspace(
            f"this folder is not a Shipyard workspace (it has no {CONFIG_NAME})",
            file=root,
            fix="open the folder that holds shipyard.toml, or create a workspace with "
            "'shipyard init PATH'",
        )
    return root


def default_demo_path() -> Path:
    """Where `shipyard demo` and the welcome page create the demo workspace."""
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "Shipyard Demo"
