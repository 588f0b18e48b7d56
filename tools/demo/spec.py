"""The demo's data files: `demo.yaml` (seed, projects, training order) and one
`projects/<slug>.md` per project, whose front matter is the project's one-pager plus a
`demo:` section (its sample's description, target, PII columns, seed stream and words; its
training settings). Read with the product's safe YAML loader and validated by the product's
one-pager model and the strict models below; a mistake names the file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from demo.recipes import RECIPES, Vocabulary
from shipyard.core.errors import Problem, ShipyardError, ValidationFailed
from shipyard.core.portfolio.onepager_file import problems_from, split_front_matter
from shipyard.core.portfolio.onepager_model import OnePager
from shipyard.core.workspace.yaml_file import check_yaml_text

DATA = Path(__file__).resolve().parent


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SampleSpec(_Strict):
    """The project's sample table; its recipe is named by the one-pager's `dataset.name`."""

    stream: int = Field(ge=0)  # seed stream; never renumber, or the other samples change
    description: StrictStr
    target: StrictStr
    pii: list[StrictStr] = []
    vocabulary: Vocabulary | None = None  # the words of a text dataset


class ExtraFlag(_Strict):
    """A flag beyond the defaults, e.g. one left behind after a launch (shows as stale)."""

    key: StrictStr
    description: StrictStr
    launched_days_ago: int = Field(ge=0)
    expires_after_days: int = Field(ge=0)
    traffic_percent: float = Field(ge=0, le=100)


class TrainingSpec(_Strict):
    families: list[StrictStr]  # the baseline ladder to train
    release: bool = False  # model card, rollout policy, flags and a gate run of the champion
    contract: bool = False  # a data contract inferred from the training version (with release)
    extra_flags: list[ExtraFlag] = []


class DemoSection(_Strict):
    sample: SampleSpec
    training: TrainingSpec | None = None


class DemoIndex(_Strict):
    seed: int
    projects: list[StrictStr]
    trained: list[StrictStr]


@dataclass(frozen=True)
class Project:
    slug: str
    onepager: OnePager
    body: str
    demo: DemoSection


def _safe_yaml(text: str, path: Path) -> dict[str, Any]:
    import yaml

    check_yaml_text(text, path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed(path, [Problem("", f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise ValidationFailed(path, [Problem("", "the file should hold a mapping of fields")])
    return data


_FIXES = {"extra_forbidden": "remove it, or check its spelling", "missing": "add this field"}


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise ShipyardError(
            "no such demo file", file=path, fix="create it or fix the name in demo.yaml"
        ) from None


def _validate(model: type[Any], data: Any, path: Path, prefix: str = "") -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                prefix + ".".join(str(p) for p in err["loc"]),
                err["msg"],
                fix=_FIXES.get(err["type"], ""),
            )
            for err in exc.errors()
        ]
        raise ValidationFailed(path, problems) from None


def _extra_fields(model: BaseModel, prefix: str = "") -> list[str]:
    """Fields the one-pager model keeps without knowing them: typos, in a demo file."""
    out = [prefix + key for key in model.model_extra or {}]
    for name, value in model:
        if isinstance(value, BaseModel):
            out += _extra_fields(value, f"{prefix}{name}.")
    return out


def load_index(path: Path = DATA / "demo.yaml") -> DemoIndex:
    index: DemoIndex = _validate(DemoIndex, _safe_yaml(_read(path), path), path)
    if unknown := sorted(set(index.trained) - set(index.projects)):
        raise ValidationFailed(path, [Problem("trained", f"not in `projects`: {unknown}")])
    return index


def load_project(path: Path) -> Project:
    """One project file: the one-pager's front matter plus `demo:`, then the narrative."""
    head, body = split_front_matter(_read(path), path)
    data = _safe_yaml(head, path)
    if "demo" not in data:
        raise ValidationFailed(path, [Problem("demo", "missing", fix="add a `demo:` section")])
    demo = _validate(DemoSection, data.pop("demo"), path, prefix="demo.")
    try:
        onepager = OnePager.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(path, problems_from(exc)) from None
    if extra := _extra_fields(onepager):
        fix = "remove it, or check its spelling"
        raise ValidationFailed(path, [Problem(f, "not a one-pager field", fix=fix) for f in extra])
    return Project(path.stem, onepager, body, demo)


def load_projects(index: DemoIndex, folder: Path = DATA / "projects") -> list[Project]:
    """Every project of the index, each checked against the others and the recipes."""
    projects: list[Project] = []
    streams: dict[int, str] = {}
    for slug in index.projects:
        path = folder / f"{slug}.md"
        project = load_project(path)
        problems = []
        if (name := project.onepager.dataset.name) not in RECIPES:
            problems.append(
                Problem("dataset.name", f"no sample recipe is named {name!r}",
                        fix=f"use one of {', '.join(RECIPES)} or add it to demo/recipes.py")
            )  # fmt: skip
        if (slug in index.trained) != (project.demo.training is not None):
            problems.append(
                Problem("demo.training", "set for exactly the projects under `trained`",
                        fix="add or remove it, or the project under `trained` in demo.yaml")
            )  # fmt: skip
        if (other := streams.setdefault(project.demo.sample.stream, slug)) != slug:
            problems.append(
                Problem("demo.sample.stream", f"{other} draws from this stream already",
                        fix="use a stream number no other project uses")
            )  # fmt: skip
        if problems:
            raise ValidationFailed(path, problems)
        projects.append(project)
    return projects
