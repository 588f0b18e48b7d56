"""A small demo workspace with trained runs, built once per test session and copied per test.

Shared by the core, CLI and GUI gate tests (they add this folder to sys.path).
"""

from __future__ import annotations

import atexit
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

SLUG = "churn-risk"
DATASET = "gate_customers"
TARGET = "churned"


def customers_csv(path: Path, rows: int = 400, seed: int = 7, shift: float = 0.0) -> Path:
    """Customers with an email (PII), numbers, categories and a learnable churn target.
    `shift` moves the spend distribution (for drift tests)."""
    rng = random.Random(seed)
    lines = ["customer_id,email,plan,region,monthly_spend,tenure_months,logins_30d,churned"]
    for i in range(rows):
        plan = rng.choice(["free", "basic", "pro"])
        region = rng.choice(["na", "eu", "apac"])
        spend = round(rng.uniform(0, 120) + shift, 2)
        tenure = rng.randint(1, 48)
        logins = rng.randint(0, 30)
        risk = 1.5 - 0.05 * tenure - 0.08 * logins + (0.8 if plan == "free" else 0.0)
        churned = "true" if risk + rng.gauss(0, 0.6) > 0 else "false"
        spend_text = "" if i % 37 == 0 else str(spend)
        lines.append(
            f"C-{10000 + i},user{i}@example.com,{plan},{region},{spend_text},{tenure},{logins},"
            f"{churned}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_BUILT: list[Path] = []


def _build_once() -> Path:
    """Train once per test process; the core, CLI and GUI tests all copy this one."""
    if _BUILT:
        return _BUILT[0]
    from shipyard.core.data import import_file
    from shipyard.core.training import train_ladder

    base = Path(tempfile.mkdtemp(prefix="shipyard-gate-tests-"))
    atexit.register(shutil.rmtree, base, True)
    from demo_template import plain_demo

    ws = plain_demo(base / "ws", name="Gate tests")
    csv = customers_csv(base / "gate_customers.csv")
    version = import_file(ws, csv, DATASET, user="t")
    train_ladder(ws, SLUG, version, TARGET, user="t", families=["dummy", "linear"])
    _BUILT.append(ws.root)
    return ws.root


def build(root: Path) -> Path:
    """A workspace at `root` with one dataset version and two runs (dummy, linear)."""
    shutil.copytree(_build_once(), root, ignore=shutil.ignore_patterns(".shipyard"))
    return root


def sealed_test_answers(ws: Any, run: Any) -> tuple[Any, Any, Any]:
    """(test frame, labels or values, probabilities) of the run's model file on its sealed
    test split, computed here without the gate's code."""
    import numpy as np
    import onnxruntime as ort

    from shipyard.core.data import load_split, resolve
    from shipyard.core.training.frame import load_test_frame
    from shipyard.core.training.task import TaskSpec

    spec = TaskSpec.from_record(run.task)
    version = resolve(ws, run.dataset["ref"])
    frame = load_test_frame(version, spec, load_split(version, run.dataset["split_id"]))
    session = ort.InferenceSession(str(run.folder / "model.onnx"))
    outs = session.run(None, frame.onnx_feed(spec))
    if spec.is_classification:
        return frame, np.asarray(outs[0]).astype(str), np.asarray(outs[1])
    return frame, np.asarray(outs[0], dtype=np.float64).reshape(-1), None


def sealed_test_metrics(ws: Any, run: Any) -> dict[str, Any]:
    """The run's metrics on its sealed test split (what the gate judges)."""
    from shipyard.core.training.metrics import classification_metrics, regression_metrics
    from shipyard.core.training.task import TaskSpec

    spec = TaskSpec.from_record(run.task)
    frame, labels, proba = sealed_test_answers(ws, run)
    if spec.is_classification:
        return classification_metrics(frame.y, labels, proba, spec.classes)[0]
    return regression_metrics(frame.y, labels)[0]


def copy(template: Path, dest: Path) -> Any:
    from shipyard.core.workspace.workspace import Workspace

    shutil.copytree(template, dest, ignore=shutil.ignore_patterns(".shipyard"))
    return Workspace.open(dest)


COMPLETE_CARD = """---
license: apache-2.0
tags: [churn, tabular]
datasets: [gate_customers]
model-index:
  - name: churn-risk
---
# Churn risk

## Model details
Logistic regression on account features.

## Intended use
Ranking accounts for the retention team.

## Out-of-scope use
Pricing decisions.

## Training data
gate_customers@v1, 400 rows.

## Evaluation
Holdout F1 and ROC-AUC.

## Limitations
Small sample.

## Ethical considerations
No personal data is used as a feature.

## How to use
Load model.onnx with onnxruntime.
"""
