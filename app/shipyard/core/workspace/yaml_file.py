"""Reading user-editable YAML files into pydantic models, with errors that name the file,
the line and the field; writing them back as plain, readable YAML."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from shipyard.core.errors import Problem, ValidationFailed
from shipyard.core.workspace.atomic import atomic_write_text

if TYPE_CHECKING:
    from ruamel.yaml import YAML

M = TypeVar("M", bound=BaseModel)


_NO_ALIAS: Any = None


def no_alias_representer() -> Any:
    """ruamel's round-trip representer that writes the same object twice (a date shared by
    two fields) in full instead of as an anchor and alias: files holding anchors are
    refused on reading (check_yaml_text). Empty values stay empty, as ruamel writes them."""
    global _NO_ALIAS
    if _NO_ALIAS is None:
        from ruamel.yaml.representer import RoundTripRepresenter

        class NoAliasRepresenter(RoundTripRepresenter):
            def ignore_aliases(self, data: Any) -> bool:
                return True

            def represent_none(self, data: Any) -> Any:
                return self.represent_scalar("tag:yaml.org,2002:null", "")

        NoAliasRepresenter.add_representer(type(None), NoAliasRepresenter.represent_none)
        _NO_ALIAS = NoAliasRepresenter
    return _NO_ALIAS


def round_trip_yaml(typ: str = "rt") -> YAML:
    """ruamel's YAML as every file here is written: 100 columns, 2-space mappings."""
    from ruamel.yaml import YAML

    yaml = YAML(typ=typ)
    if typ == "rt":
        yaml.Representer = no_alias_representer()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


MAX_YAML_BYTES = 1_000_000  # the largest one-pager or policy people write is a few KB
MAX_YAML_DEPTH = 32  # nesting levels; Shipyard's own files use at most 4


def check_yaml_text(text: str, file: Path | str) -> None:
    """Refuse YAML that could run a reader out of memory or time, before any parser
    builds it: over MAX_YAML_BYTES, nested deeper than MAX_YAML_DEPTH, or holding anchors
    and aliases (`&a` / `*a`), which a "billion laughs" file multiplies exponentially when
    the data is copied. One token scan (libyaml's), no value is built.

    Every reader of a file a user or a teammate's commit can change calls this first. A
    syntax error is left to the reader, which reports it with its line.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_YAML_BYTES:
        raise ValidationFailed(
            file,
            [Problem("", f"the file is {size:,} bytes; Shipyard reads YAML files of at most "
                     f"{MAX_YAML_BYTES:,} bytes", fix="shorten it (is it the right file?)")],
        )  # fmt: skip
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    opening = (
        yaml.BlockMappingStartToken,
        yaml.BlockSequenceStartToken,
        yaml.FlowMappingStartToken,
        yaml.FlowSequenceStartToken,
    )
    closing = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    depth = 0
    try:
        for token in yaml.scan(text, Loader=loader):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                kind = "an anchor" if isinstance(token, yaml.AnchorToken) else "an alias"
                raise ValidationFailed(
                    file,
                    [Problem("", f"{kind} ('{'&' if kind == 'an anchor' else '*'}"
                             f"{token.value}') is not allowed in Shipyard files",
                             fix="write the values out in full instead of '&name' / '*name'",
                             line=token.start_mark.line + 1)],
                )  # fmt: skip
            if isinstance(token, opening):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise ValidationFailed(
                        file,
                        [Problem("", f"nested more than {MAX_YAML_DEPTH} levels deep",
                                 fix="flatten it; Shipyard's files need a few levels only",
                                 line=token.start_mark.line + 1)],
                    )  # fmt: skip
            elif isinstance(token, closing):
                depth -= 1
    except yaml.YAMLError:
        return  # the reader reports syntax errors with their line and context


def parse_yaml_mapping(text: str, file: Path | str, *, expected: str, fix: str) -> Any:
    """The round-trip tree of `text` (comments and line numbers kept; empty -> {}).

    A syntax error, or a file that is not a mapping, raises ValidationFailed naming `file`
    and the line; `expected` and `fix` say what the file should hold.
    """
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    check_yaml_text(text, file)
    try:
        tree = round_trip_yaml().load(text)
    except ReaderError as exc:  # a control character: no mark, but a position
        raise ValidationFailed(
            file,
            [Problem("", f"not valid YAML: {exc.name or 'the text'} holds the control "
                     f"character {exc.character!r}", fix="remove it (a paste from a binary?)")],
        ) from None  # fmt: skip
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ValidationFailed(
            file,
            [
                Problem(
                    "",
                    f"not valid YAML: {exc.problem or exc.context}",
                    fix="correct the indentation or quoting on that line",
                    line=line,
                )
            ],
        ) from None
    except YAMLError as exc:
        raise ValidationFailed(
            file, [Problem("", f"not valid YAML: {exc}", fix="correct the file")]
        ) from None
    if tree is None:
        tree = {}
    if not isinstance(tree, Mapping):
        raise ValidationFailed(
            file, [Problem("", f"the file should hold {expected}", fix=fix, line=1)]
        )
    return tree


def read_user_text(path: Path) -> str:
    """A user-editable file's text; ValidationFailed when it is not UTF-8 text."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(
            path, [Problem("", "the file is not UTF-8 text", fix="save it as UTF-8")]
        ) from None


# YAML 1.1 (libyaml) and YAML 1.2 (ruamel) read some plain scalars differently: 1.1's
# booleans (yes/no/on/off/y/n), and numbers written other than as plain decimals (octal,
# 08, 1_000, 1e3, 1:30, 0o17, +.5). A file holding such a scalar takes the round-trip path.
_PLAIN_SCALAR = re.compile(
    r"(?:^[ \t]*-[ \t]+|:[ \t]+|[\[{,][ \t]*)([^\s#,\[\]{}'\"&*!|>][^#,\[\]{}\n]*?)"
    r"[ \t]*(?:#.*)?(?=[,\]}]|$)",
    re.MULTILINE,
)
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "="}
_PLAIN_NUMBER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9:.]+(?:Z|[-+][0-9:]+)?)?")


def _versions_differ(text: str) -> bool:
    for match in _PLAIN_SCALAR.finditer(text):
        value = match.group(1).strip()
        if value.lower() in _YAML11_WORDS:
            return True
        if value[:1] in "+-.0123456789" and not (
            _PLAIN_NUMBER.fullmatch(value) or _ISO_DATE.fullmatch(value)
        ):
            return True
    return False


def _fast_tree(text: str) -> Any:
    """The document as plain data through libyaml, or None when it needs the round-trip
    reader: a syntax error, or a scalar the two YAML versions read differently."""
    if _versions_differ(text):
        return None
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None


def load_yaml_model(path: Path, model: type[M], *, hints: Mapping[str, str] | None = None) -> M:
    """Parse `path` and validate it as `model`.

    Raises ValidationFailed whose problems carry the line, the dotted field and a fix
    (from `hints`, keyed by the field with list positions dropped, e.g. `columns.min`).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(
            path, [Problem("", "the file is not UTF-8 text", fix="save it as UTF-8")]
        ) from None
    # Valid files (nearly all) are read with libyaml, ~8x faster; a file that fails either
    # step is read again by the round-trip reader, whose node positions give line numbers.
    check_yaml_text(text, path)
    fast = _fast_tree(text) if text.strip() else {}
    if isinstance(fast, dict):
        try:
            return model.model_validate(plain_tree(fast))
        except ValidationError:
            pass
    tree = parse_yaml_mapping(
        text, path, expected="a mapping of fields", fix="see the example in the docs"
    )
    try:
        return model.model_validate(plain_tree(tree))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            dotted = ".".join(str(p) for p in loc)
            key = ".".join(str(p) for p in loc if not isinstance(p, int))
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "this field is not known"
            problems.append(
                Problem(
                    dotted,
                    message,
                    fix=(hints or {}).get(key, "") or _default_fix(err["type"]),
                    line=line_of(tree, loc),
                )
            )
        raise ValidationFailed(path, problems) from None


def _default_fix(kind: str) -> str:
    if kind == "extra_forbidden":
        return "remove it, or check its spelling"
    if kind == "missing":
        return "add this field"
    return ""


def plain_tree(node: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists."""
    if isinstance(node, Mapping):
        return {str(k): plain_tree(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain_tree(v) for v in node]
    return node


def line_of(tree: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the node at `loc` in a round-trip tree (the nearest known parent)."""
    line: int | None = None
    node = tree
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, Mapping) and part in node:
                if lc is not None:
                    line = lc.key(part)[0] + 1
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                if lc is not None:
                    line = lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    if line is None and getattr(tree, "lc", None) is not None:
        line = tree.lc.line + 1
    return line


def dump_yaml(data: Mapping[str, Any], *, header: str = "") -> str:
    """Plain YAML for `data`, preceded by `header` as comment lines."""
    buf = io.StringIO()
    round_trip_yaml("rt").dump(dict(data), buf)
    comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comment + buf.getvalue()


def write_yaml(path: Path, data: Mapping[str, Any], *, header: str = "") -> None:
    """Write `data` to `path` atomically; a file users edit first names its JSON Schema."""
    from shipyard.core.workspace.layout import SCHEMA_NAMES, schema_comment

    if path.name in SCHEMA_NAMES and not header.startswith("yaml-language-server:"):
        header = schema_comment(path.name) + ("\n" + header if header else "")
    atomic_write_text(path, dump_yaml(data, header=header))
