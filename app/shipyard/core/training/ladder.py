"""The baseline ladder: dummy -> linear -> gradient-boosted trees (-> TF-IDF + linear).

Every rung is a seeded sklearn Pipeline over the Frame's object array (columns by position,
in `TaskSpec.features` order). Categoricals are one-hot encoded for every model, including
HistGradientBoosting: its native categorical support converts wrongly with skl2onnx.
"""

from __future__ import annotations

from typing import Any

from shipyard.core.training.task import TaskSpec

FAMILIES = ("dummy", "linear", "trees", "text")
MAX_TFIDF_FEATURES = 20_000


def default_families(spec: TaskSpec) -> list[str]:
    fams = ["dummy"]
    if spec.numeric or spec.categorical:
        fams += ["linear", "trees"]
    if spec.text:
        fams.append("text")
    return fams


def _positions(spec: TaskSpec, cols: list[str]) -> list[int]:
    return [spec.features.index(c) for c in cols]


def build_pipeline(family: str, spec: TaskSpec, seed: int = 42) -> Any:
    """An unfitted Pipeline for `family`; its last step is the estimator."""
    from sklearn.compose import ColumnTransformer
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    clf = spec.is_classification
    if family == "dummy":
        est = DummyClassifier(strategy="prior") if clf else DummyRegressor(strategy="mean")
        return Pipeline([("model", est)])

    num, cat = _positions(spec, spec.numeric), _positions(spec, spec.categorical)
    parts: list[tuple[str, Any, Any]] = []
    onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    if family in ("linear", "text"):
        if num:
            scale = Pipeline(
                [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
            )
            parts.append(("num", scale, num))
        if cat:
            parts.append(("cat", onehot, cat))
        if family == "text":
            if len(spec.text) != 1:
                raise ValueError("the text rung takes exactly one text column")
            tfidf = TfidfVectorizer(max_features=MAX_TFIDF_FEATURES)
            parts.append(("text", tfidf, _positions(spec, spec.text)[0]))
        est = (
            LogisticRegression(max_iter=2000, random_state=seed)
            if clf
            else Ridge(alpha=1.0, random_state=seed)
        )
    elif family == "trees":
        if num:
            # An identity scaler, not "passthrough": the Frame's columns are objects, and a
            # passthrough block makes the whole transformed matrix an object array, which
            # every fit/predict converts to floats in one GIL-holding call (~90 ms on 80k rows,
            # once per boosting chunk). The scaler hands over float64; ONNX: Scaler(0, 1).
            parts.append(("num", StandardScaler(with_mean=False, with_std=False), num))
        if cat:
            parts.append(("cat", onehot, cat))
        cls = HistGradientBoostingClassifier if clf else HistGradientBoostingRegressor
        est = cls(random_state=seed, max_iter=100, early_stopping=False)
    else:
        raise ValueError(f"unknown model family {family!r}; use one of {', '.join(FAMILIES)}")
    if not parts:
        raise ValueError(f"the {family} rung has no feature to use")
    prep = ColumnTransformer(parts, remainder="drop", sparse_threshold=0.3)
    return Pipeline([("prep", prep), ("model", est)])


def hyper_parameters(pipe: Any) -> dict[str, Any]:
    """JSON-safe parameters of the estimator (the last step)."""
    params = pipe.steps[-1][1].get_params(deep=False)
    return {
        k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
        for k, v in params.items()
    }
