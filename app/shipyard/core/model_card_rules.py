"""What makes a model card complete: shared by the card editor, the gate and the package.

A card is Hugging Face style: YAML front matter between `---` lines, then Markdown with one
`## ` heading per section. A section counts as filled when it holds text other than the
placeholder the generator writes (`TODO`) and HTML comments.
"""

from __future__ import annotations

import re
from typing import Any

CARD_FILE = "model_card.md"

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

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def split_card(text: str) -> tuple[dict[str, Any] | None, str, str]:
    """(metadata or None, body, problem) — problem is '' when the front matter parsed."""
    import yaml

    match = _FRONT.match(text)
    if not match:
        return None, text, "the card has no YAML metadata block between '---' lines at the top"
    try:
        meta = yaml.safe_load(match.group(1))
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


def _filled(text: str) -> bool:
    text = _COMMENT.sub("", text).replace(PLACEHOLDER, "").strip()
    return bool(re.search(r"\w", text))


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
    return problems
