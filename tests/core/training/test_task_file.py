"""task.yaml: the remembered training task, and the version a project trains on."""

from __future__ import annotations

import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.training.task_file import read_task, task_path, training_version, write_task

SLUG = "onpage-suggestion"  # a demo project with no task yet


def test_round_trip_with_features(ws):
    assert read_task(ws, SLUG) == {}
    write_task(ws, SLUG, "churn@v1", "churned", ["tenure_months", "plan"])
    assert read_task(ws, SLUG) == {
        "dataset": "churn@v1",
        "target": "churned",
        "features": ["tenure_months", "plan"],
    }
    write_task(ws, SLUG, "churn@v2", "churned")
    assert "features" not in read_task(ws, SLUG)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dataset: [unclosed\n", "not valid YAML"),
        ("- a\n- b\n", "expected 'dataset:'"),
        ("dataset: churn@v1\ntarget: [a, b]\n", "'target' must be text"),
        ("dataset: churn@v1\ntarget: y\nfeatures: plan\n", "'features' must be a list"),
    ],
)
def test_damaged_task_file_names_itself(ws, text, words):
    task_path(ws, SLUG).write_text(text, encoding="utf-8")
    with pytest.raises(ShipyardError, match=words) as info:
        read_task(ws, SLUG)
    assert info.value.file == task_path(ws, SLUG) and info.value.fix


def test_training_version_order_and_errors(ws, sample):
    with pytest.raises(ShipyardError, match="no training dataset yet") as info:
        training_version(ws, SLUG)
    assert info.value.file.name == "data.yaml"
    v = sample("churn_customers.csv", "churn")
    assert training_version(ws, SLUG, "churn").ref == v.ref
    write_task(ws, SLUG, "gone@v3", "churned")
    with pytest.raises(ShipyardError, match=r"task\.yaml names dataset 'gone@v3'") as info:
        training_version(ws, SLUG)
    assert info.value.file == task_path(ws, SLUG)
    write_task(ws, SLUG, v.ref, "churned")
    assert training_version(ws, SLUG).fingerprint == v.fingerprint
