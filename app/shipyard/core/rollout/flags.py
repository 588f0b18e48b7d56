"""A project's feature flags, `projects/<slug>/flags.yaml`, and their OpenFeature export.

    schema: 1
    flags:
      - key: churn-model                # the flag the feature's code checks
        description: Serve the churn model instead of the rule
        owner: Dana
        created: 2026-10-01
        updated: 2026-11-02             # last change of state or traffic
        expires: 2027-01-31             # retire the flag by then ("toggle sprawl")
        state: enabled                  # enabled | disabled
        kind: release                   # release | kill_switch
        traffic_percent: 5              # share of requests that get the new behaviour
        phase: canary                   # optional: take the percent from rollout.yaml

A flag is stale when it is past its expiry date or unchanged for STALE_AFTER_DAYS.
`flagd_document` renders the flags as OpenFeature flagd JSON, the kill switch included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shipyard.core.rollout.flags_health import STALE_AFTER_DAYS
from shipyard.core.workspace.layout import FLAGS_FILE
from shipyard.core.workspace.workspace import Workspace

FLAGD_SCHEMA = "https://flagd.dev/schema/v0/flags.json"

HINTS = {
    "schema": "use schema: 1",
    "flags.key": "letters, digits, '-', '_' or '.', e.g. churn-model",
    "flags.state": "enabled or disabled",
    "flags.kind": "release or kill_switch",
    "flags.traffic_percent": "a number from 0 to 100",
    "flags.created": "a date like 2026-11-01",
    "flags.updated": "a date like 2026-11-01",
    "flags.expires": "a date like 2027-01-31",
    "flags.phase": "the name of a phase in rollout.yaml",
}


class Flag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    description: str = ""
    owner: str = ""
    created: date
    updated: date | None = None
    expires: date | None = None
    state: Literal["enabled", "disabled"] = "enabled"
    kind: Literal["release", "kill_switch"] = "release"
    traffic_percent: float = Field(default=0.0, ge=0, le=100)
    phase: str | None = None

    @property
    def last_change(self) -> date:
        return self.updated or self.created


class FlagsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_: int = Field(default=1, alias="schema", ge=1, le=1)
    flags: list[Flag] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_keys(self) -> FlagsFile:
        seen: set[str] = set()
        for flag in self.flags:
            if flag.key in seen:
                raise ValueError(f"the key '{flag.key}' is used twice; each flag needs its own")
            seen.add(flag.key)
        return self


@dataclass(frozen=True)
class Staleness:
    key: str
    stale: bool
    reason: str


def flags_path(ws: Workspace, slug: str) -> Path:
    return ws.projects_dir / slug / FLAGS_FILE


def load_flags_file(path: Path) -> FlagsFile:
    """The flags in `path` (an empty set when the file does not exist)."""
    if not path.exists():
        return FlagsFile()
    from shipyard.core.workspace.yaml_file import load_yaml_model

    return load_yaml_model(path, FlagsFile, hints=HINTS)


def load_flags(ws: Workspace, slug: str) -> FlagsFile:
    return load_flags_file(flags_path(ws, slug))


def save_flags(ws: Workspace, slug: str, flags: FlagsFile, *, user: str, reason: str = "") -> None:
    """Write flags.yaml atomically and record the change in the audit log."""
    from shipyard.core.workspace.yaml_file import write_yaml

    ws.audit.ensure_appendable()
    data = flags.model_dump(mode="json", by_alias=True, exclude_none=True)
    write_yaml(
        flags_path(ws, slug),
        data,
        header="Feature flags of this project; see the Rollout tab. Exported as OpenFeature "
        "flagd JSON.",
    )
    ws.audit.append(
        "flags.save",
        slug,
        user=user,
        reason=reason or "flags edited",
        details={"keys": [f.key for f in flags.flags]},
    )


def staleness(flag: Flag, today: date | None = None) -> Staleness:
    """Stale = past its expiry, or a release flag unchanged for STALE_AFTER_DAYS."""
    today = today or date.today()
    if flag.expires is not None and flag.expires < today:
        days = (today - flag.expires).days
        return Staleness(flag.key, True, f"expired {days} days ago ({flag.expires})")
    age = (today - flag.last_change).days
    # A kill switch is meant to stay; only release flags go stale from age.
    if age > STALE_AFTER_DAYS and flag.kind == "release":
        return Staleness(flag.key, True, f"unchanged for {age} days")
    if flag.expires is None:
        if flag.kind == "kill_switch":
            return Staleness(flag.key, False, "kept for emergencies; never expires")
        return Staleness(flag.key, False, "no expiry date set")
    return Staleness(flag.key, False, f"expires in {(flag.expires - today).days} days")


def stale_flags(flags: FlagsFile, today: date | None = None) -> list[Staleness]:
    return [s for f in flags.flags if (s := staleness(f, today)).stale]


def effective_percent(flag: Flag, phase_percents: dict[str, float]) -> float:
    """The flag's traffic percent, taken from its rollout phase when it names one."""
    if flag.phase and flag.phase in phase_percents:
        return float(phase_percents[flag.phase])
    return float(flag.traffic_percent)


def _phase_percents(ws: Workspace, slug: str) -> dict[str, float]:
    from shipyard.core.rollout.policy import load_policy_or_none

    policy = load_policy_or_none(ws, slug)
    return {} if policy is None else {p.name: p.percent for p in policy.phases}


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 4)


def flagd_flag(flag: Flag, percent: float, today: date | None = None) -> dict[str, Any]:
    """One flag in flagd form: boolean variants, a fractional split for partial traffic."""
    metadata: dict[str, Any] = {
        "description": flag.description,
        "owner": flag.owner,
        "created": flag.created.isoformat(),
        "kind": flag.kind,
    }
    if flag.expires is not None:
        metadata["expires"] = flag.expires.isoformat()
    if flag.phase:
        metadata["phase"] = flag.phase
    metadata["stale"] = staleness(flag, today).stale
    doc: dict[str, Any] = {
        "state": "ENABLED" if flag.state == "enabled" else "DISABLED",
        "variants": {"on": True, "off": False},
    }
    if flag.kind == "kill_switch":
        # An engaged kill switch is on for everyone; it never splits traffic.
        doc["defaultVariant"] = "on" if flag.state == "enabled" else "off"
        doc["state"] = "ENABLED"
        metadata["engaged"] = flag.state == "enabled"
    elif percent >= 100:
        doc["defaultVariant"] = "on"
    elif percent <= 0:
        doc["defaultVariant"] = "off"
    else:
        doc["defaultVariant"] = "off"
        doc["targeting"] = {"fractional": [["on", _num(percent)], ["off", _num(100 - percent)]]}
    metadata["trafficPercent"] = _num(percent if flag.kind == "release" else 0)
    doc["metadata"] = metadata
    return doc


def flagd_document(ws: Workspace, slug: str, today: date | None = None) -> dict[str, Any]:
    """The project's flags as an OpenFeature flagd document ({"flags": {}} when none)."""
    flags = load_flags(ws, slug)
    percents = _phase_percents(ws, slug) if any(f.phase for f in flags.flags) else {}
    return {
        "$schema": FLAGD_SCHEMA,
        "flags": {f.key: flagd_flag(f, effective_percent(f, percents), today) for f in flags.flags},
    }


def default_flags(slug: str, today: date | None = None, owner: str = "") -> FlagsFile:
    """A release flag following the rollout phase, plus the kill switch."""
    today = today or date.today()
    return FlagsFile(
        flags=[
            Flag(
                key=f"{slug}-model",
                description="Serve the model instead of the safe default",
                owner=owner,
                created=today,
                expires=today + timedelta(days=STALE_AFTER_DAYS),
                phase="canary",
                traffic_percent=5,
            ),
            Flag(
                key=f"{slug}-kill-switch",
                description="Bypass the model and serve the safe default to everyone",
                owner=owner,
                created=today,
                kind="kill_switch",
                state="disabled",
            ),
        ]
    )


def kill_switch_engaged(ws: Workspace, slug: str, key: str = "") -> bool:
    """Is the project's kill-switch flag (the one named `key`, else any) enabled?"""
    for flag in load_flags(ws, slug).flags:
        if flag.kind == "kill_switch" and flag.state == "enabled" and key in ("", flag.key):
            return True
    return False
