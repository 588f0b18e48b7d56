"""The fields of a project one-pager, with the ranges the prioritisation rubric uses.

The scales follow the portfolio template the product grew from: impact, confidence and
effort on 0–5 (effort "reversed": higher means more costly), reach as people or requests
per quarter, effort also in T-shirt size and FTE weeks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shipyard.core.portfolio.vocabulary import Direction, RiskLevel, Sensitivity, Stage, TShirt

ONEPAGER_SCHEMA = 1

__all__ = ["Direction", "OnePager", "RiskLevel", "Sensitivity", "Stage", "TShirt"]


class _Part(BaseModel):
    # Unknown keys are kept so a round trip never drops what a user or a newer tool wrote.
    model_config = ConfigDict(extra="allow", use_enum_values=False, validate_assignment=True)


class PrimaryMetric(_Part):
    name: str = ""
    target: float | None = None
    direction: Direction = Direction.MAXIMIZE


class Owner(_Part):
    name: str = ""
    contact: str = ""


class DatasetRef(_Part):
    name: str = ""
    lineage: str = ""


class Risk(_Part):
    level: RiskLevel = RiskLevel.MEDIUM
    data_sensitivity: Sensitivity = Sensitivity.INTERNAL
    pii: bool = False
    compliance_notes: str = ""


class Effort(_Part):
    tshirt: TShirt = TShirt.M
    fte_weeks: float = Field(default=4.0, ge=0, le=520)


class Scores(_Part):
    """Inputs of RICE, ICE, WSJF and the composite priority."""

    # None means "not scored yet": it ranks like 0 but shows as a gap in the one-pager.
    reach: int | None = Field(default=None, ge=0, description="people or requests per quarter")
    impact: float | None = Field(default=None, ge=0, le=5)
    confidence: float | None = Field(default=None, ge=0, le=5)
    effort: float = Field(default=3, gt=0, le=5, description="0–5, higher costs more")
    time_criticality: float = Field(default=0, ge=0, le=5)
    risk_reduction: float = Field(default=0, ge=0, le=5)


class Dates(_Part):
    start: date | None = None
    review: date | None = None
    sunset: date | None = None

    @model_validator(mode="after")
    def _in_order(self) -> Dates:
        if self.start and self.review and self.review < self.start:
            raise ValueError("the review date comes before the start date")
        if self.start and self.sunset and self.sunset < self.start:
            raise ValueError("the sunset date comes before the start date")
        return self


class OnePager(_Part):
    schema_version: int = Field(default=ONEPAGER_SCHEMA, alias="schema")
    title: str = Field(min_length=1, max_length=120)
    outcome: str = ""
    hypothesis: str = ""
    primary_metric: PrimaryMetric = Field(default_factory=PrimaryMetric)
    owner: Owner = Field(default_factory=Owner)
    team: list[str] = Field(default_factory=list)
    dataset: DatasetRef = Field(default_factory=DatasetRef)
    dependencies: list[str] = Field(default_factory=list)
    risk: Risk = Field(default_factory=Risk)
    effort: Effort = Field(default_factory=Effort)
    scores: Scores = Field(default_factory=Scores)
    stage: Stage = Stage.IDEA
    stage_since: date | None = None
    dates: Dates = Field(default_factory=Dates)

    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_assignment=True)

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        # A one-pager written by a newer Shipyard may hold fields this one would drop on
        # save: refuse it, as a newer workspace format is refused.
        if value > ONEPAGER_SCHEMA:
            raise ValueError(
                f"schema {value} comes from a newer Shipyard (this one reads up to "
                f"schema {ONEPAGER_SCHEMA}); upgrade Shipyard to open it"
            )
        if value < 1:
            raise ValueError(f"schema must be 1 to {ONEPAGER_SCHEMA}")
        return value

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the title cannot be blank")
        return value.strip()

    def front_matter(self) -> dict[str, Any]:
        """The fields as plain YAML-ready values (dates as dates, enums as strings)."""
        return self.model_dump(mode="python", by_alias=True, exclude_none=False)


# The fields a reviewer needs first, in the order the empty state suggests filling them.
KEY_FIELDS: tuple[tuple[str, str], ...] = (
    ("outcome", "One-line outcome"),
    ("hypothesis", "Hypothesis"),
    ("primary_metric.name", "Primary metric"),
    ("primary_metric.target", "Metric target"),
    ("owner.name", "Owner"),
    ("dataset.name", "Dataset"),
    ("scores.reach", "Reach"),
    ("scores.impact", "Impact"),
    ("scores.confidence", "Confidence"),
    ("dates.review", "Review date"),
)

# Bounds and units users see next to the fields and in error messages.
FIELD_HINTS: dict[str, str] = {
    "scores.reach": "a whole number of people or requests per quarter, 0 or more, or leave it empty",
    "scores.impact": "a number from 0 to 5, or leave it empty",
    "scores.confidence": "a number from 0 to 5, or leave it empty",
    "scores.effort": "a number above 0 and at most 5",
    "scores.time_criticality": "a number from 0 to 5",
    "scores.risk_reduction": "a number from 0 to 5",
    "effort.fte_weeks": "a number of weeks from 0 to 520",
    "effort.tshirt": "one of XS, S, M, L, XL",
    "stage": "one of " + ", ".join(s.value for s in Stage),
    "risk.level": "one of low, medium, high",
    "risk.data_sensitivity": "one of " + ", ".join(s.value for s in Sensitivity),
    "primary_metric.direction": "maximize or minimize",
    "primary_metric.target": "a number, or leave it empty",
    "dates.start": "a date like 2026-01-31",
    "dates.review": "a date like 2026-01-31",
    "dates.sunset": "a date like 2026-01-31",
    "stage_since": "a date like 2026-01-31",
    "dates": "dates in order: start, then review and sunset",
    "title": "a non-empty title of at most 120 characters",
    "team": "a list of names",
    "dependencies": "a list of items",
}


def unknown_field_warnings(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Unknown keys that look like typos of known ones: (path, suggestion).

    Unknown keys are kept (a newer Shipyard or another tool may have written them), but
    one that is a near miss of a real field ("stgae") almost always is a typo.
    """
    import difflib

    out: list[tuple[str, str]] = []

    def walk(model: type[BaseModel], values: Any, prefix: str) -> None:
        if not isinstance(values, dict):
            return
        known = {(f.alias or name): f for name, f in model.model_fields.items()}
        for key, value in values.items():
            if key in known:
                sub = known[key].annotation
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    walk(sub, value, f"{prefix}{key}.")
                continue
            close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.75)
            if close:
                out.append((f"{prefix}{key}", f"{prefix}{close[0]}"))

    walk(OnePager, data, "")
    return out


def get_path(obj: Any, dotted: str) -> Any:
    """Read `a.b.c` from nested models or dicts."""
    for part in dotted.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def is_filled(value: Any) -> bool:
    """Blank strings and lists and None are gaps; any number, 0 included, is an answer."""
    if value is None:
        return False
    if isinstance(value, str | list | dict):
        return bool(value)
    return True


def completeness(onepager: OnePager) -> float:
    """Share of the key fields that are filled, 0..1."""
    filled = sum(is_filled(get_path(onepager, f)) for f, _ in KEY_FIELDS)
    return filled / len(KEY_FIELDS)


def missing_key_fields(onepager: OnePager) -> list[str]:
    return [label for f, label in KEY_FIELDS if not is_filled(get_path(onepager, f))]
