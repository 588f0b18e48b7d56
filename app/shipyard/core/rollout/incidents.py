"""Incidents injected into a rehearsal: a latency spike, an error burst, data drift, each
from a moment given as a share of the whole rehearsal (`spike@0.4:200ms`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from shipyard.core.errors import ShipyardError

NO_SPANS: dict[str, list[Any]] = {"spike": [], "errors": [], "drift": []}


@dataclass(frozen=True)
class Incident:
    """Something going wrong from `start` (share of the whole rehearsal, 0..1)."""

    kind: Literal["spike", "errors", "drift"]
    start: float
    magnitude: float  # ms (spike) or a share 0..1 (errors, drift)
    duration: float | None = None  # share of the rehearsal; None = to the end

    def label(self) -> str:
        size = f"+{self.magnitude:g} ms" if self.kind == "spike" else f"{self.magnitude:.0%}"
        span = f" for {self.duration:.0%}" if self.duration else ""
        names = {"spike": "latency spike", "errors": "error burst", "drift": "data drift"}
        return f"{names[self.kind]} {size} from {self.start:.0%}{span}"


MAX_SPIKE_MS = 60_000  # a minute: more is an outage, not a latency spike

INCIDENT_RE = re.compile(
    r"^(?P<kind>spike|errors|drift)@(?P<start>[0-9.]+)(?::(?P<mag>[0-9.]+)(?P<unit>ms|%)?)?"
    r"(?:/(?P<dur>[0-9.]+))?$"
)


def parse_incident(text: str) -> Incident:
    """`spike@0.4:200ms`, `errors@0.6:5%`, `drift@0.5:30%/0.2` (start and duration as shares)."""
    m = INCIDENT_RE.match(text.strip())
    fix = "write kind@start:size[/duration], e.g. spike@0.4:200ms, errors@0.6:5%, drift@0.5:30%"
    if not m:
        raise ShipyardError(f"cannot read the incident '{text}'", fix=fix)
    kind = m["kind"]
    start = float(m["start"])
    default = 200.0 if kind == "spike" else 0.1
    mag = float(m["mag"]) if m["mag"] else default
    if kind != "spike" and (m["unit"] == "%" or mag > 1):
        mag /= 100
    dur = float(m["dur"]) if m["dur"] else None
    if not 0 <= start < 1 or (dur is not None and not 0 < dur <= 1):
        raise ShipyardError(f"the incident '{text}' starts or lasts outside 0..1", fix=fix)
    if kind == "spike" and not 0 < mag <= MAX_SPIKE_MS:
        raise ShipyardError(
            f"the incident '{text}' needs a spike from 0 to {MAX_SPIKE_MS:,} ms", fix=fix
        )
    if kind != "spike" and not 0 < mag <= 1:
        raise ShipyardError(f"the incident '{text}' needs a share between 0 and 100%", fix=fix)
    return Incident(kind, start, mag, dur)  # type: ignore[arg-type]  # kind was checked against the Literal's values above


def _overlap(a: int, b: int, lo: int, hi: int) -> tuple[int, int] | None:
    s, e = max(a, lo), min(b, hi)
    return (s - a, e - a) if s < e else None


def spans_in(
    incidents: Any, a: int, b: int, total: int, route_scale: float
) -> dict[str, list[Any]]:
    """Where each incident touches requests [a, b): (start, end) within the slice, its size
    and, for drift, the routing share that rescales the routing draw to 0..1."""
    spans: dict[str, list[Any]] = {"spike": [], "errors": [], "drift": []}
    for inc in incidents:
        lo = int(inc.start * total)
        hi = total if inc.duration is None else int((inc.start + inc.duration) * total)
        part = _overlap(a, b, lo, hi)
        if part is None:
            continue
        if inc.kind == "drift":
            spans["drift"].append((*part, inc.magnitude, route_scale))
        else:
            spans[inc.kind].append((*part, inc.magnitude))
    return spans
