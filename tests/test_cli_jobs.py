"""`shipyard.cli.jobs.run_job`: the one way a long command runs its job. Ctrl+C is simulated
with `_thread.interrupt_main()`, which raises KeyboardInterrupt in the waiting main thread as
the terminal's SIGINT does (tests/test_cli_cancel.py sends the real signal)."""

from __future__ import annotations

import _thread
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from shipyard.cli.jobs import JobCancelled, ProgressLine, run_job
from shipyard.core.errors import ShipyardError
from shipyard.core.jobs import JobControl
from shipyard.core.workspace.layout import GATE_REPORT_FILE

sys.path.insert(0, str(Path(__file__).parent / "core" / "gates"))

import gate_test_workspace as gtw


def press_ctrl_c(job: JobControl) -> None:
    """Ctrl+C from inside the job, then wait until the main thread turned it into a cancel."""
    _thread.interrupt_main()
    assert job._cancel.wait(10), "the Ctrl+C never reached the job"


def no_job_thread_left() -> bool:
    return not [t for t in threading.enumerate() if t.name == "shipyard-cli-job"]


def test_the_result_comes_back_and_errors_are_raised_here() -> None:
    assert run_job(lambda job: 42, cancelled="cancelled: never shown") == 42

    def refused(job: JobControl) -> None:
        raise ShipyardError("no such table", fix="import it first")

    with pytest.raises(ShipyardError, match="no such table"):
        run_job(refused, cancelled="cancelled: never shown")
    assert no_job_thread_left()


def test_ctrl_c_stops_the_job_at_its_next_check_and_says_what_was_cancelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    checks_after_cancel = []

    def work(job: JobControl) -> None:
        press_ctrl_c(job)
        while True:
            checks_after_cancel.append(1)
            job.progress(0.5, "still working")  # raises Cancelled: the cancel point

    asked = []

    def message() -> str:
        asked.append(1)
        return "cancelled: the test job; nothing was written"

    with pytest.raises(JobCancelled) as raised:
        run_job(work, cancelled=message)
    assert raised.value.message == "cancelled: the test job; nothing was written"
    assert isinstance(raised.value, KeyboardInterrupt)  # uncaught, it still means exit 130
    assert checks_after_cancel == [1] and asked == [1]
    assert capsys.readouterr().err == "cancelling ...\n"
    assert no_job_thread_left()  # the worker was waited for


def test_a_second_ctrl_c_is_answered_while_the_job_stops(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def said_so(text: str) -> None:
        deadline = time.monotonic() + 10
        while text not in "".join(said) and time.monotonic() < deadline:
            time.sleep(0.01)

    def work(job: JobControl) -> None:
        press_ctrl_c(job)
        said_so("cancelling ...")
        _thread.interrupt_main()  # impatient: the job has not reached its check yet
        said_so("still cancelling")
        job.check()

    said: list[str] = []
    real_write = sys.stderr.write

    def write(text: str) -> int:
        said.append(text)
        return real_write(text)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys.stderr, "write", write)
        with pytest.raises(JobCancelled):
            run_job(work, cancelled="cancelled: the test job")
    err = capsys.readouterr().err
    assert err == "cancelling ...\nstill cancelling: the job stops at its next check\n"


def test_a_job_that_finished_before_its_next_check_keeps_its_result(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def work(job: JobControl) -> str:
        press_ctrl_c(job)
        return "saved"  # the work was done: no check after the last write

    assert run_job(work, cancelled=lambda: pytest.fail("not cancelled")) == "saved"
    err = capsys.readouterr().err
    assert "cancelling ..." in err and "too late to cancel: the work had already finished" in err


def test_the_progress_line_is_cleared_before_the_result_and_silent_off_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def work(job: JobControl) -> int:
        job.progress(0.25, "reading")
        return 1

    assert run_job(work, cancelled="") == 1
    assert capsys.readouterr().err == ""  # stderr is not a terminal under pytest
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert run_job(work, cancelled="") == 1
    err = capsys.readouterr().err
    assert err.startswith("\r 25%  reading") and err.endswith("\r")  # wiped after
    line = ProgressLine(enabled=True)
    line(1.0, "x" * 300)
    assert len(capsys.readouterr().err) == 1 + 100  # "\r" and at most 100 characters


# -- a command: the gates stop between two checks and store no report ------------------------
@pytest.fixture
def gate_ws(tmp_path: Path) -> Any:
    return gtw.copy(gtw.build(tmp_path / "template"), tmp_path / "ws")


def test_ctrl_c_during_the_gates_exits_130_and_stores_no_report(
    gate_ws: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipyard.cli.commands import run
    from shipyard.core.gates import runner

    real = runner.CHECKS["onnx_parity"]

    def parity_then_ctrl_c(ctx: Any, check: Any) -> Any:
        outcome = real(ctx, check)
        press_ctrl_c(ctx.job)
        return outcome

    monkeypatch.setitem(runner.CHECKS, "onnx_parity", parity_then_ctrl_c)
    (gate_ws.projects_dir / gtw.SLUG / "gates.yaml").write_text(
        "inherit: false\nchecks:\n  - kind: onnx_parity\n  - kind: latency\n    rows: 20\n",
        encoding="utf-8",
    )
    audit = gate_ws.audit.path
    audit_before = audit.read_bytes() if audit.exists() else b""
    capsys.readouterr()
    assert run(["gate", str(gate_ws.root), gtw.SLUG]) == 130
    out, err = capsys.readouterr()
    gated = out.splitlines()[0]  # "Gating run ... : why"
    assert gated.startswith("Gating")
    assert "cancelling ..." in err
    assert err.strip().endswith("; no new gate report was stored")
    assert "cancelled: the gates of run " in err and "Traceback" not in err
    runs = gate_ws.projects_dir / gtw.SLUG / "runs"
    assert not list(runs.glob(f"*/{GATE_REPORT_FILE}"))
    assert not list(runs.glob(".tmp-*")) and not list(runs.glob("*/.*.tmp"))
    assert (audit.read_bytes() if audit.exists() else b"") == audit_before  # no "gates.run"


def test_a_cancel_after_the_gate_report_was_stored_says_so(
    gate_ws: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gates check for a cancel once more after storing the report: the line must not
    claim that nothing was stored."""
    from shipyard.cli.commands import run
    from shipyard.core.signing import audit_seal

    cancelled = threading.Event()
    real_cancel = JobControl.cancel

    def cancel(self: JobControl) -> None:
        real_cancel(self)
        cancelled.set()

    def seal_then_ctrl_c(*args: Any, **kwargs: Any) -> None:  # right after the report
        _thread.interrupt_main()
        assert cancelled.wait(10)

    monkeypatch.setattr(JobControl, "cancel", cancel)
    monkeypatch.setattr(audit_seal, "try_seal", seal_then_ctrl_c)
    (gate_ws.projects_dir / gtw.SLUG / "gates.yaml").write_text(
        "inherit: false\nchecks:\n  - kind: onnx_parity\n", encoding="utf-8"
    )
    capsys.readouterr()
    assert run(["gate", str(gate_ws.root), gtw.SLUG]) == 130
    err = capsys.readouterr().err
    assert "cancelled too late: the gate report of run " in err and " was stored" in err
    assert "no new gate report" not in err
    assert len(list((gate_ws.projects_dir / gtw.SLUG / "runs").glob(f"*/{GATE_REPORT_FILE}"))) == 1
