"""A gate check's evidence as readable text: one line per fact, nested facts indented,
numbers highlighted and rounded; the raw JSON only when asked for ("Show JSON").

A quality check starts with what a decision needs: the score with its 95% interval against
the target, which rows it was judged on, and the test split's wear (how many distinct models
were scored on it, with the warning once it is worn).

The text wraps to the pane's width, so the pane never needs a horizontal scroll bar.
"""

from __future__ import annotations

import json
import math
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtGui import QColor

    from shipyard.core.gates import CheckResult

JSON_LINK = "evidence:json"
TEXT_LINK = "evidence:text"
MAX_ITEMS = 12  # items of a list or mapping shown before "… and N more"
HIDDEN = {"samples_ms"}  # drawn as the latency histogram instead


def human_key(key: str) -> str:
    """`max_proba_diff` -> "Max proba diff"."""
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def format_number(value: float | int) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.4g}"
    if magnitude >= 1e-3:
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{value:.2e}"


def _number(value: float | int, colour: str) -> str:
    return f'<b style="color:{colour}">{escape(format_number(value))}</b>'


def _scalar(value: Any, colour: str) -> str:
    if value is None:
        return '<span style="opacity:0.7">—</span>'
    if isinstance(value, bool):
        return f"<b>{'yes' if value else 'no'}</b>"
    if isinstance(value, int | float):
        return _number(value, colour)
    text = str(value)
    if not text:
        return '<span style="opacity:0.7">(empty)</span>'
    return escape(text)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _line(depth: int, html: str) -> str:
    return f'<p style="margin-top:0; margin-bottom:1px; margin-left:{depth * 16}px">{html}</p>'


def _render(value: Any, colour: str, depth: int) -> str:
    """HTML lines for `value`: mappings as indented "Key: value" lines, short lists of
    plain values inline, longer structures one item a line."""
    if isinstance(value, dict):
        items = list(value.items())
        lines = []
        for key, item in items[:MAX_ITEMS]:
            label = escape(human_key(key))
            flat = isinstance(item, list) and all(_is_scalar(i) for i in item)
            if _is_scalar(item) or not item or flat:
                lines.append(_line(depth, f"{label}: {_inline(item, colour)}"))
            else:
                lines.append(_line(depth, f"{label}:"))
                lines.append(_render(item, colour, depth + 1))
        if len(items) > MAX_ITEMS:
            lines.append(_line(depth, f"… and {len(items) - MAX_ITEMS} more"))
        return "".join(lines)
    if isinstance(value, list):
        lines = []
        for item in value[:MAX_ITEMS]:
            if _is_scalar(item):
                lines.append(_line(depth, "· " + _scalar(item, colour)))
            else:
                lines.append(_line(depth, "·"))
                lines.append(_render(item, colour, depth + 1))
        if len(value) > MAX_ITEMS:
            lines.append(_line(depth, f"… and {len(value) - MAX_ITEMS} more"))
        return "".join(lines)
    return _line(depth, _scalar(value, colour))


def _inline(value: Any, colour: str) -> str:
    if isinstance(value, dict | list) and not value:
        return '<span style="opacity:0.7">none</span>'
    if isinstance(value, list):
        shown = ", ".join(_scalar(i, colour) for i in value[:MAX_ITEMS])
        more = f" … and {len(value) - MAX_ITEMS} more" if len(value) > MAX_ITEMS else ""
        return shown + more
    return _scalar(value, colour)


def evidence_html(check: CheckResult, colour: str = "#2f6fdb", *, raw: bool = False) -> str:
    """The evidence of `check` as readable HTML (or, with `raw`, as wrapped JSON), with a
    link that switches between the two."""
    shown = {k: v for k, v in check.evidence.items() if k not in HIDDEN}
    if not shown:
        return "<p><i>No further evidence recorded.</i></p>"
    if raw:
        text = json.dumps(shown, indent=1, ensure_ascii=False, default=str)
        return (
            f'<p><a href="{TEXT_LINK}">Show as text</a></p>'
            f'<pre style="white-space: pre-wrap">{escape(text)}</pre>'
        )
    return (
        f'<p><b>Evidence</b> &nbsp;<a href="{JSON_LINK}">Show JSON</a></p>'
        f"{_summary(shown, colour)}{_render(shown, colour, 0)}"
    )


def _summary(evidence: dict[str, Any], colour: str) -> str:
    """The interval, the judged rows and the test split's wear, first and in words."""
    lines = []
    summary = evidence.get("interval_summary")
    if summary:
        lines.append(f"<b>Result:</b> {escape(str(summary))}")
    computed = evidence.get("computed_from")
    if computed and ("test split" in str(computed) or "holdout" in str(computed)):
        lines.append(f"<b>Judged on:</b> {escape(str(computed))}")
    wear = evidence.get("test_split")
    if isinstance(wear, dict) and "distinct_models" in wear:
        models = wear.get("distinct_models")
        lines.append(
            f"<b>Test split wear:</b> {_number(models, colour)} distinct "
            f"model{'s' if models != 1 else ''} scored on {escape(str(wear.get('split_id', '')))} "
            f"(warns past {escape(str(wear.get('limit', '')))})"
        )
    warning = evidence.get("test_split_warning")
    if warning:
        lines.append(f'<b style="color:#c0392b">Worn test split:</b> {escape(str(warning))}')
    if not lines:
        return ""
    return "".join(_line(0, line) for line in lines) + _line(0, "&nbsp;")


# -- the latency histogram's percentile markers -----------------------------------------
PERCENTILES = (
    ("p50_ms", "p50", "#1f8a4c"),
    ("p95_ms", "p95", "#c27c0e"),
    ("p99_ms", "p99", "#d64545"),
)
# Heights of the labels along their lines (fractions of the plot's height, from the
# bottom): each percentile gets its own, so labels of close values stack instead of
# printing over each other ("p56" for p50 and p95).
LABEL_HEIGHTS = (0.92, 0.7, 0.48)


def percentile_lines(evidence: dict[str, Any], background: QColor) -> list[Any]:
    """Dashed vertical lines at the recorded p50/p95/p99 latencies, each labelled with
    its name and value at its own height, on a `background` chip."""
    import pyqtgraph as pg
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor

    chip = QColor(background)
    chip.setAlpha(220)
    lines = []
    for (key, name, colour), height in zip(PERCENTILES, LABEL_HEIGHTS, strict=True):
        value = evidence.get(key)
        if value is None:
            continue
        lines.append(
            pg.InfiniteLine(
                pos=value,
                angle=90,
                pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine),
                label=f"{name} {format_number(value)} ms",
                # pyqtgraph puts the label right of the line in the left half of the view
                # and left of it in the right half, so it is never cut at the edge.
                labelOpts={"position": height, "color": colour, "fill": chip},
            )
        )
        # Each line above the next one's: a label (drawn with its line) then stays on top
        # of the higher percentiles' lines that may cross it.
        lines[-1].setZValue(10 - len(lines))
    return lines


__all__ = [
    "JSON_LINK",
    "TEXT_LINK",
    "evidence_html",
    "format_number",
    "human_key",
    "percentile_lines",
]
