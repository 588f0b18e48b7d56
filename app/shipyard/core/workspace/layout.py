"""Names of the files and folders that make a workspace, and a quick look at a folder.

Nothing here loads the domain libraries, so the window can check a path before it shows.
"""

from __future__ import annotations

from pathlib import Path

from shipyard.core.errors import NotAWorkspace

# -- the workspace folder ---------------------------------------------------------------
CONFIG_NAME = "shipyard.toml"
PROJECTS = "projects"
AUDIT_NAME = "audit.jsonl"
SEALS_NAME = "audit.seals.jsonl"
LOCK_NAME = "lock.json"
# Portfolio reviews: reviews/<date>.yaml, and one health snapshot per sprint in reviews/health/.
REVIEWS_DIR = "reviews"
HEALTH_HISTORY_DIR = "reviews/health"

# -- a project folder ---------------------------------------------------------------------
ONEPAGER = "onepager.md"
TASK_FILE = "task.yaml"
DATA_LINKS_FILE = "data.yaml"
CHAMPION_FILE = "champion.json"
CARD_FILE = "model_card.md"
ROLLOUT_FILE = "rollout.yaml"
FLAGS_FILE = "flags.yaml"
CONTRACT_FILE = "data_contract.yaml"
GATES_FILE = "gates.yaml"

# The JSON Schema of each file users edit: a copy of docs/schemas/ in every workspace's
# .schemas/, named from the file's first line so editors validate as you type.
SCHEMAS_DIR = ".schemas"
SCHEMA_NAMES = {
    ONEPAGER: "onepager",
    TASK_FILE: "task",
    DATA_LINKS_FILE: "data",
    ROLLOUT_FILE: "rollout",
    FLAGS_FILE: "flags",
    CONTRACT_FILE: "data_contract",
    GATES_FILE: "gates",
}


def schema_comment(file_name: str) -> str:
    """The editor's schema line (without '# ') for a file in a project folder."""
    return (
        f"yaml-language-server: $schema=../../{SCHEMAS_DIR}/{SCHEMA_NAMES[file_name]}.schema.json"
    )


# -- a run folder (projects/<slug>/runs/<run-id>/) -----------------------------------------
RUNS_DIR = "runs"
RUN_FILE = "run.json"
# The run's bulky plotting data (ROC/PR/calibration points, residuals, the confusion
# matrix), read only when a run is shown: run.json stays small enough to list thousands.
CURVES_FILE = "curves.json"
MODEL_FILE = "model.onnx"
GATE_REPORT_FILE = "gate_report.json"
IMPORTANCE_FILE = "importance.json"
LATENCY_FILE = "latency.json"
# The last rollout rehearsal of that run as the candidate (the card reads it).
REHEARSAL_FILE = "rehearsal.json"

# -- workspace state under .shipyard/ (derived, git-ignored, never packaged) ----------------
STATE_DIR = ".shipyard"
# One file per project: a row per run for the leaderboard, rebuilt from the run folders.
RUN_INDEX_DIR = ".shipyard/run-index"

# -- a dataset version folder --------------------------------------------------------------
DATA_FILE = "data.parquet"
VERSION_FILE = "version.json"
PROFILE_FILE = "profile.json"
PII_FILE = "pii.json"

# -- a signed model package (beside MODEL_FILE, CARD_FILE, GATE_REPORT_FILE, ROLLOUT_FILE) --
MANIFEST_FILE = "manifest.json"
SIGNATURE_FILE = "model.sig"
PACKAGE_FLAGS_FILE = "flags.flagd.json"
AUDIT_SEAL_FILE = "audit_seal.json"  # the seal of the audit log at export time

# What a project folder gains from its work, beside its one-pager: the demo generator and the
# tests that start from a one-pagers-only demo both go by this list.
PROJECT_OUTPUTS = (
    "runs",
    TASK_FILE,
    DATA_LINKS_FILE,
    CHAMPION_FILE,
    CARD_FILE,
    ROLLOUT_FILE,
    FLAGS_FILE,
    CONTRACT_FILE,
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
