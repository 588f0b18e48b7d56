"""What every check reads: the run, its exact ONNX bytes, its data, and shared measurements.

Data, the onnxruntime session and the predictions are loaded once, on first use. Quality is
measured here, on the model file that ships: its answers on the rows the gate judges on,
scored with the training code (`measured`), never read back from run.json.

The gate judges on the run's **sealed test split**: rows no run was scored or chosen on
(`holdout` below is that frame). Scoring it is recorded as test-split wear
(core/training/test_split_wear.py). A run whose split predates sealed test splits is judged
on its old holdout, which the leaderboard also used, and the evidence says so. The model
file is held to run.json's recorded metrics on the rows training scored (the validation
rows; `file_disagreement`).
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
    user: str = ""
    _scored: Any = field(default=None, repr=False)  # the rows training scored (frames)

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
    def split(self) -> Any:
        from shipyard.core.data.split import load_split

        return load_split(self.version, self.run.dataset.get("split_id"))

    @cached_property
    def frames(self) -> tuple[Frame, Frame]:
        """(train, judged): the rows the run was fitted on and the rows the gate judges on
        (the sealed test split; the holdout of a two-way split)."""
        from shipyard.core.training.frame import load_frames, load_test_frame

        train, scored = load_frames(self.version, self.spec, self.split)
        self._scored = scored
        return train, load_test_frame(self.version, self.spec, self.split)

    @property
    def train(self) -> Frame:
        return self.frames[0]

    @property
    def holdout(self) -> Frame:
        """The rows the gate judges on: the sealed test split (or a two-way split's holdout)."""
        return self.frames[1]

    @property
    def sealed(self) -> bool:
        """The run's split has a sealed test split the runs were not scored on."""
        return bool(self.split.sealed)

    @property
    def judged_on(self) -> str:
        """Which rows quality is judged on, in words (quality evidence and messages)."""
        from shipyard.core.data.split import LEGACY_HOLDOUT

        if self.sealed:
            return f"the sealed test split ({len(self.holdout):,} rows no run was chosen on)"
        return (
            f"the {LEGACY_HOLDOUT.replace(' (legacy)', '')} ({len(self.holdout):,} rows; an "
            "old two-way split: the leaderboard chose on these rows too, so the score may be "
            "optimistic)"
        )

    @cached_property
    def wear(self) -> Any:
        """The test split's wear after this scoring (a `Wear`), or None for a two-way split.

        Recorded the first time the test split's answers are scored in this gate run."""
        from shipyard.core.training.test_split_wear import record_scoring

        if not self.sealed:
            return None
        return record_scoring(
            self.ws, self.slug, dataset_ref=self.run.dataset.get("ref", ""),
            split_id=self.split.split_id, split_sha256=self.split.parquet_sha256,
            model_sha256=self.model_sha256, run_id=self.run.run_id, user=self.user,
        )  # fmt: skip

    @cached_property
    def session(self) -> Any:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        # One thread: the latency a single request sees on a busy server, and stable timing.
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        return ort.InferenceSession(self.model_bytes, opts, providers=["CPUExecutionProvider"])

    def _answers(self, frame: Frame) -> tuple[Any, Any]:
        import numpy as np

        outs = self.session.run(None, frame.onnx_feed(self.spec))
        if self.spec.is_classification:
            return np.asarray(outs[0]).astype(str), np.asarray(outs[1])
        return np.asarray(outs[0], dtype=np.float64).reshape(-1), None

    def _metrics(self, frame: Frame, answers: tuple[Any, Any]) -> dict[str, float | None]:
        from shipyard.core.training.metrics import classification_metrics, regression_metrics

        labels, proba = answers
        if self.spec.is_classification:
            metrics, _ = classification_metrics(frame.y, labels, proba, self.spec.classes)
        else:
            metrics, _ = regression_metrics(frame.y, labels)
        return metrics

    @cached_property
    def predictions(self) -> tuple[Any, Any]:
        """(labels or values, probabilities or None) for the rows judged on, one batch.

        On a sealed split this scores the test split, which is recorded (`wear`)."""
        answers = self._answers(self.holdout)
        self.wear  # noqa: B018  (the test split was looked at: count this model)
        return answers

    @cached_property
    def measured(self) -> dict[str, float | None]:
        """The run's metrics measured now: the current model file's answers on the rows
        judged on (the sealed test split), scored by the same code training used."""
        return self._metrics(self.holdout, self.predictions)

    @cached_property
    def file_check(self) -> tuple[dict[str, Any], dict[str, Any], str, int] | None:
        """(metrics measured now, metrics recorded at training, which rows, how many) that
        tell whether the model file is the one training recorded; None when the run holds
        nothing to compare with.

        The rows training scored on (validation; the holdout of a two-way split) against
        run.json's metrics. Under cross-validation the recorded scores came from clones
        fitted on other folds, so the file is held to its own metrics on the training rows,
        recorded beside the parity check."""
        from shipyard.core.data.split import CROSS_VALIDATION

        if not self.sealed:
            return self.measured, self.run.metrics or {}, "holdout", len(self.holdout)
        self.frames  # noqa: B018  (loads the scored rows too)
        if self.split.selection == CROSS_VALIDATION:
            recorded = (self.run.parity or {}).get("file_metrics")
            if not recorded:
                return None
            frame, rows = self.train, "training"
        else:
            recorded, frame, rows = self.run.metrics or {}, self._scored, "validation"
        return self._metrics(frame, self._answers(frame)), recorded, rows, len(frame)

    def interval(self, metric: str) -> Any:
        """The 95% interval of `metric` measured now on the judged rows from the model file's
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
        not give what run.json recorded at training (empty: the file is the trained one, or
        the recorded metrics are cross-validated and cannot be measured from the file)."""
        out: list[tuple[str, float | None, float | None]] = []
        if self.file_check is None:
            return out
        measured, recorded = self.file_check[:2]
        for key, value in measured.items():
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
        # The dummy run's recorded metrics are on the rows it was scored on: the gate's rows
        # only for an old two-way split. On a sealed split its model file answers the test
        # rows (a baseline scoring is not counted as test-split wear: nothing is chosen by it).
        for other in reversed(list_runs(self.ws, self.slug)):
            if other.family == "dummy" and all(
                other.dataset.get(k) == self.run.dataset.get(k) for k in same
            ):
                if not self.sealed:
                    return other.metrics, f"the dummy run {other.run_id} (same split)"
                answers = self._model_answers(other, self.holdout)
                if answers is not None:
                    return self._metrics(self.holdout, answers), (
                        f"the dummy run {other.run_id} (same split; its model file scored on "
                        "the test split)"
                    )
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

    def _model_answers(self, other: RunRecord, frame: Frame) -> tuple[Any, Any] | None:
        """Another run's model file's answers on `frame` (None when its file is missing or
        is not the one it recorded)."""
        import onnxruntime as ort

        path = other.model_path
        if path is None or not path.is_file():
            return None
        data = path.read_bytes()
        if other.model_sha256 and hashlib.sha256(data).hexdigest() != other.model_sha256:
            return None
        try:
            session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
            outs = session.run(None, frame.onnx_feed(self.spec))
        except Exception:  # a broken file: fall back to the prior computed here
            return None
        import numpy as np

        if self.spec.is_classification:
            return np.asarray(outs[0]).astype(str), np.asarray(outs[1])
        return np.asarray(outs[0], dtype=np.float64).reshape(-1), None

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
