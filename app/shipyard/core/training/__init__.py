"""Baselines: detect the task, train the seeded sklearn ladder, export ONNX, record runs,
rank them (leaderboard, champion), sweep hyper-parameters, explain with permutation importance.

Qt-free; importing this package loads no heavy library (sklearn, skl2onnx, onnxruntime,
numpy, duckdb are imported inside the functions that need them).
"""

from __future__ import annotations

from shipyard.core.training.champion import Promotion, champion_history, current_champion, promote
from shipyard.core.training.importance import permutation_importance
from shipyard.core.training.ladder import FAMILIES, build_pipeline, default_families
from shipyard.core.training.leaderboard import (
    METRIC_LABELS,
    CompareRow,
    Leaderboard,
    LeaderRow,
    compare_runs,
    direction_of,
    leaderboard,
    metric_label,
    primary_metric,
)
from shipyard.core.training.runs import RunRecord, list_runs, load_run
from shipyard.core.training.sweep import SWEEP_SPACES, run_sweep
from shipyard.core.training.task import TaskSpec, TrainingRefused, detect_task
from shipyard.core.training.task_file import read_task, training_version, write_task
from shipyard.core.training.train import train_ladder
from shipyard.core.workspace.run_folders import runs_dir

__all__ = [
    "FAMILIES",
    "METRIC_LABELS",
    "SWEEP_SPACES",
    "CompareRow",
    "LeaderRow",
    "Leaderboard",
    "Promotion",
    "RunRecord",
    "TaskSpec",
    "TrainingRefused",
    "build_pipeline",
    "champion_history",
    "compare_runs",
    "current_champion",
    "default_families",
    "detect_task",
    "direction_of",
    "leaderboard",
    "list_runs",
    "load_run",
    "metric_label",
    "permutation_importance",
    "primary_metric",
    "promote",
    "read_task",
    "run_sweep",
    "runs_dir",
    "train_ladder",
    "training_version",
    "write_task",
]
