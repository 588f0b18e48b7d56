"""Baselines: detect the task, train the seeded sklearn ladder, export ONNX, record runs.

Qt-free; importing this package loads no heavy library (sklearn, skl2onnx, onnxruntime,
numpy, duckdb are imported inside the functions that need them).
"""

from __future__ import annotations

from .ladder import FAMILIES, build_pipeline, default_families
from .runs import RunRecord, list_runs, load_run, runs_dir, train_ladder
from .task import TaskSpec, TrainingRefused, detect_task

__all__ = [
    "FAMILIES",
    "RunRecord",
    "TaskSpec",
    "TrainingRefused",
    "build_pipeline",
    "default_families",
    "detect_task",
    "list_runs",
    "load_run",
    "runs_dir",
    "train_ladder",
]
