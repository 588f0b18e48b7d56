"""Generated column names through the whole chain: import, train (every family), gate,
export and the package's own serving contract. Names come from hypothesis: any text a CSV
header can hold, mixed with the names that broke before (`mean radius`, `select`, `b`,
`€`, `a/b`, `label`)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import keyring
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "core" / "packaging"))
from pkg_helpers import MemoryKeyring

from shipyard.core.errors import ShipyardError

AWKWARD = ["mean radius", "select", "b", "v", "€", "a/b", "label", "1st", "Churned?", "a.b"]
name = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
    ).filter(lambda s: s.strip() == s and s and "\ufeff" not in s),
)


def _table(path: Path, names: list[str], rows: int = 160) -> None:
    """Two numbers, a category, a sentence and a label learnable from them."""
    rng = np.random.default_rng(3)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    cat = rng.choice(["red", "green", "blue"], size=rows)
    words = ["good", "bad", "fine", "slow", "fast", "broken"]
    label = np.where(x1 + (cat == "red") + rng.normal(scale=0.3, size=rows) > 0.5, "yes_", "no_")
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for i in range(rows):
            text = " ".join(rng.choice(words, size=4)) + (" broken" if label[i] == "yes_" else "")
            missing = i % 17 == 0
            writer.writerow(
                ["" if missing else f"{x1[i]:.4f}", f"{x2[i]:.4f}", cat[i], text, label[i]]
            )


@pytest.fixture(scope="module", autouse=True)
def memory_keyring() -> Any:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(names=st.lists(name, min_size=5, max_size=5, unique_by=lambda s: s.casefold()))
def test_any_column_names_train_gate_export_and_serve(
    tmp_path_factory: Any, names: list[str]
) -> None:
    from shipyard.core.data.importer import import_file
    from shipyard.core.gates.runner import run_gates
    from shipyard.core.packaging.export import export_package
    from shipyard.core.packaging.model_card import generate_and_write
    from shipyard.core.packaging.request_contract import to_feed, validate
    from shipyard.core.portfolio.projects import create_project
    from shipyard.core.signing.keys import generate_key
    from shipyard.core.training import train_ladder
    from shipyard.core.workspace.workspace import Workspace

    root = tmp_path_factory.mktemp("names")
    ws = Workspace.create(root / "ws")
    create_project(ws, "Names", user="t", slug="names",
                   fields={"outcome": "Decide faster with a model people can check"})  # fmt: skip
    csv_path = root / "table.csv"
    _table(csv_path, names)
    try:
        version = import_file(ws, csv_path, user="t", name="table")
    except ShipyardError as exc:  # a refusal must name the problem; never a crash
        assert exc.fix, exc
        return
    columns = list(version.types)
    assert len(columns) == 5
    target = columns[-1]
    runs = train_ladder(ws, "names", version, target, user="t")
    assert {r.family for r in runs} >= {"dummy", "linear", "trees"}
    assert all(r.exportable for r in runs), [(r.family, r.export_problem) for r in runs]
    generate_and_write(ws, "names", user="t")
    report = run_gates(ws, "names", user="t")
    dummy = next(r for r in runs if r.family == "dummy")
    assert not run_gates(ws, "names", dummy.run_id, user="t", save=False).passed
    generate_key(ws, user="t")
    package = export_package(
        ws, "names", out_dir=root / "out", user="t",
        override_reason=None if report.passed else "generated table: too small to pass",
    )  # fmt: skip
    manifest = json.loads((package.folder / "manifest.json").read_text())
    features = manifest["feature_names"]
    assert set(features) <= set(columns) and target not in features
    row = {f: None for f in features}
    validate(manifest["inputs"], [row])
    import onnxruntime as ort

    session = ort.InferenceSession(str(package.folder / "model.onnx"))
    outputs = session.run(None, to_feed(manifest["inputs"], [row]))
    assert len(outputs[0]) == 1
