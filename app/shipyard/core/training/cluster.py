"""Sweep trials on a team's own Dask cluster (`shipyard sweep ... --cluster tcp://HOST:PORT`).

Trials go to an existing Dask distributed scheduler through joblib's Dask backend. What
travels, and what does not:

- To the workers: Shipyard's own trial function (a `Trial`, which holds only the trial's
  number and the expected library versions), the training rows as Parquet bytes (sent once
  to every worker), the task spec as JSON, the family, the trial's parameters and the seed. The worker rebuilds the frame and the pipeline itself, so it never
  unpickles an object made from user input on the client.
- Back from the workers: the fitted scikit-learn pipeline, pickled by Dask. The cluster is
  trusted like the workspace: run it on the team's own machines, on a network only they
  reach. Before any work is sent, each worker's Shipyard, scikit-learn, NumPy and Python
  versions are checked against this machine's; a mismatch is refused, as a pipeline fitted
  by another scikit-learn would not be the one recorded here.
- Recording (ONNX export, parity, metrics, run.json) stays on the client, through the same
  `record_run` as a local sweep, so a trial gives the same record as a local trial with the
  same seed: the same parameters, metrics and model.onnx bytes.

A worker that dies mid-trial loses only that trial: the scheduler hands it to another worker.
A trial that still fails (the scheduler gave up on it after several dead workers) is
resubmitted once, then reported as lost (`LostTrial`); when every worker has been gone for
WORKERLESS_S, the unfinished trials are reported as lost. Cancel cancels the
trials not yet finished and returns at once; trials recorded before it stay.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import platform
import queue
import re
import threading
import time
import warnings
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.jobs import Cancelled, JobControl
from shipyard.core.training.frame import Frame
from shipyard.core.training.task import TaskSpec

CONNECT_TIMEOUT_S = 5.0  # an unreachable scheduler is reported after this, not waited on
WORKER_WAIT_S = 20.0  # a scheduler without any worker is reported after this
WORKERLESS_S = 60.0  # every worker gone mid-sweep: the unfinished trials are lost after this
POLL_S = 0.1  # how often the watcher looks at Cancel (and at the workers, every 1 s)
# Trials still awaited while the cluster holds none of them: after a worker dies, the
# scheduler can forget a trial without joblib's Dask backend ever hearing of it. After
# this long the trials left are treated as failed (resubmitted once, then reported lost).
STALL_S = 10.0
TRIAL_KEY = "shipyard_trial_"


class ClusterError(ShipyardError):
    """The cluster cannot take the sweep: not reachable, no workers, other versions."""


@dataclass
class LostTrial:
    """A trial no worker finished: named in the sweep's result and the CLI output."""

    trial: int
    params: dict[str, Any]
    worker: str  # the worker it was on when it was lost ("" when unknown)
    reason: str

    def describe(self) -> str:
        where = f"worker {self.worker} " if self.worker else ""
        return f"trial {self.trial} lost: {where}{self.reason}"


class SweepRecords(list[Any]):
    """The recorded trials (RunRecords, in trial order), plus the trials lost on the cluster."""

    lost: list[LostTrial]

    def __init__(self, records: Any = (), lost: list[LostTrial] | None = None) -> None:
        super().__init__(records)
        self.lost = list(lost or [])


# -- connecting -------------------------------------------------------------------------------
def normalize_address(address: str) -> str:
    """`tcp://HOST:PORT` (a bare `HOST:PORT` gets `tcp://`); other forms are refused."""
    text = address.strip()
    if "://" not in text:
        text = f"tcp://{text}"
    if not re.fullmatch(r"(tcp|tls)://[^\s/:]+(:\d{1,5})?", text) and not re.fullmatch(
        r"(tcp|tls)://\[[0-9a-fA-F:]+\](:\d{1,5})?", text
    ):
        raise ClusterError(
            f"'{address}' is not a Dask scheduler address",
            fix="give it as tcp://HOST:PORT, e.g. --cluster tcp://10.0.0.5:8786",
        )
    return text


def connect(address: str, timeout: float = CONNECT_TIMEOUT_S) -> Any:
    """A distributed.Client on the scheduler at `address` that has at least one worker."""
    import distributed

    address = normalize_address(address)
    Client: Any = distributed.Client  # untyped library
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(
            f"no Dask scheduler answered at {address} within {timeout:g} s ({exc})",
            fix="start one on that machine with `dask scheduler --port PORT` and check the "
            "host, the port and the firewall between the two machines",
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except (OSError, TimeoutError):
        close_quietly(client)
        raise ClusterError(
            f"the Dask scheduler at {address} has no worker",
            fix=f"start one on each machine with `dask worker {address} --nthreads 1`",
        ) from None
    return client


def versions_here() -> dict[str, str]:
    """What a fitted pipeline depends on; the same on the client and every worker."""
    import numpy
    import sklearn

    import shipyard

    # The trial's own modules load here, so the first trial does not pay for them.
    import shipyard.core.training.fitting
    import shipyard.core.training.ladder

    return {
        "Shipyard": shipyard.__version__,
        "scikit-learn": sklearn.__version__,
        "NumPy": numpy.__version__,
        "Python": ".".join(platform.python_version_tuple()[:2]),
    }


def version_problems(mine: dict[str, str], theirs: dict[str, str]) -> list[str]:
    return [
        f"{name} {theirs.get(name, 'missing')} (here {value})"
        for name, value in mine.items()
        if theirs.get(name) != value
    ]


def check_workers(client: Any, address: str) -> dict[str, dict[str, str]]:
    """Each worker's versions; refuses the cluster when one differs from this machine."""
    mine = versions_here()
    try:
        found: dict[str, dict[str, str]] = client.run(versions_here)
    except Exception as exc:  # the worker could not import or run Shipyard
        raise ClusterError(
            f"a worker of {address} cannot run Shipyard ({type(exc).__name__}: {exc})",
            fix=f"install Shipyard {mine['Shipyard']} on every worker machine, in the "
            f"environment that runs `dask worker {address}`",
        ) from None
    for worker, theirs in sorted(found.items()):
        problems = version_problems(mine, theirs)
        if problems:
            raise ClusterError(
                f"worker {worker} has " + ", ".join(problems),
                fix="install the same versions on every worker (e.g. "
                f"`pip install scikit-learn=={mine['scikit-learn']}`) and restart "
                f"`dask worker {address}`",
            )
    return found


# -- the data ---------------------------------------------------------------------------------
def frame_to_parquet(frame: Frame, spec: TaskSpec) -> bytes:
    """The training frame as Parquet bytes: numbers as float64, the rest as text (exact)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    numeric = set(spec.numeric)
    columns: dict[str, Any] = {}
    for i, col in enumerate(spec.features):
        values = frame.X[:, i]
        if col in numeric:
            columns[f"x{i}"] = pa.array(np.asarray(values, dtype=np.float64))
        else:
            columns[f"x{i}"] = pa.array([str(v) for v in values], type=pa.string())
    if spec.is_classification:
        columns["y"] = pa.array([str(v) for v in frame.y], type=pa.string())
    else:
        columns["y"] = pa.array(np.asarray(frame.y, dtype=np.float64))
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out, compression="zstd")
    return out.getvalue()


def frame_from_parquet(data: bytes, spec: TaskSpec) -> Frame:
    """The frame `frame_to_parquet` wrote, value for value."""
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    numeric = set(spec.numeric)
    X = np.empty((table.num_rows, len(spec.features)), dtype=object)
    for i, col in enumerate(spec.features):
        column = table.column(f"x{i}")
        if col in numeric:
            X[:, i] = column.to_numpy().astype(np.float64)
        else:
            X[:, i] = column.to_pylist()
    if spec.is_classification:
        y = np.array(table.column("y").to_pylist(), dtype=object).astype(str)
    else:
        y = table.column("y").to_numpy().astype(np.float64)
    return Frame(X, y)


_frames: dict[str, Frame] = {}  # on a worker: the frames of the last sweeps, by digest
_frames_lock = threading.Lock()


def _worker_frame(data: bytes, spec_json: dict[str, Any]) -> Frame:
    digest = hashlib.sha256(data).hexdigest()
    with _frames_lock:
        frame = _frames.get(digest)
        if frame is None:
            frame = frame_from_parquet(data, TaskSpec.from_record(spec_json))
            while len(_frames) >= 2:
                _frames.pop(next(iter(_frames)))
            _frames[digest] = frame
    return frame


# -- one trial, on a worker -------------------------------------------------------------------
class Trial:
    """Fit one trial on a worker: Shipyard's own code over plain data.

    A callable object only so that the trial number is in its Dask task's name (a task lost
    on the cluster is then reported by trial).
    """

    def __init__(self, trial: int, versions: dict[str, str]) -> None:
        self.trial = trial
        self.versions = versions
        self.__name__ = f"{TRIAL_KEY}{trial}"

    def __call__(
        self,
        data: bytes,
        spec_json: dict[str, Any],
        family: str,
        params: dict[str, Any],
        pipe_params: dict[str, Any],
        seed: int,
    ) -> tuple[int, dict[str, Any], Any, float]:
        """`params` as planned (returned for the record); `pipe_params` the same values as
        the pipeline's own parameter names and types (`model__C`, tuples)."""
        from shipyard.core.training.fitting import fit_pipeline
        from shipyard.core.training.ladder import build_pipeline
        from shipyard.core.training.threads import native_threads

        problems = version_problems(self.versions, versions_here())
        if problems:  # a worker that joined after the check
            raise ClusterError(
                "a worker has other versions than the client: " + ", ".join(problems),
                fix="install the same versions on every worker and restart it",
            )
        spec = TaskSpec.from_record(spec_json)
        frame = _worker_frame(data, spec_json)
        pipe = build_pipeline(family, spec, seed)
        pipe.set_params(**pipe_params)
        with native_threads(1):  # a worker thread is one trial; its own threads would contend
            seconds = fit_pipeline(pipe, frame, JobControl())
        return self.trial, params, pipe, seconds


def _trial_keys(dask_scheduler: Any) -> list[str]:
    """Run on the scheduler: the keys of the sweep trials it holds."""
    return [str(k) for k in dask_scheduler.tasks if TRIAL_KEY in str(k)]


def _trial_of(key: Any) -> int | None:
    found = re.search(rf"{TRIAL_KEY}(\d+)_", str(key))
    return int(found.group(1)) if found else None


# -- the trials, on the cluster ---------------------------------------------------------------
class _Watcher:
    """Watches the sweep's Dask futures from a thread and cancels them all when

    - the job is cancelled (Cancel returns at once, without waiting for running trials);
    - a trial failed on the cluster itself (e.g. KilledWorker: the workers running it died).
      joblib's Dask backend never reports such a failure to its waiting generator, which
      would wait forever; the failed trials are kept in `failed`;
    - the cluster has had no worker for `workerless_s`.

    A cancelled future ends joblib's generator with CancelledError at once.
    """

    def __init__(self, client: Any, job: JobControl, workerless_s: float) -> None:
        self.client, self.job, self.workerless_s = client, job, workerless_s
        self.reason = ""  # "cancelled" | "failed" | "no workers"
        self.failed: dict[int, BaseException] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cluster-watch", daemon=True)

    def __enter__(self) -> _Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _futures(self) -> list[Any]:
        from distributed import Future

        keys = [k for k in list(self.client.futures) if TRIAL_KEY in str(k)]
        return [Future(k, self.client) for k in keys]

    def _run(self) -> None:
        since: float | None = None
        empty_since: float | None = None
        last_look = 0.0
        while not self._stop.wait(POLL_S):
            if self.reason:
                # Ending already: joblib may have submitted trials since the last cancel, and
                # its generator waits for every one; cancel those too until it has ended.
                self._cancel(self.reason)
                continue
            if self.job.cancelled:
                self._cancel("cancelled")
                continue
            held = True
            with contextlib.suppress(Exception):  # a client closing: nothing to watch
                futures = self._futures()
                held = bool(futures) and self._scheduler_holds_any()
                for future in futures:
                    trial = _trial_of(future.key)
                    if future.status == "error" and trial is not None:
                        self.failed[trial] = future.exception(timeout=5)
            if self.failed:
                self._cancel("failed")
                continue
            empty_since = None if held else (empty_since or time.monotonic())
            if empty_since is not None and time.monotonic() - empty_since > STALL_S:
                self.reason = "stalled"  # the results loop gives up waiting (`_pulled`)
                continue
            now = time.monotonic()
            if now - last_look < 1.0:
                continue
            last_look = now
            since = None if _workers(self.client) else (since or now)
            if since is not None and now - since > self.workerless_s:
                self._cancel("no workers")

    def _scheduler_holds_any(self) -> bool:
        """Whether the scheduler still knows any trial: the client can keep waiting on
        futures of tasks the scheduler dropped after their workers died."""
        keys = self.client.run_on_scheduler(_trial_keys)
        return bool(keys)

    def _cancel(self, reason: str) -> None:
        self.reason = reason
        with contextlib.suppress(Exception):  # a client closing: nothing left to cancel
            self.client.cancel(self._futures())


def fit_on_cluster(
    client: Any,
    *,
    spec: TaskSpec,
    train: Frame,
    family: str,
    plan: list[dict[str, Any]],
    pipe_params: list[dict[str, Any]],
    seed: int,
    job: JobControl,
    lost: list[LostTrial],
    workerless_s: float | None = None,
) -> Generator[tuple[int, dict[str, Any], Any, float], None, None]:
    """Yield (trial, params, fitted pipeline, fit seconds) as trials finish on the cluster.

    `plan[i]` is trial i's parameters as planned, `pipe_params[i]` the same for the pipeline.

    A trial that fails on the cluster (not in its own code) is resubmitted once with the other
    unfinished trials, then appended to `lost`. Raises Cancelled when the job is cancelled.
    """
    from concurrent.futures import CancelledError

    import joblib

    versions = versions_here()
    data = frame_to_parquet(train, spec)
    spec_json = spec.to_json()
    left = dict(enumerate(plan))
    failures: dict[int, int] = {}
    while left:
        job.check()
        trials = sorted(left)
        try:
            client.wait_for_workers(1, timeout=workerless_s or WORKERLESS_S)
        except (OSError, TimeoutError):
            lost.extend(LostTrial(i, left[i], "", "every worker left the cluster") for i in left)
            return
        try:  # sends the data to every worker now
            config = joblib.parallel_config(backend="dask", client=client, scatter=[data])
        except OSError as exc:  # no worker to send it to (TimeoutError), or no scheduler
            why = "every worker left the cluster" if not _workers(client) else _why(exc)
            lost.extend(LostTrial(i, left[i], "", why) for i in sorted(left))
            return
        with _Watcher(client, job, workerless_s or WORKERLESS_S) as watcher, config:
            results = joblib.Parallel(n_jobs=-1, batch_size=1, return_as="generator_unordered")(
                joblib.delayed(Trial(i, versions))(
                    data, spec_json, family, left[i], pipe_params[i], seed
                )
                for i in trials
            )
            try:
                for out in _pulled(results, watcher):
                    left.pop(out[0], None)
                    yield out
                return
            except (CancelledError, OSError) as exc:
                if job.cancelled or watcher.reason == "cancelled":
                    raise Cancelled("cancelled by the user") from None
                if watcher.reason == "no workers":
                    for i in sorted(left):
                        lost.append(LostTrial(i, left[i], "", "every worker left the cluster"))
                    return
                # What failed on the cluster; without a trial named, every unfinished one.
                failed = {i: e for i, e in watcher.failed.items() if i in left}
                for i, err in failed.items() or dict.fromkeys(left, exc).items():
                    failures[i] = failures.get(i, 0) + 1
                    if failures[i] > 1:  # resubmitted once already
                        lost.append(LostTrial(i, left.pop(i), _worker_of(err), _why(err)))
            finally:
                with warnings.catch_warnings(), contextlib.suppress(ValueError):
                    # joblib warns about the trials left unused; a stalled generator is still
                    # running in its thread and cannot be closed (it ends with the client).
                    warnings.simplefilter("ignore", UserWarning)
                    results.close()  # an early end (cancel, error) cancels the trials left


def _pulled(results: Any, watcher: _Watcher) -> Generator[Any, None, None]:
    """The trials' results as joblib yields them, taken from a thread of their own, so a
    wait the cluster will never answer (`watcher.reason == "stalled"`) ends here as a
    CancelledError instead of blocking the sweep forever."""
    from concurrent.futures import CancelledError

    box: queue.Queue[tuple[str, Any]] = queue.Queue()

    def pull() -> None:
        try:
            for out in results:
                box.put(("result", out))
            box.put(("end", None))
        except BaseException as exc:  # handed to the sweep's thread
            box.put(("error", exc))

    threading.Thread(target=pull, name="cluster-results", daemon=True).start()
    while True:
        try:
            kind, value = box.get(timeout=POLL_S)
        except queue.Empty:
            if watcher.reason == "stalled":
                raise CancelledError("the cluster no longer holds the trials left") from None
            continue
        if kind == "end":
            return
        if kind == "error":
            raise value
        yield value


def _workers(client: Any) -> dict[str, Any]:
    try:
        workers: dict[str, Any] = client.scheduler_info(n_workers=-1).get("workers", {})
    except Exception:  # the scheduler is gone too
        return {}
    return workers


def _worker_of(exc: BaseException) -> str:
    last = getattr(exc, "last_worker", None)  # KilledWorker's
    return str(getattr(last, "address", last) or "")


def _why(exc: BaseException) -> str:
    if type(exc).__name__ == "KilledWorker":
        return "died while fitting it, and so had the worker of its first attempt"
    return f"the cluster failed it twice ({type(exc).__name__}: {exc})"


def close_quietly(client: Any) -> None:
    with contextlib.suppress(Exception):  # a scheduler already gone: nothing to close
        client.close(timeout=5)
