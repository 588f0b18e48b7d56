"""flags.yaml: validation, staleness, the flagd export and phase-following percents."""

from __future__ import annotations

import json
from datetime import date

import pytest

from shipyard.core.errors import ValidationFailed
from shipyard.core.rollout.flags import (
    FLAGD_SCHEMA,
    Flag,
    FlagsFile,
    default_flags,
    flagd_document,
    flags_path,
    load_flags,
    save_flags,
    stale_flags,
    staleness,
)
from shipyard.core.rollout.policy import default_rollout_yaml, policy_path
from shipyard.core.workspace.workspace import Workspace

TODAY = date(2026, 11, 23)


def _slug(ws: Workspace) -> str:
    return ws.slugs()[0]


def test_no_flags_file_exports_empty_flagd(demo_ws: Workspace) -> None:
    doc = flagd_document(demo_ws, _slug(demo_ws))
    assert doc == {"$schema": FLAGD_SCHEMA, "flags": {}}


def test_flagd_document_follows_rollout_phase_and_kill_switch(demo_ws: Workspace) -> None:
    slug = _slug(demo_ws)
    save_flags(demo_ws, slug, default_flags(slug, TODAY), user="dana", reason="first flags")
    policy_path(demo_ws, slug).write_text(default_rollout_yaml(slug), "utf-8")
    doc = flagd_document(demo_ws, slug, today=TODAY)
    json.dumps(doc)  # plain JSON
    release = doc["flags"][f"{slug}-model"]
    assert release["state"] == "ENABLED"
    assert release["variants"] == {"on": True, "off": False}
    assert release["defaultVariant"] == "off"
    # canary is 5% in the default policy
    assert release["targeting"] == {"fractional": [["on", 5], ["off", 95]]}
    assert release["metadata"]["phase"] == "canary"
    kill = doc["flags"][f"{slug}-kill-switch"]
    assert kill["defaultVariant"] == "off" and "targeting" not in kill
    assert kill["metadata"]["engaged"] is False
    assert demo_ws.audit.entries()[-1]["action"] == "flags.save"


def test_full_and_disabled_flags(demo_ws: Workspace) -> None:
    slug = _slug(demo_ws)
    flags = FlagsFile(
        flags=[
            Flag(key="full", created=TODAY, traffic_percent=100),
            Flag(key="off", created=TODAY, traffic_percent=30, state="disabled"),
            Flag(key="kill", created=TODAY, kind="kill_switch", state="enabled"),
        ]
    )
    save_flags(demo_ws, slug, flags, user="dana")
    assert load_flags(demo_ws, slug) == flags
    doc = flagd_document(demo_ws, slug, today=TODAY)["flags"]
    assert doc["full"]["defaultVariant"] == "on" and "targeting" not in doc["full"]
    assert doc["off"]["state"] == "DISABLED"
    assert doc["kill"]["defaultVariant"] == "on" and doc["kill"]["metadata"]["engaged"]


def test_staleness_expired_and_unchanged() -> None:
    expired = Flag(key="a", created=date(2026, 1, 1), expires=date(2026, 11, 1))
    old = Flag(key="b", created=date(2026, 1, 1), updated=date(2026, 6, 1))
    fresh = Flag(key="c", created=date(2026, 11, 1), expires=date(2027, 1, 1))
    kill = Flag(key="k", created=date(2025, 1, 1), kind="kill_switch")
    assert (
        staleness(expired, TODAY).stale
        and "expired 22 days ago" in staleness(expired, TODAY).reason
    )
    assert staleness(old, TODAY).stale and "unchanged" in staleness(old, TODAY).reason
    assert not staleness(fresh, TODAY).stale
    assert not staleness(kill, TODAY).stale
    stale = stale_flags(FlagsFile(flags=[expired, old, fresh, kill]), TODAY)
    assert [s.key for s in stale] == ["a", "b"]


def test_bad_flags_file_names_field_and_line(demo_ws: Workspace) -> None:
    slug = _slug(demo_ws)
    flags_path(demo_ws, slug).write_text(
        "schema: 1\nflags:\n  - key: x\n    created: 2026-01-01\n    traffic_percent: 140\n",
        "utf-8",
    )
    with pytest.raises(ValidationFailed) as err:
        load_flags(demo_ws, slug)
    text = str(err.value)
    assert "flags.yaml:5" in text and "flags.0.traffic_percent" in text and "0 to 100" in text
