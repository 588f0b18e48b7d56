"""A regression model rehearses too: KPI is 'within tolerance', the default rule is the mean."""

from __future__ import annotations

import numpy as np

from shipyard.core.rollout.rehearsal import rehearse
from shipyard.core.workspace.workspace import Workspace

SLUG = "demand-forecast"


def test_regression_rollout_and_shadow(tws: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from shipyard.core.data import import_file
    from shipyard.core.training import train_ladder

    rng = np.random.default_rng(3)
    x = rng.uniform(0, 10, 400)
    y = 3 * x + rng.normal(0, 1, 400)
    path = tmp_path / "units.csv"
    path.write_text("x,units\n" + "".join(f"{a:.3f},{b:.3f}\n" for a, b in zip(x, y, strict=True)))
    version = import_file(tws, path, "units", user="t")
    train_ladder(tws, SLUG, version.ref, "units", user="t", families=["dummy", "linear"])
    done = rehearse(tws, SLUG, seed=5)
    assert done.arms.traffic.kind == "regression" and done.arms.traffic.tolerance > 0
    assert "mean" in done.arms.control.label
    res = done.result
    # a real linear fit beats the mean by far: promoted, KPI well above control
    assert res.outcome == "promoted"
    kpi = next(c for c in res.phases[2].checks if c.key == "kpi_delta")
    assert kpi.value > 0.3
    assert 0 < done.shadow.agreement < 1 and done.shadow.pairs == []
