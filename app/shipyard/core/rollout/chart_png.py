"""A PNG of a rehearsal's timeline without any GUI library: numpy draws into an RGB array,
zlib and struct write the PNG. Used by `shipyard simulate --png`, which must not load Qt.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.core.workspace.atomic import atomic_write_bytes

if TYPE_CHECKING:
    import numpy as np

    from shipyard.core.rollout.results import SimulationResult, Timeline

# The classic 5x7 bitmap font, ASCII 32..126: five column bytes per glyph, bit 0 at the top
# (bit 7 holds descenders).
FONT_HEX = (
    "000000000000005f00000007000700147f147f14242a7f2a12231308646236495522500005030000001c2241"
    "000041221c0014083e081408083e080800503000000808080808006060000020100804023e5149453e00427f"
    "400042615149462141454b311814127f1027454545393c4a49493001710905033649494936064949291e0036"
    "36000000563600000814224100141414141400412214080201510906324979413e7e1111117e7f494949363e"
    "414141227f4141221c7f494949417f090909013e4149497a7f0808087f00417f41002040413f017f08142241"
    "7f404040407f020c027f7f0408107f3e4141413e7f090909063e4151215e7f09192946464949493101017f01"
    "013f4040403f1f2040201f3f4038403f631408146307087008076151494543007f4141000204081020004141"
    "7f0004020102044040404040000102040020545454787f484444383844444420384444487f3854545418087e"
    "0901020c5252523e7f0804047800447d40002040443d007f1028440000417f40007c041804787c0804047838"
    "444444387c14141408081414187c7c080404084854545420043f4440203c4040207c1c2040201c3c4030403c"
    "44281028440c5050503c4464544c44000836410000007f000000413608001008081008"
)
WHITE = (255, 255, 255)
INK = (40, 44, 52)
MUTED = (120, 126, 136)
GRID = (228, 231, 236)
BAND = (244, 246, 249)
CANDIDATE = (33, 113, 181)
CONTROL = (150, 150, 150)
ROLLBACK = (200, 40, 40)
SCALE = 2  # font pixels per glyph pixel


def _glyphs() -> np.ndarray:
    import numpy as np

    cols = np.frombuffer(bytes.fromhex(FONT_HEX), dtype=np.uint8).reshape(95, 5)
    bits = (cols[:, None, :] >> np.arange(8)[None, :, None]) & 1  # glyph, row, col
    return bits.astype(bool)


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        import numpy as np

        self.w, self.h = width, height
        self.px = np.full((height, width, 3), WHITE, dtype=np.uint8)
        self.font = _glyphs()

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: tuple[int, ...]) -> None:
        a, b = sorted((round(float(x0)), round(float(x1))))
        c, d = sorted((round(float(y0)), round(float(y1))))
        self.px[max(c, 0) : min(d, self.h), max(a, 0) : min(b, self.w)] = color

    def text(
        self, x: float, y: float, s: str, color: tuple[int, ...] = INK, scale: int = SCALE
    ) -> float:
        """Draw `s` with its top-left at (x, y); returns the x after the last glyph."""
        import numpy as np

        cx = int(x)
        for ch in s:
            code = ord(ch) - 32
            if not 0 <= code < 95:
                code = ord("?") - 32
            glyph = np.kron(self.font[code], np.ones((scale, scale), dtype=bool))
            gh, gw = glyph.shape
            y0, x0 = int(y), cx
            if x0 + gw > self.w or y0 + gh > self.h or x0 < 0 or y0 < 0:
                break
            region = self.px[y0 : y0 + gh, x0 : x0 + gw]
            region[glyph] = color
            cx += 6 * scale
        return cx

    def text_width(self, s: str, scale: int = SCALE) -> int:
        return len(s) * 6 * scale

    def polyline(self, xs: Any, ys: Any, color: tuple[int, ...], thick: int = 2) -> None:
        """Straight segments between finite points; a NaN breaks the line."""
        import numpy as np

        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        ok = np.isfinite(xs[:-1]) & np.isfinite(ys[:-1]) & np.isfinite(xs[1:]) & np.isfinite(ys[1:])
        px, py = [], []
        for i in np.flatnonzero(ok):
            n = int(max(abs(xs[i + 1] - xs[i]), abs(ys[i + 1] - ys[i]))) + 2
            t = np.linspace(0, 1, n)
            px.append(xs[i] + (xs[i + 1] - xs[i]) * t)
            py.append(ys[i] + (ys[i + 1] - ys[i]) * t)
        if not px:
            single = np.isfinite(xs) & np.isfinite(ys)
            px, py = [xs[single]], [ys[single]]
        x = np.rint(np.concatenate(px)).astype(int)
        y = np.rint(np.concatenate(py)).astype(int)
        for dx in range(thick):
            for dy in range(thick):
                xx, yy = x + dx, y + dy
                keep = (xx >= 0) & (xx < self.w) & (yy >= 0) & (yy < self.h)
                self.px[yy[keep], xx[keep]] = color

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + row.tobytes() for row in self.px)

        def chunk(kind: bytes, data: bytes) -> bytes:
            crc = zlib.crc32(kind + data) & 0xFFFFFFFF
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

        header = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b"")
        )


def _nice_max(value: float) -> float:
    import math

    if not value or not math.isfinite(value) or value <= 0:
        return 1.0
    exp = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _fmt(v: float) -> str:
    return f"{v:.0f}" if v >= 10 or v == int(v) else f"{v:.2g}"


Series = list[tuple[Any, tuple[int, ...]]]  # (values by timeline point, colour) per line
PANEL_H, PANEL_GAP = 150, 46
LEFT, RIGHT, TOP = 90, 30, 96  # margins around the panels, in pixels


def render_timeline_png(result: SimulationResult, title: str, width: int = 1200) -> bytes:
    """The timeline as PNG bytes: traffic share, p95 latency, error rate and KPI by minute."""
    panels = _panels(result)
    height = TOP + max(1, len(panels)) * (PANEL_H + PANEL_GAP) + 40
    cv = Canvas(width, height)
    _draw_header(cv, result, title)
    tl = result.timeline
    if not panels or tl is None:
        cv.text(LEFT, TOP + 20, "Nothing was rehearsed.", MUTED)
        return cv.png()
    end = float(tl.minutes[-1])
    last = result.phases[-1]
    total = max(end, last.start_minute + last.planned_requests / result.request_rate_per_min, 1e-9)
    axis = _Minutes(end, total, width - LEFT - RIGHT)
    for k, (label, series, ymax) in enumerate(panels):
        _draw_panel(cv, result, tl, axis, k, label, series, ymax)
    _draw_minute_labels(cv, axis, TOP + len(panels) * (PANEL_H + PANEL_GAP) + 4)
    return cv.png()


def _panels(result: SimulationResult) -> list[tuple[str, Series, float]]:
    """(label, lines, top of the y axis) of each panel; none when nothing was rehearsed."""
    tl = result.timeline
    if tl is None or not len(tl.minutes):
        return []
    lat: Series = [(tl.p95_candidate, CANDIDATE), (tl.p95_control, CONTROL)]
    err: Series = [(tl.error_candidate * 100, CANDIDATE), (tl.error_control * 100, CONTROL)]
    panels: list[tuple[str, Series, float]] = [
        ("Candidate traffic share (%)", [(tl.share * 100, CANDIDATE)], 100.0),
        ("p95 latency (ms)", lat, _y_top(lat)),
        ("Error rate (%)", err, _y_top(err)),
    ]
    if result.labelled:
        kpi: Series = [(tl.kpi_candidate * 100, CANDIDATE), (tl.kpi_control * 100, CONTROL)]
        panels.append(("KPI: correct answers (%)", kpi, 100.0))
    return panels


def _y_top(series: Series) -> float:
    """A round top for a y axis that holds every finite value of the lines."""
    import numpy as np

    return _nice_max(
        float(np.nanmax([np.nanmax(s) if np.isfinite(s).any() else 0 for s, _ in series]))
    )


def _draw_header(cv: Canvas, result: SimulationResult, title: str) -> None:
    """Title, headline (red on a rollback) and the legend of the two arms."""
    cv.text(LEFT, 14, title[:90], INK)
    cv.text(LEFT, 40, result.headline[:90], ROLLBACK if result.outcome == "rolled_back" else INK)
    x: float = LEFT
    cv.rect(x, 68, x + 20, 80, CANDIDATE)
    x = cv.text(x + 28, 66, f"candidate {result.candidate}"[:40], MUTED)
    cv.rect(x + 24, 68, x + 44, 80, CONTROL)
    cv.text(x + 52, 66, f"control {result.control}"[:40], MUTED)


class _Minutes:
    """The x axis: minutes 0..total over the plot's width (the last point at `end`)."""

    def __init__(self, end: float, total: float, plot_w: int) -> None:
        self.end, self.total, self.plot_w = end, total, plot_w

    def x(self, m: Any) -> Any:
        import numpy as np

        return LEFT + np.asarray(m, float) / self.total * self.plot_w


def _draw_panel(
    cv: Canvas,
    result: SimulationResult,
    tl: Timeline,
    axis: _Minutes,
    k: int,
    label: str,
    series: Series,
    ymax: float,
) -> None:
    """Panel k: phase bands (named on the first panel), y grid, the lines, the rollback."""
    import numpy as np

    sx, plot_w = axis.x, axis.plot_w
    y0 = TOP + k * (PANEL_H + PANEL_GAP) + 24
    y1 = y0 + PANEL_H
    cv.text(LEFT, y0 - 22, label, INK)
    label_end = [0.0, 0.0]  # right edge of the phase names on each of two rows
    for i, (start, name) in enumerate(tl.boundaries):
        stop = tl.boundaries[i + 1][0] if i + 1 < len(tl.boundaries) else axis.end
        if i % 2 == 0:
            cv.rect(sx(start), y0, sx(stop), y1, BAND)
        if k == 0:
            row = 0 if sx(start) + 4 >= label_end[0] else 1
            label_end[row] = cv.text(sx(start) + 4, y0 + 4 + row * 20, name, MUTED) + 8
        cv.rect(sx(start), y0, sx(start) + 1, y1, GRID)
    for frac in (0.0, 0.5, 1.0):
        yy = y1 - frac * PANEL_H
        cv.rect(LEFT, yy, LEFT + plot_w, yy + 1, GRID if frac else MUTED)
        lab = _fmt(ymax * frac)
        cv.text(LEFT - 8 - cv.text_width(lab), yy - 7, lab, MUTED)
    for values, color in series:
        ys = y1 - np.clip(np.asarray(values, float) / ymax, 0, 1.05) * PANEL_H
        xs = sx(tl.minutes)
        # each point closes a bucket: start the line at the bucket's opening minute
        cv.polyline(np.concatenate([[LEFT], xs]), np.concatenate([[ys[0]], ys]), color)
    if result.rollback_minute is not None:
        rx = sx(result.rollback_minute)
        cv.rect(rx - 1, y0, rx + 1, y1, ROLLBACK)
        if k == 0:
            cv.text(min(rx + 6, cv.w - 200), y0 + 24, "rollback", ROLLBACK)


def _draw_minute_labels(cv: Canvas, axis: _Minutes, base: int) -> None:
    """Minute labels at 0, 1/4, 1/2, 3/4 and the end, under the last panel."""
    total = axis.total
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        lab = f"{total * frac:.0f} min"
        cv.text(
            min(axis.x(total * frac) - cv.text_width(lab) / 2, cv.w - cv.text_width(lab) - 4),
            base - 20,
            lab,
            MUTED,
        )


def write_timeline_png(result: SimulationResult, path: Path, title: str) -> None:
    atomic_write_bytes(Path(path), render_timeline_png(result, title))
