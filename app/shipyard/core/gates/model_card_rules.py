"""What makes a model card complete: shared by the card editor, the gate and the package.

A card is Hugging Face style: YAML front matter between `---` lines, then Markdown with one
`## ` heading per section. A section counts as filled when it holds text other than HTML comments
and template placeholders, and it must hold no placeholder at all: the generator writes
`TODO: ...` where the one-pager had nothing to say, and Hugging Face's own template writes
`[More Information Needed]`; a card that still holds either is not finished. Placeholder
words inside code (`` `TODO` `` as a column name) do not count.
"""

from __future__ import annotations

import re
from typing import Any

from shipyard.core.workspace.layout import CARD_FILE

REQUIRED_SECTIONS: tuple[str, ...] = (
    "Model details",
    "Intended use",
    "Out-of-scope use",
    "Training data",
    "Evaluation",
    "Limitations",
    "Ethical considerations",
    "How to use",
)
REQUIRED_METADATA: tuple[str, ...] = ("license", "tags", "datasets", "model-index")
PLACEHOLDER = "TODO"
# Template text a person has to replace: the generator's TODO (upper case only: "a todo
# list" is prose) and Hugging Face's template ("[More Information Needed]", "{{ field }}").
_PLACEHOLDERS = re.compile(
    r"\b(?:TODO|TBD|FIXME)\b|(?i:\[More Information Needed\])|\{\{[^}]*\}\}|(?i:lorem ipsum)"
)
_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.DOTALL | re.MULTILINE)
_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def split_card(text: str) -> tuple[dict[str, Any] | None, str, str]:
    """(metadata or None, body, problem) — problem is '' when the front matter parsed."""
    import yaml

    match = _FRONT.match(text)
    if not match:
        return None, text, "the card has no YAML metadata block between '---' lines at the top"
    from shipyard.core.errors import ValidationFailed
    from shipyard.core.workspace.yaml_file import check_yaml_text

    try:
        check_yaml_text(match.group(1), CARD_FILE)
        meta = yaml.safe_load(match.group(1))
    except ValidationFailed as exc:
        return None, text[match.end() :], f"the metadata block is refused: {exc.message}"
    except yaml.YAMLError as exc:
        return None, text[match.end() :], f"the metadata block is not valid YAML: {exc}"
    if not isinstance(meta, dict):
        return None, text[match.end() :], "the metadata block must be a mapping of keys"
    return meta, text[match.end() :], ""


def sections(body: str) -> dict[str, str]:
    """Section heading (as written) -> its text, for every `## ` heading."""
    found: dict[str, str] = {}
    heads = list(_HEADING.finditer(body))
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
        found[head.group(1).strip()] = body[head.end() : end].strip()
    return found


def _prose(text: str) -> str:
    """The section's words as a reader sees them: no comments, no code."""
    return _CODE.sub(" ", _FENCE.sub(" ", _COMMENT.sub("", text)))


def placeholders(text: str) -> list[str]:
    """Template placeholder text left in `text` (outside comments and code), as written."""
    return [m.group(0) for m in _PLACEHOLDERS.finditer(_prose(text))]


def _filled(text: str) -> bool:
    prose = _PLACEHOLDERS.sub("", _COMMENT.sub("", text)).strip()
    return bool(re.search(r"\w", prose))


def _line_of(text: str, needle: str) -> str:
    for line in _prose(text).splitlines():
        if needle in line:
            line = line.strip(" -*\t")
            return line if len(line) <= 70 else line[:67] + "..."
    return needle


def card_problems(text: str) -> list[str]:
    """Every reason the card is incomplete; an empty list means complete."""
    meta, body, problem = split_card(text)
    problems = [problem] if problem else []
    if meta is not None:
        problems += [
            f"metadata is missing '{key}'" for key in REQUIRED_METADATA if not meta.get(key)
        ]
    have = {name.lower(): content for name, content in sections(body).items()}
    for name in REQUIRED_SECTIONS:
        content = have.get(name.lower())
        if content is None:
            problems.append(f"section '{name}' is missing")
        elif not _filled(content):
            problems.append(f"section '{name}' is empty")
        elif left := placeholders(content):
            problems.append(
                f"section '{name}' still holds template placeholder text "
                f"('{_line_of(content, left[0])}'): replace it with your own words"
            )
    return problems
