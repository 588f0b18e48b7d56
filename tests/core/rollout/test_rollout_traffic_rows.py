"""The rehearsal's default traffic is rows no model was chosen on, and it says which."""

from __future__ import annotations

import json

from shipyard.core.data import load_split, resolve
from shipyard.core.rollout.rehearsal import rehearse
from shipyard.core.training import list_runs
from shipyard.core.workspace.workspace import Workspace

SLUG = "churn-risk"


def test_default_traffic_is_the_sealed_test_split(tws: Workspace) -> None:
    r = rehearse(tws, SLUG, seed=1)
    candidate = next(x for x in list_runs(tws, SLUG) if x.run_id == r.arms.candidate.run_id)
    split = load_split(resolve(tws, candidate.dataset["ref"]), candidate.dataset["split_id"])
    assert split.sealed and len(r.arms.traffic) == split.test_rows == 600
    assert r.arms.traffic.rows_from.startswith("the sealed test split of churn@v1")
    assert "no model was trained or chosen on" in r.arms.traffic.rows_from
    stored = json.loads((candidate.folder / "rehearsal.json").read_text("utf-8"))
    assert stored["traffic_rows"] == r.arms.traffic.rows_from and stored["traffic"] == "churn@v1"


def test_another_version_is_new_data(tws: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from shipyard.core.data import import_file

    lines = (tws.root / "samples" / "churn_customers.csv").read_text("utf-8").splitlines()
    newer = tmp_path / "churn_customers.csv"
    newer.write_text("\n".join(lines[:1001]) + "\n", "utf-8")
    assert import_file(tws, newer, "churn", user="t").ref == "churn@v2"
    r = rehearse(tws, SLUG, traffic="churn@v2", seed=1, store=False)
    assert r.arms.traffic.rows_from.startswith("new data: every row of churn@v2")
    assert len(r.arms.traffic) == 1000


def test_all_rows_when_the_policy_asks_for_them(tws: Workspace) -> None:
    from shipyard.core.rollout.policy import load_policy

    policy = load_policy(tws, SLUG).model_copy(update={"traffic_rows": "all"})
    r = rehearse(tws, SLUG, policy=policy, seed=1, store=False)
    assert r.arms.traffic.rows_from.startswith("every row of churn@v1, the training rows")
    assert len(r.arms.traffic) == 3000
