"""Sweep trials on a team's own Dask cluster (`shipyard sweep ... --cluster tcp://HOST:PORT`).

Trials go to an existing Dask distributed scheduler through Dask's own futures: the training
rows are scattered to every worker once, then each trial is one task (`client.submit`), and
the sweep waits on them itself, looking at Cancel and at the workers every POLL_S. Joblib's
Dask backend is not used: it cannot report a trial lost with its worker to its waiting
generator, which could then wait forever for a trial the scheduler no longer holds.

What travels, and what does not:

- To the workers: Shipyard's own trial function (a `Trial`, which holds only the trial's
  number and the expected library versions), the training rows as Parquet bytes (scattered
  to every worker once per sweep, again only if every copy was lost with its workers), the
  task spec as JSON, the family, the trial's parameters and the seed. With a shared folder
  (`--shared-dir`, a path every worker reads), the rows are written there as a Parquet
  file and only its path and SHA-256 travel; a worker checks the digest before it reads. The worker rebuilds
  the frame and the pipeline itself, so it never unpickles an object made from user input
  on the client.
- Back from the workers: the fitted scikit-learn pipeline, pickled by Dask. The cluster is
  trusted like the workspace: run it on the team's own machines, on a network only they
  reach. Before any work is sent, each worker's Shipyard, scikit-learn, NumPy and Python
  versions are checked against this machine's; a mismatch is refused, as a pipeline fitted
  by another scikit-learn would not be the one recorded here.
- Recording (ONNX export, parity, metrics, run.json) stays on the client, through the same
  `record_run` as a local sweep, so a trial gives the same record as a local trial with the
  same seed: the same parameters, metrics and model.onnx bytes.

Failures. As many trials are in flight as the workers have threads, so a worker that dies
holds only the trial it was fitting: the scheduler hands that trial to another worker. A
trial that fails on the cluster itself (KilledWorker: the scheduler gave up after several
dead workers; or dropped by the scheduler, e.g. with its input data) is resubmitted once,
then reported as lost (`LostTrial`); when every worker has been gone for WORKERLESS_S, the
unfinished trials are reported as lost. An exception raised by the trial's own code is not
a cluster failure: it ends the sweep with that exception, as in a local sweep (running it
again would fail the same way). Cancel cancels the trials not yet finished and returns
within POLL_S; trials recorded before it stay.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import platform
import queue
import re
import secrets
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.core.errors import ShipyardError
from shipyard.core.jobs import JobControl
from shipyard.core.training.frame import Frame
from shipyard.core.training.task import TaskSpec

CONNECT_TIMEOUT_S = 5.0  # an unreachable scheduler is reported after this, not waited on
WORKER_WAIT_S = 20.0  # a scheduler without any worker is reported after this
WORKERLESS_S = 60.0  # every worker gone mid-sweep: the unfinished trials are lost after this
POLL_S = 0.1  # how often the sweep looks at Cancel while it waits (at the workers: every 1 s)
GATHER_S = 60.0  # a finished trial's pipeline not fetched by then: failed on the cluster
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

    def describe(self, what: str = "") -> str:
        """ "trial 3 lost: worker tcp://… died …" (`what` names it otherwise: "the trees rung")."""
        where = f"worker {self.worker} " if self.worker else ""
        return f"{what or f'trial {self.trial}'} lost: {where}{self.reason}"


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


def open_checked(address: str, job: JobControl) -> Any:
    """A client on the scheduler at `address` whose workers all run this machine's
    versions (`connect`, then `check_workers`); the job's progress says where."""
    address = normalize_address(address)
    job.progress(0.0, f"connecting to the cluster at {address}")
    client = connect(address)
    try:
        check_workers(client, address)
    except BaseException:
        close_quietly(client)
        raise
    return client


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


@dataclass(frozen=True)
class SharedRows:
    """The training rows as a Parquet file in a folder every worker reads at the same path
    (the workspace's shared storage): only this path and digest travel, not the rows."""

    path: str
    sha256: str

    def read(self) -> bytes:
        """The file's bytes, checked against the digest the client wrote them with."""
        try:
            data = Path(self.path).read_bytes()
        except OSError as exc:
            raise ClusterError(
                f"a worker cannot read the training rows at {self.path} ({exc.strerror})",
                fix="mount the shared folder at the same path on every worker, or leave out "
                "--shared-dir to send the rows to the workers",
            ) from None
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise ClusterError(
                f"the training rows at {self.path} are not the ones this sweep wrote "
                "(changed or cut short since)",
                fix="run it again; do not edit the files Shipyard writes in the shared folder",
            )
        return data


def write_shared(data: bytes, folder: Path) -> SharedRows:
    """`data` written (atomically) into `folder`, named by its digest."""
    from shipyard.core.workspace.atomic import atomic_write_bytes

    digest = hashlib.sha256(data).hexdigest()
    path = Path(folder).resolve() / f"shipyard-rows-{digest[:32]}.parquet"
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise ClusterError(
            f"cannot write the training rows into the shared folder {folder} ({exc.strerror})",
            fix="give a folder this machine can write and every worker can read at the same "
            "path (--shared-dir), or leave it out to send the rows to the workers",
        ) from None
    return SharedRows(str(path), digest)


_frames: dict[str, Frame] = {}  # on a worker: the frames of the last sweeps, by digest
_frames_lock = threading.Lock()


def _worker_frame(data: bytes | SharedRows, spec_json: dict[str, Any]) -> Frame:
    digest = data.sha256 if isinstance(data, SharedRows) else hashlib.sha256(data).hexdigest()
    with _frames_lock:
        frame = _frames.get(digest)
        if frame is None:
            rows = data.read() if isinstance(data, SharedRows) else data
            frame = frame_from_parquet(rows, TaskSpec.from_record(spec_json))
            while len(_frames) >= 2:
                _frames.pop(next(iter(_frames)))
            _frames[digest] = frame
    return frame


# -- one trial, on a worker -------------------------------------------------------------------
class Trial:
    """Fit one trial on a worker: Shipyard's own code over plain data.

    A callable object holding only the trial number (also in its Dask task's key) and the
    versions the client expects.
    """

    def __init__(self, trial: int, versions: dict[str, str]) -> None:
        self.trial = trial
        self.versions = versions
        self.__name__ = f"{TRIAL_KEY}{trial}"

    def __call__(
        self,
        data: bytes | SharedRows,
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


# -- the trials, on the cluster ---------------------------------------------------------------
class _NoWorkers(Exception):
    """Every worker has been gone for WORKERLESS_S: the trials left cannot run."""


class _InFlight:
    """The sweep's trials on the cluster: at most `slots` (the workers' threads) in flight.

    A trial's end is heard on Dask's callback thread, which hands its future to `finished`
    and submits the next trial at once, so a worker does not sit idle while the client
    records the trial before. Resubmitting, and anything that may wait (sending the data
    again), is done by the sweep's own thread."""

    def __init__(
        self, client: Any, job: JobControl, data: bytes | SharedRows, workerless_s: float
    ) -> None:
        self.client, self.job, self.data, self.workerless_s = client, job, data, workerless_s
        self.finished: queue.Queue[Any] = queue.Queue()  # futures, as the client hears they end
        self.trials: dict[str, int] = {}  # task key -> trial, for every future not handled
        self.futures: dict[str, Any] = {}  # task key -> future, the same
        self.busy: set[str] = set()  # keys of the trials not ended yet
        self.waiting: list[int] = []  # not submitted yet (a resubmission first)
        self.attempts: dict[int, int] = {}
        self.slots = 1
        self.closed = False
        self.token = secrets.token_hex(4)
        self.shared: Any = None  # the scattered Parquet bytes
        self.call: tuple[Any, ...] = ()  # (versions, spec_json, family, plan, pipe_params, seed)
        self.lock = threading.Lock()

    def send_data(self) -> Any:
        """The Parquet bytes on every worker (again after every copy was lost with its
        workers); waits up to `workerless_s` for a worker, checking Cancel."""
        if self.shared is not None and self.shared.status == "finished":
            return self.shared
        deadline = time.monotonic() + self.workerless_s
        while True:
            self.job.check()
            left = deadline - time.monotonic()
            if left <= 0:
                raise _NoWorkers
            try:
                self.client.wait_for_workers(1, timeout=min(1.0, left))
                shared = self.client.scatter(self.data, broadcast=True, hash=False, timeout=left)
            except OSError:  # no worker yet (TimeoutError), or one died while it was sent
                continue
            self.shared = shared
            return shared

    def top_up(self, wait: bool) -> None:
        """Submit waiting trials while a slot is free. Without `wait` (on the callback
        thread), only when the data is on the workers and nothing fails; the sweep's thread
        does the rest."""
        versions, spec_json, family, plan, pipe_params, seed = self.call
        with self.lock:
            while self.waiting and len(self.busy) < self.slots and not self.closed:
                i = self.waiting[0]
                try:
                    if not wait and (self.shared is None or self.shared.status != "finished"):
                        return
                    data = self.send_data()
                    attempt = self.attempts.get(i, 0) + 1
                    fam = family if isinstance(family, str) else family[i]
                    future = self.client.submit(
                        Trial(i, versions), data, spec_json, fam, plan[i], pipe_params[i],
                        seed, key=f"{TRIAL_KEY}{i}-{self.token}-{attempt}", pure=False,
                        retries=0,  # the trial's own errors would only repeat
                    )  # fmt: skip
                except Exception:
                    if wait:
                        raise
                    return
                self.waiting.pop(0)
                self.attempts[i] = attempt
                self.trials[future.key] = i
                self.futures[future.key] = future
                self.busy.add(future.key)
                future.add_done_callback(self._ended)

    def _ended(self, future: Any) -> None:
        with self.lock:
            self.busy.discard(future.key)
        self.finished.put(future)
        self.top_up(wait=False)

    def take(self, future: Any) -> int | None:
        """The trial of an ended future, now handled (None: handled already)."""
        with self.lock:
            self.futures.pop(future.key, None)
            return self.trials.pop(future.key, None)

    def resubmit(self, trial: int) -> None:
        with self.lock:
            self.waiting.insert(0, trial)

    def left(self) -> list[int]:
        with self.lock:
            return sorted([*self.trials.values(), *self.waiting])

    def close(self) -> None:
        """Nothing more is submitted; the trials in flight are cancelled on the cluster."""
        with self.lock:
            self.closed = True
            futures = list(self.futures.values())
        with contextlib.suppress(Exception):  # a client closing: nothing left to cancel
            self.client.cancel(futures)


def fit_on_cluster(
    client: Any,
    *,
    spec: TaskSpec,
    train: Frame,
    family: str | list[str],
    plan: list[dict[str, Any]],
    pipe_params: list[dict[str, Any]],
    seed: int,
    job: JobControl,
    lost: list[LostTrial],
    workerless_s: float | None = None,
    shared_dir: Path | None = None,
) -> Generator[tuple[int, dict[str, Any], Any, float], None, None]:
    """Yield (trial, params, fitted pipeline, fit seconds) as trials finish on the cluster.

    `plan[i]` is trial i's parameters as planned, `pipe_params[i]` the same for the pipeline;
    `family` is every trial's, or a list of each trial's (a ladder: one rung a trial).
    `shared_dir`: a folder every worker reads at the same path; the training rows are
    written there (and removed at the end) instead of being sent to each worker.

    As many trials are in flight as the workers have threads, so a worker that dies holds
    only the trial it was fitting. A trial that fails on the cluster (its workers died, or
    the scheduler dropped it) is resubmitted once, then appended to `lost`; an exception
    raised by the trial's own code ends the sweep with that exception, as a local sweep
    does. Raises Cancelled when the job is cancelled (checked every POLL_S); the trials in
    flight are cancelled on the cluster whenever the generator ends.
    """
    workerless = workerless_s or WORKERLESS_S
    rows = frame_to_parquet(train, spec)
    shared = write_shared(rows, shared_dir) if shared_dir is not None else None
    flight = _InFlight(client, job, shared or rows, workerless)
    flight.call = (versions_here(), spec.to_json(), family, plan, pipe_params, seed)
    flight.waiting = list(range(len(plan)))
    flight.slots = max(1, _threads(client))
    try:
        last_look = time.monotonic()
        workerless_since: float | None = None
        while flight.left():
            job.check()
            flight.top_up(wait=True)
            now = time.monotonic()
            if now - last_look >= 1.0:  # the workers, every second: how many, any at all
                last_look = now
                threads = _threads(client)
                flight.slots = max(1, threads)
                workerless_since = None if threads else (workerless_since or now)
                if workerless_since is not None and now - workerless_since > workerless:
                    raise _NoWorkers
            try:
                future = flight.finished.get(timeout=POLL_S)
            except queue.Empty:
                continue
            trial = flight.take(future)
            if trial is None:
                continue
            failure, out = _outcome(future)
            future.release()
            if failure is None:
                yield out
            elif flight.attempts[trial] < 2:
                flight.resubmit(trial)
            else:
                lost.append(LostTrial(trial, plan[trial], _worker_of(failure), _why(failure)))
    except _NoWorkers:
        lost.extend(
            LostTrial(i, plan[i], "", "every worker left the cluster") for i in flight.left()
        )
    finally:
        flight.close()
        if shared is not None:
            with contextlib.suppress(OSError):  # a folder gone read-only: left for the team
                Path(shared.path).unlink()


def record_fitted(
    fitted: Generator[tuple[int, dict[str, Any], Any, float], None, None],
    n: int,
    job: JobControl,
    record: Callable[[int, dict[str, Any], Any, float, tuple[float, float]], Any],
    out: SweepRecords,
) -> SweepRecords:
    """Record each of `n` trials as `fit_on_cluster` yields it (`record(trial, params,
    pipeline, fit seconds, progress span)`, the progress moving per finished trial), and
    add the records to `out` in trial order. The trials still out are cancelled on any end."""
    recorded: dict[int, Any] = {}
    try:
        for done, (trial, params, pipe, seconds) in enumerate(fitted):
            job.check()
            span = (0.05 + 0.95 * done / n, 0.05 + 0.95 * (done + 1) / n)
            recorded[trial] = record(trial, params, pipe, seconds, span)
    finally:
        fitted.close()
    out.extend(recorded[i] for i in sorted(recorded))
    return out


def _outcome(future: Any) -> tuple[BaseException | None, Any]:
    """(None, the trial's result), or (the cluster's failure, None) for a trial that failed
    on the cluster itself. An exception raised by the trial's own code is raised here."""
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    if future.status == "error":
        exc = future.exception(timeout=GATHER_S)
        if isinstance(exc, KilledWorker):  # every worker that ran it died
            return exc, None
        raise exc
    if future.status != "finished":  # cancelled by the scheduler (its data was lost), lost
        return CancelledError(f"the scheduler dropped it ({future.status})"), None
    try:
        return None, future.result(timeout=GATHER_S)
    except (OSError, CancelledError) as exc:  # the result died with its worker
        return exc, None


def _threads(client: Any) -> int:
    """The cluster's worker threads: how many trials can fit at once."""
    return sum(int(w.get("nthreads", 1)) for w in _workers(client).values())


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
