"""Tables nobody on the team designed, written as the CSV files a user would import.

- `breast_cancer`: scikit-learn's bundled table with its own feature names ("mean radius",
  "worst concave points"), binary, string labels (malignant / benign);
- `wine`: scikit-learn's bundled table ("od280/od315_of_diluted_wines"), three integer
  classes 0, 1, 2;
- `diabetes`: scikit-learn's bundled regression table;
- `awkward_business`: a business table with the names real exports have (spaces, "/",
  "€", "#", a SQL keyword, digits first, names equal to short SQL aliases), missing values,
  a free-text column and a label called "Churned?".

Each function writes the CSV into `folder` and returns (path, target column, task kind).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

TABLES = ("breast_cancer", "wine", "diabetes", "awkward_business")


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def breast_cancer(folder: Path) -> tuple[Path, str, str]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    names = ["malignant", "benign"]
    rows = [[*map(float, x), names[int(y)]] for x, y in zip(data.data, data.target, strict=True)]
    return (
        _write(folder / "breast_cancer.csv", [*data.feature_names, "diagnosis"], rows),
        "diagnosis",
        "binary",
    )


def wine(folder: Path) -> tuple[Path, str, str]:
    from sklearn.datasets import load_wine

    data = load_wine()
    rows = [[*map(float, x), int(y)] for x, y in zip(data.data, data.target, strict=True)]
    return (
        _write(folder / "wine.csv", [*data.feature_names, "cultivar"], rows),
        "cultivar",
        "multiclass",
    )


def diabetes(folder: Path) -> tuple[Path, str, str]:
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    rows = [[*map(float, x), float(y)] for x, y in zip(data.data, data.target, strict=True)]
    return (
        _write(folder / "diabetes.csv", [*data.feature_names, "progression"], rows),
        "progression",
        "regression",
    )


AWKWARD_HEADER = [
    "Customer ID", "select", "b", "v", "n", "Monthly spend (€)", "a/b", "#orders",
    "1st purchase year", "plan.tier", "last-contact note", "Churned?",
]  # fmt: skip
PLANS = ["free", "pro", "team", "enterprise"]
WORDS = ["slow", "support", "invoice", "great", "price", "cancel", "happy", "login", "bug"]


def awkward_business(folder: Path, rows: int = 600, seed: int = 7) -> tuple[Path, str, str]:
    """A churn table with a signal a model can learn: short tenure, high spend per order and
    complaint words churn more."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out: list[list[Any]] = []
    for i in range(rows):
        tenure = int(rng.integers(1, 60))
        spend = float(np.round(rng.gamma(2.0, 40.0), 2))
        orders = int(rng.poisson(3 + tenure / 10))
        plan = PLANS[int(rng.integers(0, 4))]
        words = [WORDS[int(k)] for k in rng.integers(0, len(WORDS), size=4)]
        score = -0.06 * tenure + 0.01 * spend - 0.2 * orders + 0.8 * ("cancel" in words)
        churned = "yes" if rng.random() < 1 / (1 + np.exp(-score)) else "no"
        row: list[Any] = [
            f"C-{i:05d}",
            tenure,
            float(np.round(rng.normal(), 3)),
            int(rng.integers(0, 5)),
            spend,
            float(np.round(spend / max(orders, 1), 3)),
            orders,
            int(rng.integers(2010, 2024)),
            plan,
            " ".join(words),
            churned,
        ]
        row.insert(4, float(rng.normal()))  # "n": noise
        if rng.random() < 0.08:  # missing values in numbers and categories
            row[5] = ""
        if rng.random() < 0.05:
            row[9] = ""
        out.append(row)
    # A free-text column makes it a text classification (TF-IDF beside the other features).
    return _write(folder / "awkward business.csv", AWKWARD_HEADER, out), "Churned?", "text"


def write_table(name: str, folder: Path) -> tuple[Path, str, str]:
    return {
        "breast_cancer": breast_cancer,
        "wine": wine,
        "diabetes": diabetes,
        "awkward_business": awkward_business,
    }[name](folder)
