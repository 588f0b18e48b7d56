"""Sweeps and ladders on a real Dask cluster: a `dask scheduler` and two `dask worker`
processes on loopback.

The trials fit on the workers and are recorded here; the records must match a local sweep's
with the same seed (parameters, metrics, model.onnx bytes). A worker killed mid-sweep loses
at most its trial, which is retried or reported; Cancel returns promptly and keeps what was
recorded; an unreachable scheduler is a clear error within seconds.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from loopback_cluster import LoopbackCluster
from shipyard.core.jobs import Cancelled, JobControl
from shipyard.core.training import list_runs, run_sweep, runs_dir
from shipyard.core.training.cluster import (
    ClusterError,
    check_workers,
    frame_from_parquet,
    frame_to_parquet,
    normalize_address,
    versions_here,
)

SLUG = "search-query-intent"  # a demo project without runs
TRIALS = 5


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    with LoopbackCluster(tmp_path_factory.mktemp("dask")) as c:
        yield c


def _table(csv, rows: int = 240):
    rng = np.random.default_rng(7)
    lines = ["signal,noise,colour,label"]
    for i in range(rows):
        label = ("red", "green", "blue")[i % 3]
        signal = (i % 3) * 1.2 + rng.normal(scale=0.9)
        lines.append(f"{signal:.3f},{rng.normal():.3f},{rng.choice(['a', 'b', 'c'])},{label}")
    return csv("three", "\n".join(lines) + "\n")


def _digest(record) -> str:
    return hashlib.sha256((record.folder / "model.onnx").read_bytes()).hexdigest()


def _by_trial(records) -> dict[int, tuple]:
    return {
        r.sweep["trial"]: (r.sweep["params"], r.metrics, r.parity, r.exportable, _digest(r))
        for r in records
    }


def _no_temp_folders(ws) -> bool:
    folder = runs_dir(ws, SLUG)
    return not folder.exists() or not any(p.name.startswith(".") for p in folder.iterdir())


def test_cluster_sweep_gives_the_same_records_as_local(ws, csv, cluster):
    v = _table(csv)
    local = run_sweep(ws, SLUG, v, "label", family="linear", mode="grid", trials=TRIALS,
                      user="t", seed=11)  # fmt: skip
    seen: list[tuple[float, str]] = []
    remote = run_sweep(ws, SLUG, v, "label", family="linear", mode="grid", trials=TRIALS,
                       user="t", seed=11, cluster=cluster.address,
                       job=JobControl(lambda f, m: seen.append((f, m))))  # fmt: skip
    assert [r.sweep["trial"] for r in remote] == list(range(TRIALS)) and remote.lost == []
    assert _by_trial(remote) == _by_trial(local)  # params, metrics, parity, ONNX bytes
    assert {r.sweep["id"] for r in remote}.isdisjoint({r.sweep["id"] for r in local})
    assert all(r.exportable for r in remote)
    # progress per finished trial, rising, ending with the count
    written = [f for f, m in seen if m.startswith("linear: writing")]
    assert len(written) == TRIALS and written == sorted(written)
    assert seen[-1] == (1.0, f"{TRIALS} trials recorded")
    assert any(cluster.address in m for _, m in seen)
    assert len(list_runs(ws, SLUG)) == 2 * TRIALS and _no_temp_folders(ws)


def test_frames_travel_as_parquet_value_for_value(ws, csv):
    from shipyard.core.training.recording import prepare_context

    ctx = prepare_context(ws, SLUG, _table(csv, 90), "label", user="t", job=JobControl())
    data = frame_to_parquet(ctx.train, ctx.spec)
    assert data[:4] == b"PAR1"
    back = frame_from_parquet(data, ctx.spec)
    assert back.X.dtype == ctx.train.X.dtype and back.y.dtype == ctx.train.y.dtype
    assert back.X.tolist() == ctx.train.X.tolist() and back.y.tolist() == ctx.train.y.tolist()


@pytest.mark.parametrize("kills", [1, 2])
def test_killed_workers_lose_at_most_their_trials(ws, csv, tmp_path, kills):
    """SIGKILL the first worker(s) seen fitting a trial. The scheduler here gives up on a task
    at its first dead worker (allowed-failures 0), so the sweep's own resubmission is what
    saves a trial: once; a trial on a second dead worker is reported as lost."""
    from distributed import Client

    v = _table(csv, 600)
    killed: list[tuple[str, list[str]]] = []
    stop = threading.Event()
    with (
        LoopbackCluster(tmp_path / "dask", workers=1 + kills,
                        scheduler_env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
        as cluster,
        Client(cluster.address, set_as_default=False) as probe,
    ):  # fmt: skip
        pids = probe.run(os.getpid)  # worker address -> its process id
        assert sorted(pids.values()) == sorted(cluster.worker_pids())

        def killer() -> None:
            while not stop.is_set() and len(killed) < kills:
                for addr, keys in probe.processing().items():
                    trials = [str(k) for k in keys if "shipyard_trial_" in str(k)]
                    if trials and addr not in dict(killed):
                        killed.append((addr, trials))
                        cluster.kill(pids[addr])
                        break
                time.sleep(0.005)

        watcher = threading.Thread(target=killer)
        watcher.start()
        t0 = time.monotonic()
        try:
            records = run_sweep(ws, SLUG, v, "label", family="linear", mode="grid", trials=5,
                                user="t", seed=5, cluster=cluster.address)  # fmt: skip
        finally:
            stop.set()
            watcher.join()
        elapsed = time.monotonic() - t0
    assert len(killed) == kills, killed
    assert len(cluster.worker_pids()) == 0  # every process of the cluster has ended
    done = sorted(r.sweep["trial"] for r in records)
    lost = sorted(t.trial for t in records.lost)
    assert sorted(done + lost) == list(range(5)), (done, lost)  # each recorded or reported
    assert len(lost) <= kills - 1, records.lost  # one dead worker: the trial is resubmitted
    for t in records.lost:
        assert t.describe().startswith(f"trial {t.trial} lost: worker tcp://127.0.0.1:")
        assert t.worker in dict(killed) and "died" in t.reason
    assert len(list_runs(ws, SLUG)) == len(done) and _no_temp_folders(ws)
    assert elapsed < 120


def test_an_error_in_the_trials_own_code_ends_the_sweep_without_a_retry(ws, csv, cluster):
    """Not a cluster failure: the trial's exception reaches the sweep, as in a local sweep,
    after one run on one worker (running it again would fail the same way)."""
    from distributed import Client

    from shipyard.core.training.cluster import fit_on_cluster
    from shipyard.core.training.recording import prepare_context

    ctx = prepare_context(ws, SLUG, _table(csv, 90), "label", user="t", job=JobControl())
    plan = [{"C": 0.1}, {"C": 1.0}]
    pipe_params = [{"model__C": 0.1}, {"model__no_such_parameter": 1.0}]
    lost: list = []
    with Client(cluster.address, set_as_default=False) as client:
        t0 = time.time()
        fitted = fit_on_cluster(client, spec=ctx.spec, train=ctx.train, family="linear",
                                plan=plan, pipe_params=pipe_params, seed=3, job=JobControl(),
                                lost=lost)  # fmt: skip
        with pytest.raises(ValueError, match="no_such_parameter"):
            for _ in fitted:
                pass
        assert lost == []
        erred = client.run_on_scheduler(
            lambda dask_scheduler: sorted(
                str(t[0]) for t in dask_scheduler.transition_log  # (key, start, finish, ..., time)
                if t[2] == "erred" and str(t[0]).startswith("shipyard_trial_") and t[5] >= t0
            )
        )  # fmt: skip
    assert len(erred) == 1 and erred[0].startswith("shipyard_trial_1-"), erred  # ran once


def test_trials_left_when_every_worker_is_gone_are_reported(ws, csv, tmp_path, monkeypatch):
    """The only worker dies after the version check, before any trial: nothing can run, so
    after WORKERLESS_S every trial is reported as lost (not waited on forever)."""
    from shipyard.core.training import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "WORKERLESS_S", 2.0)
    v = _table(csv, 90)
    with LoopbackCluster(tmp_path / "dask", workers=1) as cluster:

        def on_progress(fraction: float, message: str) -> None:
            if message.startswith("fitting") and cluster.worker_pids():
                cluster.kill(cluster.worker_pids()[0])

        t0 = time.monotonic()
        records = run_sweep(ws, SLUG, v, "label", family="linear", mode="grid", trials=3,
                            user="t", seed=5, cluster=cluster.address,
                            job=JobControl(on_progress))  # fmt: skip
        elapsed = time.monotonic() - t0
    assert list(records) == [] and [t.trial for t in records.lost] == [0, 1, 2]
    assert all(t.reason == "every worker left the cluster" for t in records.lost)
    assert records.lost[0].params == {"C": 0.01} and elapsed < 60
    assert list_runs(ws, SLUG) == [] and _no_temp_folders(ws)


def test_cancel_on_the_cluster_keeps_recorded_trials(ws, csv, cluster):
    v = _table(csv)
    job = JobControl()
    when: list[float] = []

    def on_progress(fraction: float, message: str) -> None:
        if message.startswith("linear: writing"):
            when.append(time.monotonic())
            if len(when) == 2:  # the second trial is being written
                job.cancel()

    job._on_progress = on_progress
    with pytest.raises(Cancelled):
        run_sweep(ws, SLUG, v, "label", family="linear", mode="grid", trials=TRIALS, user="t",
                  cluster=cluster.address, job=job)  # fmt: skip
    assert time.monotonic() - when[1] < 10  # the client closes without waiting for trials
    assert len(list_runs(ws, SLUG)) == 1 and _no_temp_folders(ws)  # the one being written left
    # the cluster is free again: nothing of the cancelled sweep stays queued
    from distributed import Client

    with Client(cluster.address, set_as_default=False) as probe:
        deadline = time.monotonic() + 30
        while any(probe.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(probe.processing().values())


def test_cancel_while_trials_fit_returns_promptly(ws, csv, cluster):
    """Cancel while waiting on the workers (no trial back yet) does not wait for them."""
    v = _table(csv)
    job = JobControl()

    def on_progress(fraction: float, message: str) -> None:
        if message.startswith("fitting"):
            threading.Timer(0.05, job.cancel).start()

    job._on_progress = on_progress
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        run_sweep(ws, SLUG, v, "label", family="trees", mode="grid", trials=4, user="t",
                  cluster=cluster.address, job=job)  # fmt: skip
    assert time.monotonic() - t0 < 30
    assert _no_temp_folders(ws)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler_is_a_clear_error(ws, csv):
    v = _table(csv, 60)
    address = f"tcp://127.0.0.1:{_free_port()}"
    t0 = time.monotonic()
    with pytest.raises(ClusterError) as err:
        run_sweep(ws, SLUG, v, "label", family="linear", trials=3, user="t", cluster=address)
    assert time.monotonic() - t0 < 20
    text = str(err.value)
    assert address in text and "dask scheduler" in text and "port" in text
    assert list_runs(ws, SLUG) == []


def test_addresses():
    assert normalize_address("10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert normalize_address(" tcp://host.lan:8786 ") == "tcp://host.lan:8786"
    for bad in ("http://host:8786", "tcp://", "host:port:1", "tcp://a b:1"):
        with pytest.raises(ClusterError, match="tcp://HOST:PORT"):
            normalize_address(bad)


class _Client:
    def __init__(self, found):
        self.found = found

    def run(self, fn):
        return self.found


def test_workers_with_other_versions_are_refused():
    mine = versions_here()
    same = {"tcp://127.0.0.1:1": dict(mine)}
    assert check_workers(_Client(same), "tcp://127.0.0.1:9") == same
    other = {**same, "tcp://127.0.0.1:2": {**mine, "scikit-learn": "0.24.2"}}
    with pytest.raises(ClusterError) as err:
        check_workers(_Client(other), "tcp://127.0.0.1:9")
    text = str(err.value)
    assert "tcp://127.0.0.1:2" in text and "scikit-learn 0.24.2" in text
    assert f"scikit-learn=={mine['scikit-learn']}" in text

    class Broken:
        def run(self, fn):
            raise ModuleNotFoundError("No module named 'shipyard'")

    with pytest.raises(ClusterError, match="cannot run Shipyard"):
        check_workers(Broken(), "tcp://127.0.0.1:9")


def test_cli_sweep_on_the_cluster(ws, csv, cluster, capsys):
    from shipyard.cli.commands import run

    _table(csv, 90)
    args = ["sweep", str(ws.root), SLUG, "--family", "linear", "--mode", "grid", "--trials",
            "2", "--dataset", "three", "--target", "label"]  # fmt: skip
    capsys.readouterr()
    assert run([*args, "--cluster", cluster.address]) == 0
    out = capsys.readouterr().out
    assert f"2 linear trials on three@v1 (fitted on {cluster.address})" in out
    assert "C=0.01" in out and "C=100.0" in out and "lost" not in out
    port = _free_port()
    assert run([*args, "--cluster", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert f"tcp://127.0.0.1:{port}" in err and "dask scheduler" in err
    assert "Traceback" not in err and len(list_runs(ws, SLUG)) == 2


def test_cli_names_lost_trials_and_how_to_rerun(ws, csv, capsys, monkeypatch):
    import shipyard.core.training as training
    from shipyard.cli.commands import run
    from shipyard.core.training.cluster import LostTrial, SweepRecords

    real = training.run_sweep

    def with_a_lost_trial(*args, **kwargs):
        kwargs.pop("cluster")
        records = real(*args, **kwargs)
        gone = LostTrial(1, records[1].sweep["params"], "tcp://10.0.0.7:40111", "died")
        return SweepRecords([records[0]], lost=[gone])

    monkeypatch.setattr(training, "run_sweep", with_a_lost_trial)
    _table(csv, 90)
    capsys.readouterr()
    code = run(["sweep", str(ws.root), SLUG, "--family", "linear", "--mode", "grid",
                "--trials", "2", "--dataset", "three", "--target", "label", "--cluster",
                "tcp://10.0.0.7:8786"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "trial 1 lost: worker tcp://10.0.0.7:40111 died (C=100.0); rerun with: shipyard " \
        f"sweep {ws.root} {SLUG} --family linear --mode grid --trials 2 --seed 42 --dataset " \
        "three --target label --cluster tcp://10.0.0.7:8786" in out  # fmt: skip


# -- the ladder on the cluster ----------------------------------------------------------------
def _by_family(records) -> dict[str, tuple]:
    return {r.family: (r.metrics, r.parity, r.exportable, _digest(r)) for r in records}


def test_cluster_ladder_gives_the_same_records_as_local(ws, csv, cluster):
    from shipyard.core.training import train_ladder

    v = _table(csv)
    families = ["dummy", "linear", "trees"]
    local = train_ladder(ws, SLUG, v, "label", user="t", families=families, seed=5)
    seen: list[tuple[float, str]] = []
    remote = train_ladder(ws, SLUG, v, "label", user="t", families=families, seed=5,
                          cluster=cluster.address,
                          job=JobControl(lambda f, m: seen.append((f, m))))  # fmt: skip
    assert [r.family for r in remote] == families and remote.lost == []
    assert _by_family(remote) == _by_family(local)  # metrics, parity, ONNX bytes
    assert any(cluster.address in m for _, m in seen)
    assert seen[-1] == (1.0, "3 runs recorded")
    assert len(list_runs(ws, SLUG)) == 6 and _no_temp_folders(ws)


def test_cancel_a_ladder_on_the_cluster_keeps_the_rungs_recorded(ws, csv, cluster):
    """The window's Cancel reaches a ladder on the cluster as it does a sweep: the rung being
    written when Cancel comes is kept whole, nothing half-written stays, the cluster is free."""
    from distributed import Client

    from shipyard.core.training import train_ladder

    v = _table(csv)
    job = JobControl()
    written: list[str] = []

    def on_progress(fraction: float, message: str) -> None:
        if ": writing" in message:
            written.append(message)
            job.cancel()  # while the first rung that came back is being written

    job._on_progress = on_progress
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        train_ladder(ws, SLUG, v, "label", user="t", families=["dummy", "linear", "trees"],
                     seed=5, cluster=cluster.address, job=job)  # fmt: skip
    assert written and time.monotonic() - t0 < 60
    runs = list_runs(ws, SLUG)
    assert len(runs) <= 1 and _no_temp_folders(ws)
    assert [r.family for r in runs] in ([], ["dummy"])  # rungs are recorded in ladder order
    with Client(cluster.address, set_as_default=False) as probe:
        deadline = time.monotonic() + 30
        while any(probe.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(probe.processing().values())


def test_cli_train_on_the_cluster(ws, csv, cluster, capsys):
    from shipyard.cli.commands import run

    _table(csv, 90)
    args = ["train", str(ws.root), SLUG, "--dataset", "three", "--target", "label",
            "--family", "dummy", "--family", "linear"]  # fmt: skip
    capsys.readouterr()
    assert run([*args, "--cluster", cluster.address]) == 0
    out = capsys.readouterr().out
    assert f"2 runs on three@v1, target 'label' (multiclass) (fitted on {cluster.address})" in out
    assert "lost" not in out
    port = _free_port()
    assert run([*args, "--cluster", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert f"tcp://127.0.0.1:{port}" in err and "dask scheduler" in err
    assert "Traceback" not in err and len(list_runs(ws, SLUG)) == 2


def test_cli_names_a_lost_rung_and_how_to_rerun_it(ws, csv, capsys, monkeypatch):
    import shipyard.core.training.task_training as task_training
    from shipyard.cli.commands import run
    from shipyard.core.training.cluster import LostTrial, SweepRecords

    real = task_training.train_and_remember

    def with_a_lost_rung(*args, **kwargs):
        kwargs.pop("cluster")
        records = real(*args, **kwargs)
        gone = LostTrial(1, {"family": "linear"}, "tcp://10.0.0.7:40111", "died")
        return SweepRecords([records[0]], lost=[gone])

    monkeypatch.setattr(task_training, "train_and_remember", with_a_lost_rung)
    _table(csv, 90)
    capsys.readouterr()
    code = run(["train", str(ws.root), SLUG, "--dataset", "three", "--target", "label",
                "--family", "dummy", "--family", "linear", "--cluster", "tcp://10.0.0.7:8786"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "the linear rung lost: worker tcp://10.0.0.7:40111 died; rerun it with: shipyard " \
        f"train {ws.root} {SLUG} --family linear --cluster tcp://10.0.0.7:8786" in out  # fmt: skip


# -- the rows through a shared folder ---------------------------------------------------------
def test_rows_through_a_shared_folder_give_the_same_records(ws, csv, cluster, tmp_path,
                                                           monkeypatch):  # fmt: skip
    import shipyard.core.training.cluster as cl

    v = _table(csv)
    local = run_sweep(ws, SLUG, v, "label", family="linear", mode="grid", trials=3,
                      user="t", seed=3)  # fmt: skip
    scattered: list[object] = []
    written: list[cl.SharedRows] = []
    real_write = cl.write_shared

    def spy(data, folder):
        written.append(real_write(data, folder))
        assert Path(written[-1].path).is_file()
        return written[-1]

    monkeypatch.setattr(cl, "write_shared", spy)
    from distributed import Client

    real_scatter = Client.scatter

    def watch(self, data, *args, **kwargs):
        scattered.append(data)
        return real_scatter(self, data, *args, **kwargs)

    monkeypatch.setattr(Client, "scatter", watch)
    shared = tmp_path / "shared"
    shared.mkdir()
    remote = run_sweep(ws, SLUG, v, "label", family="linear", mode="grid", trials=3,
                       user="t", seed=3, cluster=cluster.address, shared_dir=shared)  # fmt: skip
    assert _by_trial(remote) == _by_trial(local) and remote.lost == []
    # Only the path and digest travelled; the file is gone once the sweep ended.
    assert written and scattered and all(isinstance(d, cl.SharedRows) for d in scattered)
    assert Path(written[0].path).parent == shared.resolve() and list(shared.iterdir()) == []


def test_a_worker_refuses_shared_rows_it_cannot_read_or_that_changed(tmp_path):
    from shipyard.core.training.cluster import ClusterError, SharedRows, write_shared

    rows = write_shared(b"PAR1 rows", tmp_path)
    assert rows.read() == b"PAR1 rows"
    Path(rows.path).write_bytes(b"PAR1 other")
    with pytest.raises(ClusterError, match="not the ones this sweep wrote"):
        rows.read()
    gone = SharedRows(str(tmp_path / "elsewhere.parquet"), rows.sha256)
    with pytest.raises(ClusterError, match="cannot read the training rows") as info:
        gone.read()
    assert "same path on every worker" in info.value.fix
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    with pytest.raises(ClusterError, match="cannot write the training rows"):
        write_shared(b"x", blocker)


def test_cli_shared_dir_needs_a_cluster_and_a_folder(ws, csv, capsys, tmp_path):
    from shipyard.cli.commands import run

    _table(csv, 90)
    base = ["sweep", str(ws.root), SLUG, "--family", "linear", "--trials", "1", "--dataset",
            "three", "--target", "label"]  # fmt: skip
    assert run([*base, "--shared-dir", str(tmp_path)]) == 2
    assert "add --cluster" in capsys.readouterr().err
    missing = tmp_path / "missing"
    assert run([*base, "--cluster", "tcp://127.0.0.1:9", "--shared-dir", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "not a folder" in err and "Traceback" not in err
    assert list_runs(ws, SLUG) == []
