"""A model's latency is measured once and kept beside its run, keyed by the model's sha256."""

from __future__ import annotations

import json
from pathlib import Path

from shipyard.core.gates.latency import (
    LatencyResult,
    latency_once,
    latency_path,
    load_latency,
    stored_latency_info,
)


def _result(p50: float, calls: int = 300) -> LatencyResult:
    return LatencyResult(calls, p50, p50 * 2, p50 * 3, p50 * 1.1, p50 * 4, 1234.5, 1000,
                         (p50, p50 * 2))  # fmt: skip


def test_measured_once_then_read_back_exactly(tmp_path: Path) -> None:
    calls: list[int] = []

    def measure() -> LatencyResult:
        calls.append(1)
        return _result(0.1234567891234 * len(calls))

    first = latency_once(tmp_path, "aa" * 32, measure, measured_by="gate")
    again = latency_once(tmp_path, "aa" * 32, measure, measured_by="rehearsal")
    assert calls == [1] and again == first  # every float survives the round trip
    stored = json.loads(latency_path(tmp_path).read_text("utf-8"))
    assert stored["model_sha256"] == "aa" * 32 and stored["measured_by"] == "gate"
    assert stored_latency_info(tmp_path, "aa" * 32)["measured_by"] == "gate"  # type: ignore[index]


def test_other_bytes_or_too_few_calls_are_measured_again(tmp_path: Path) -> None:
    latency_once(tmp_path, "aa" * 32, lambda: _result(1.0, calls=120), measured_by="rehearsal")
    # the model file changed: its hash differs, the old figure is not used
    assert load_latency(tmp_path, "bb" * 32) is None
    swapped = latency_once(tmp_path, "bb" * 32, lambda: _result(5.0), measured_by="rehearsal")
    assert swapped.p50_ms == 5.0 and load_latency(tmp_path, "aa" * 32) is None
    # a gate asking for more timed calls than were stored measures again
    more = latency_once(tmp_path, "bb" * 32, lambda: _result(7.0, calls=1000), min_calls=500,
                        measured_by=lambda: "gate")  # fmt: skip
    assert more.p50_ms == 7.0 and more.calls == 1000
    assert stored_latency_info(tmp_path, "bb" * 32)["measured_by"] == "gate"  # type: ignore[index]


def test_damaged_or_unwritable_store_still_measures(tmp_path: Path) -> None:
    latency_path(tmp_path).write_text("{not json", "utf-8")
    assert load_latency(tmp_path, "aa" * 32) is None
    got = latency_once(tmp_path, "aa" * 32, lambda: _result(2.0), measured_by="gate")
    assert got.p50_ms == 2.0 and load_latency(tmp_path, "aa" * 32) == got
    missing = tmp_path / "gone" / "deeper"  # cannot be written: the figure is still returned
    assert latency_once(missing, "aa" * 32, lambda: _result(3.0), measured_by="x").p50_ms == 3.0
    assert latency_once(None, "", lambda: _result(4.0), measured_by="x").p50_ms == 4.0
