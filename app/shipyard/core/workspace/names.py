"""The names a user or a teammate's file can give to things that become paths.

A project slug, a dataset name, a run id and a key id each end up as a folder or file
name inside the workspace, so each is checked against one rule here before any path is
built from it: no separators, no `.` or `..`, no leading dot or dash, a bounded length.
`check_name` raises InvalidName naming the rule and a valid example, so no caller can pass
`/tmp/victim`, `.` or a 300-character name through to the file system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipyard.core.errors import ShipyardError


class InvalidName(ShipyardError):
    """A name breaks its rule; the message says which rule and gives an example."""


@dataclass(frozen=True)
class NameRule:
    what: str  # "project slug"
    pattern: re.Pattern[str]
    rule: str  # the rule in words
    example: str


PROJECT_SLUG = NameRule(
    "project slug",
    re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z"),
    "1–64 lower-case letters, digits, '-' or '_', starting with a letter or digit",
    "churn-risk",
)
DATASET_NAME = NameRule(
    "dataset name",
    re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z"),
    "1–64 lower-case letters, digits, '_' or '-', starting with a letter or digit",
    "churn_customers",
)
RUN_ID = NameRule(
    "run id",
    re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,95}\Z"),
    "letters, digits, '-' or '_' (as `shipyard runs list` shows them)",
    "20260101T120000-linear-1a2b3c",
)
KEY_ID = NameRule(
    "key id",
    re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z"),
    "letters, digits, '-' or '_' (as `shipyard keys list` shows them)",
    "3f9a1c2b7d4e5f60",
)
TITLE_MAX = 120


def check_name(rule: NameRule, value: object) -> str:
    """`value` when it satisfies `rule`, else InvalidName (never a path outside)."""
    if isinstance(value, str) and rule.pattern.match(value):
        return value
    shown = (
        repr(value) if not isinstance(value, str) or len(value) <= 60 else repr(value[:57] + "...")
    )
    raise InvalidName(
        f"{shown} is not a valid {rule.what}",
        fix=f"use {rule.rule}, e.g. '{rule.example}'",
    )


def check_title(title: object) -> str:
    """A project title: 1–120 characters, not blank; stripped."""
    text = title.strip() if isinstance(title, str) else ""
    if not text:
        raise InvalidName("a project needs a title", fix="give it a short title, e.g. 'Churn risk'")
    if len(text) > TITLE_MAX:
        raise InvalidName(
            f"the title has {len(text)} characters (at most {TITLE_MAX})",
            fix="shorten it; put the details in the one-pager's narrative",
        )
    return text
