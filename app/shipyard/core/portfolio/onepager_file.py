"""Reading and writing `onepager.md`: YAML front matter plus a Markdown narrative.

The front matter is loaded with ruamel's round-trip loader, and saving merges the edited
values back into that same tree, so comments, key order and unknown fields survive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.core.workspace.layout import ONEPAGER, schema_comment

if TYPE_CHECKING:  # ruamel loads only when a one-pager is saved
    from ruamel.yaml import YAML

import io
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shipyard.core.errors import Problem, ValidationFailed
from shipyard.core.portfolio.onepager_model import FIELD_HINTS, OnePager, unknown_field_warnings
from shipyard.core.workspace.atomic import atomic_write_text

FENCE = "---"


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    from shipyard.core.workspace.yaml_file import no_alias_representer

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.Representer = no_alias_representer()  # aliases are refused on reading
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.Constructor = _constructor_class()
    return yaml


@cache
def _constructor_class():  # type: ignore[no-untyped-def]  # ruamel's constructor API is untyped
    from ruamel.yaml.constructor import RoundTripConstructor

    class _Constructor(RoundTripConstructor):
        """A date-shaped value that is no real date (2026-02-30) stays text, so the model
        rejects it naming the field, line and fix, instead of the loader crashing."""

        def construct_yaml_timestamp(self, node, values=None):  # type: ignore[no-untyped-def]  # ruamel's constructor API is untyped
            try:
                return super().construct_yaml_timestamp(node, values)
            except ValueError:
                return self.construct_scalar(node)

    _Constructor.add_constructor(
        "tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp
    )
    return _Constructor


@dataclass
class OnePagerDoc:
    """A one-pager as it sits on disk: the validated model, the raw tree, the narrative."""

    path: Path
    onepager: OnePager
    body: str = ""
    raw: Any = field(default=None, repr=False)
    warnings: list[Problem] = field(default_factory=list)
    head: str = field(default="", repr=False)  # the front matter text, for a lazy `raw`

    def to_text(self) -> str:
        if self.raw is None and self.head.strip():
            # Reading takes the fast loader; the comment-keeping tree is built only to save.
            self.raw = _yaml().load(self.head)
        new = self.raw is None
        tree = _new_tree() if new else self.raw
        _merge(tree, _plain(self.onepager.front_matter()))
        buf = io.StringIO()
        _yaml().dump(tree, buf)
        # A new one-pager names its schema first, so editors check the front matter.
        schema = f"# {schema_comment(ONEPAGER)}\n" if new else ""
        return f"{FENCE}\n{schema}{buf.getvalue()}{FENCE}\n{self.body}"

    def save(self) -> None:
        atomic_write_text(self.path, self.to_text())


def _new_tree() -> Any:
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap()


def _plain(value: Any) -> Any:
    """Enums to their values so the YAML holds plain strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # "impact: 4", not "impact: 4.0"
    return value


def _merge(tree: Any, values: dict[str, Any]) -> None:
    """Write `values` into the round-trip tree in place, keeping comments and unknown keys."""
    for key, value in values.items():
        current = tree.get(key) if hasattr(tree, "get") else None
        if isinstance(value, dict) and hasattr(current, "items"):
            _merge(current, value)
        elif isinstance(value, list) and isinstance(current, list) and current == value:
            continue  # untouched lists keep their comments
        elif current != value or key not in tree:
            tree[key] = value


def split_front_matter(text: str, path: Path) -> tuple[str, str]:
    text = text.lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        raise ValidationFailed(
            path,
            [
                Problem(
                    "",
                    "the file does not start with a '---' front matter block",
                    fix=("put the fields between two '---' lines at the top of the file"),
                    line=1,
                )
            ],
        )
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == FENCE:
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    raise ValidationFailed(
        path,
        [
            Problem(
                "",
                "the front matter block is never closed",
                fix="add a line with '---' after the last field",
                line=len(lines),
            )
        ],
    )


def _line_of(tree: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest key of `loc` that exists in the round-trip tree."""
    line = None
    node = tree
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None and part in node:
                line = lc.key(part)[0] + 2  # +1 for 1-based, +1 for the opening fence
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


def problems_from(exc: ValidationError, tree: Any = None) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p != "__root__")
        dotted = ".".join(str(p) for p in loc if not isinstance(p, int))
        if dotted == "schema_version":
            dotted = "schema"
        hint = FIELD_HINTS.get(dotted, "")
        message = err["msg"]
        if err["type"] == "missing":
            message = "this field is required"
        given = err.get("input")
        if err["type"] != "missing" and not isinstance(given, dict | list):
            message += f" (got {given!r})"
        fix = f"use {hint}" if hint else "correct the value"
        problems.append(Problem(dotted, message, fix=fix, line=_line_of(tree, loc)))
    return problems


def _fast_load(head: str) -> Any:
    """The front matter as plain data through libyaml, or None if it needs a closer look.

    libyaml reads YAML 1.1 ("no" is False) where ruamel reads 1.2; any value where the two
    could differ in a way that matters fails the model's type check, and such a file takes
    the round-trip path. Reading is ~8x faster this way and ruamel loads only to save.
    """
    try:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(head, Loader=loader)  # a safe loader: plain data only
    except Exception:  # any doubt goes to the round-trip path, which explains errors well
        return None


def parse_onepager(text: str, path: Path) -> OnePagerDoc:
    """Parse a one-pager; raise ValidationFailed naming the file, line, field and fix.

    Valid files (nearly all) are read with the fast C loader; only a file that fails is
    re-read with the round-trip loader, whose node positions give line numbers.
    """
    from shipyard.core.workspace.yaml_file import check_yaml_text

    head, body = split_front_matter(text, path)
    check_yaml_text(head, path)
    data = _fast_load(head) if head.strip() else {}
    if isinstance(data, dict):
        data = _to_python(data)
        try:
            model = OnePager.model_validate(data)
        except ValidationError:
            model = None
        if model is not None and not unknown_field_warnings(data):
            return OnePagerDoc(path=path, onepager=model, body=body, head=head)
    from ruamel.yaml.error import YAMLError

    try:
        tree = _yaml().load(head) if head.strip() else _new_tree()
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValidationFailed(
            path,
            [
                Problem(
                    "",
                    f"the front matter is not valid YAML: {reason}",
                    fix="check indentation and quote values that contain ':'",
                    line=line,
                )
            ],
        ) from None
    if not hasattr(tree, "items"):
        raise ValidationFailed(
            path,
            [
                Problem(
                    "",
                    "the front matter must be a set of 'field: value' lines",
                    fix="write one 'field: value' per line",
                    line=2,
                )
            ],
        )
    data = _to_python(tree)
    try:
        model = OnePager.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(path, problems_from(exc, tree)) from None
    warnings = [
        Problem(
            key,
            "unknown field, kept as written",
            fix=f"did you mean '{suggestion}'?",
            line=_line_of(tree, tuple(key.split("."))),
        )
        for key, suggestion in unknown_field_warnings(data)
    ]
    return OnePagerDoc(path=path, onepager=model, body=body, raw=tree, warnings=warnings, head=head)


def _to_python(node: Any) -> Any:
    if hasattr(node, "items"):
        return {str(k): _to_python(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_to_python(v) for v in node]
    if isinstance(node, date):
        return node
    return node


def load_onepager(path: Path) -> OnePagerDoc:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(
            path, [Problem("", "the file is not UTF-8 text", fix="save it as UTF-8")]
        ) from None
    return parse_onepager(text, Path(path))


def new_onepager_doc(path: Path, onepager: OnePager, body: str) -> OnePagerDoc:
    return OnePagerDoc(path=path, onepager=onepager, body=body, raw=None)
