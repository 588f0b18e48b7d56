"""What every check reads: the run, its exact ONNX bytes, its data, and shared measurements.

Data, the onnxruntime session and the holdout predictions are loaded once, on first use.
Quality is measured here, on the model file that ships: its answers on the holdout, scored
with the training code (`measured`), never read back from run.json.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from shipyard.core.errors import ShipyardError
from shipyard.core.gates.policy import CostModel
from shipyard.core.jobs import JobControl
from shipyard.core.training.runs import RunRecord
from shipyard.core.training.task import TaskSpec
from shipyard.core.workspace.workspace import ProjectEntry, Workspace

if TYPE_CHECKING:
    from shipyard.core.training.frame import Frame

# How far a metric measured from the model file may be from the one run.json recorded at
# training (the same file, holdout and code give the same value up to float rounding; a
# different model moves its metrics by far more).
METRIC_TOLERANCE = 1e-4


@dataclass
class Outcome:
    """What a check found; the runner turns `ok` into a verdict using `required`."""

    ok: bool | None  # None: nothing to hold against the run (shown as a warning)
    value: Any = None
    threshold: Any = None
    unit: str = ""
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


def task_spec(run: RunRecord) -> TaskSpec:
    return TaskSpec.from_record(run.task)


@dataclass
class GateContext:
    ws: Workspace
    slug: str
    entry: ProjectEntry
    run: RunRecord
    model_bytes: bytes
    cost: CostModel
    job: JobControl
    measurements: dict[str, Any] = field(default_factory=dict)
    _intervals: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def model_sha256(self) -> str:
        return hashlib.sha256(self.model_bytes).hexdigest()

    @cached_property
    def spec(self) -> TaskSpec:
        return task_spec(self.run)

    @cached_property
    def version(self) -> Any:
        """The run's training version; a missing or swapped version is a clear error."""
        from shipyard.core.data.catalog import resolve
        from shipyard.core.data.errors import DatasetNotFound

        ref = self.run.dataset.get("ref", "")
        try:
            version = resolve(self.ws, ref)
        except DatasetNotFound as exc:
            raise ShipyardError(
                f"run {self.run.run_id} was trained on {ref}, which is no longer in the "
                f"workspace ({exc.message})",
                file=exc.file,
                fix="restore the dataset version, or gate a run trained on data that exists",
            ) from None
        want = self.run.dataset.get("fingerprint")
        if want and version.fingerprint != want:
            raise ShipyardError(
                f"{ref} no longer holds the rows run {self.run.run_id} was trained on "
                "(its fingerprint changed)",
                file=version.metadata_path,
                fix="restore the original version, or retrain the project",
            )
        return version

    @cached_property
    def frames(self) -> tuple[Frame, Frame]:
        from shipyard.core.data.split import load_split
        from shipyard.core.training.frame import load_frames

        split = load_split(self.version, self.run.dataset.get("split_id"))
        return load_frames(self.version, self.spec, split)

    @property
    def train(self) -> Frame:
        return self.frames[0]

    @property
    def holdout(self) -> Frame:
        return self.frames[1]

    @cached_property
    def session(self) -> Any:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        # One thread: the latency a single request sees on a busy server, and stable timing.
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        return ort.InferenceSession(self.model_bytes, opts, providers=["CPUExecutionProvider"])

    @cached_property
    def predictions(self) -> tuple[Any, Any]:
        """(labels or values, probabilities or None) for the whole holdout, one batch."""
        import numpy as np

        outs = self.session.run(None, self.holdout.onnx_feed(self.spec))
        if self.spec.is_classification:
            return np.asarray(outs[0]).astype(str), np.asarray(outs[1])
        return np.asarray(outs[0], dtype=np.float64).reshape(-1), None

    @cached_property
    def measured(self) -> dict[str, float | None]:
        """The run's metrics measured now: the current model file's answers on the holdout,
        scored by the same code training used."""
        from shipyard.core.training.metrics import classification_metrics, regression_metrics

        labels, proba = self.predictions
        if self.spec.is_classification:
            metrics, _ = classification_metrics(self.holdout.y, labels, proba, self.spec.classes)
        else:
            metrics, _ = regression_metrics(self.holdout.y, labels)
        return metrics

    def interval(self, metric: str) -> Any:
        """The 95% interval of `metric` measured now on the holdout from the model file's
        answers (an `Interval`, or None when it cannot be measured), seeded with the run's
        seed. The report keeps it in each quality check's evidence (`measurements` keeps
        the shared runtime format)."""
        from shipyard.core.training.intervals import metric_interval

        if metric not in self._intervals:
            labels, proba = self.predictions
            classes = list(self.spec.classes) if self.spec.is_classification else None
            found = metric_interval(
                metric, self.measured.get(metric), self.holdout.y, labels, proba, classes,
                seed=self.run.seed,
            )  # fmt: skip
            self._intervals[metric] = found
        return self._intervals[metric]

    def file_disagreement(self) -> list[tuple[str, float | None, float | None]]:
        """(metric, measured, recorded) for each metric where the model file's answers do
        not give what run.json recorded at training (empty: the file is the trained one)."""
        recorded = self.run.metrics or {}
        out = []
        for key, value in self.measured.items():
            if key == "mape_rows" or key not in recorded:
                continue
            theirs = recorded.get(key)
            if value is None and theirs is None:
                continue
            if value is None or theirs is None or abs(value - theirs) > METRIC_TOLERANCE:
                out.append((key, value, theirs))
        return out

    @cached_property
    def primary(self) -> tuple[str, str, str]:
        """(metric key, direction, note): the metric the project's leaderboard ranks by."""
        from shipyard.core.training.leaderboard import primary_metric

        return primary_metric(self.ws, self.slug, self.spec.kind)

    @cached_property
    def baseline(self) -> tuple[dict[str, float | None], str]:
        """(metrics of the dummy baseline on this run's holdout, where they come from).

        The project's dummy run trained on the same split when there is one; else a prior
        (classification) or mean (regression) predictor fitted on the same train rows."""
        import numpy as np

        from shipyard.core.training.metrics import classification_metrics, regression_metrics
        from shipyard.core.training.runs import list_runs

        same = ("ref", "fingerprint", "split_id", "split_sha256")
        for other in reversed(list_runs(self.ws, self.slug)):
            if other.family == "dummy" and all(
                other.dataset.get(k) == self.run.dataset.get(k) for k in same
            ):
                return other.metrics, f"the dummy run {other.run_id} (same split)"
        n = len(self.holdout)
        if self.spec.is_classification:
            classes = list(self.spec.classes)
            train_y = np.asarray(self.train.y).astype(str)
            prior = np.array([np.mean(train_y == str(c)) for c in classes], dtype=np.float64)
            proba = np.tile(prior, (n, 1))
            labels = np.full(n, str(classes[int(np.argmax(prior))]), dtype=object)
            metrics, _ = classification_metrics(self.holdout.y, labels, proba, classes)
            how = "the class prior"
        else:
            mean = float(np.mean(np.asarray(self.train.y, dtype=np.float64)))
            metrics, _ = regression_metrics(self.holdout.y, np.full(n, mean))
            how = "the mean"
        return metrics, f"a dummy predicting {how} of the {len(self.train)} train rows"

    @cached_property
    def latency(self) -> Any:
        """Single-row latency and batch throughput (shared by the latency and cost checks)."""
        from shipyard.core.gates.latency import latency_once, measure_latency

        # Measured once per model file and stored beside the run: the gate and the rollout
        # rehearsal then judge the same figures, and a rerun gives the same report.
        rows = self.measurements.pop("_latency_rows", 300)
        result = latency_once(
            self.run.folder,
            self.model_sha256,
            lambda: measure_latency(self.session, self.holdout, self.spec, rows=rows, job=self.job),
            min_calls=rows,
            measured_by="gate",
        )
        self.measurements["latency_ms"] = {
            "p50": result.p50_ms,
            "p95": result.p95_ms,
            "p99": result.p99_ms,
        }
        self.measurements["throughput_rps"] = result.throughput_rps
        return result
