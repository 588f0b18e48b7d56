"""One rule for the run a command uses by default: the champion, else the best exportable
run by the primary metric; never the newest."""

from __future__ import annotations

import random

import pytest

from shipyard.core.errors import ShipyardError
from shipyard.core.training import promote, train_ladder
from shipyard.core.training.selection import BEST, CHAMPION, CHOSEN, choose_run

SLUG = "fraud-flag"  # its one-pager ranks by recall; the demo's runs of it are removed


def _table() -> str:
    rng = random.Random(5)
    lines = ["amount,country,hour,fraud"]
    for _ in range(240):
        amount, hour = rng.uniform(1, 500), rng.randint(0, 23)
        country = rng.choice(["de", "fr", "us"])
        fraud = "yes" if amount / 500 + (hour < 5) * 0.6 + rng.gauss(0, 0.25) > 0.9 else "no"
        lines.append(f"{amount:.2f},{country},{hour},{fraud}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def trained(ws, csv):
    import shutil

    shutil.rmtree(ws.projects_dir / SLUG / "runs")
    (ws.projects_dir / SLUG / "champion.json").unlink()
    v = csv("payments", _table())
    [linear] = train_ladder(ws, SLUG, v, "fraud", user="t", families=["linear"])
    [dummy] = train_ladder(ws, SLUG, v, "fraud", user="t", families=["dummy"])  # newer, worse
    return ws, linear, dummy


def test_without_a_champion_the_best_run_is_chosen_not_the_newest(trained):
    from shipyard.core.gates.runner import default_run
    from shipyard.core.packaging import sources

    ws, linear, dummy = trained
    assert dummy.created > linear.created
    assert dummy.metrics["recall"] < linear.metrics["recall"]  # 'recall_at_1pct_review'
    choice = choose_run(ws, SLUG)
    assert choice.rule == BEST and choice.run_id == linear.run_id
    assert choice.why.startswith(f"the best exportable run by recall, {linear.run_id}")
    assert "no champion yet" in choice.why and "--reason" in choice.why
    assert choice.headline("Gating").startswith("Gating the best exportable run")
    # Every default goes through the same rule.
    assert default_run(ws, SLUG).run_id == linear.run_id
    assert choose_run(ws, SLUG).run.run_id == linear.run_id
    assert not hasattr(sources, "pick_run")  # packaging asks choose_run itself


def test_the_champion_wins_and_a_named_run_wins_over_it(trained):
    ws, linear, dummy = trained
    promote(ws, SLUG, dummy.run_id, user="t", reason="compare")
    choice = choose_run(ws, SLUG)
    assert choice.rule == CHAMPION and choice.run_id == dummy.run_id
    assert choice.headline("Gating") == f"Gating the champion {dummy.run_id}"
    assert choose_run(ws, SLUG).run.run_id == dummy.run_id
    named = choose_run(ws, SLUG, linear.run_id)
    assert named.rule == CHOSEN and named.run_id == linear.run_id


def test_no_run_and_no_exportable_run_name_the_real_blocker(trained, monkeypatch):
    ws, linear, dummy = trained
    with pytest.raises(ShipyardError, match="no trained run yet") as err:
        choose_run(ws, "faq-deflection-bot")
    assert "shipyard train" in err.value.fix
    for run in (linear, dummy):
        path = run.folder / "run.json"
        path.write_text(
            path.read_text("utf-8").replace('"exportable": true', '"exportable": false')
        )
    with pytest.raises(ShipyardError, match="none of the 2 runs") as err:
        choose_run(ws, SLUG)
    assert "shipyard runs list" in err.value.fix and "train it first" not in err.value.fix
