"""A gate report as JUnit XML (for CI systems) and as one self-contained HTML page."""

from __future__ import annotations

import html
import json
from typing import Any
from xml.etree import ElementTree as ET

from shipyard.core.gates.report import CheckResult, GateReport

COLOURS = {"pass": "#1f8a4c", "warn": "#b7791f", "fail": "#c53030"}
SYMBOLS = {"pass": "✔", "warn": "▲", "fail": "✖"}


def format_value(value: Any, unit: str = "") -> str:
    """A measured value as a person reads it (shares as percentages)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if unit == "share":
            return f"{value:.2%}"
        if value == 0 or 0.001 <= abs(value) < 100_000:
            return f"{value:.4g}"
        return f"{value:.3g}"
    return str(value)


def junit_xml(report: GateReport) -> str:
    """One testcase per check; a failure element for each failed check, warnings as
    system-out; value, threshold, unit and verdict as properties."""
    counts = report.counts()
    suite = ET.Element(
        "testsuite",
        name=f"shipyard gates {report.project}",
        tests=str(len(report.checks)),
        failures=str(counts["fail"]),
        errors="0",
        skipped="0",
        timestamp=report.created.removesuffix("Z"),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", report.run_id),
        ("model_sha256", report.model_sha256),
        ("policy_sha256", report.policy_sha256),
        ("verdict", report.verdict),
        ("passed", str(report.passed).lower()),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    for check in report.checks:
        case = ET.SubElement(
            suite, "testcase", name=check.id, classname=f"shipyard.gates.{report.project}"
        )
        cprops = ET.SubElement(case, "properties")
        for name, value in (
            ("value", format_value(check.value, check.unit)),
            ("threshold", format_value(check.threshold, check.unit)),
            ("unit", check.unit),
            ("verdict", check.verdict),
            ("required", str(check.required).lower()),
        ):
            ET.SubElement(cprops, "property", name=name, value=value)
        if check.verdict == "fail":
            failure = ET.SubElement(case, "failure", message=check.message, type=check.kind)
            failure.text = json.dumps(check.evidence, indent=1, default=str)[:4000]
        elif check.verdict == "warn":
            ET.SubElement(case, "system-out").text = f"warning: {check.message}"
        else:
            ET.SubElement(case, "system-out").text = check.message
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, "unicode") + "\n"


def _histogram_svg(samples: list[float], width: int = 560, height: int = 150) -> str:
    if len(samples) < 2:
        return ""
    lo, hi = min(samples), sorted(samples)[int(0.99 * (len(samples) - 1))]
    hi = hi if hi > lo else lo + 1e-3
    bins = 30
    counts = [0] * bins
    for s in samples:
        counts[min(bins - 1, max(0, int((s - lo) / (hi - lo) * bins)))] += 1
    top = max(counts) or 1
    bar = (width - 40) / bins
    rects = "".join(
        f'<rect x="{30 + i * bar:.1f}" y="{height - 20 - c / top * (height - 30):.1f}" '
        f'width="{bar - 1:.1f}" height="{c / top * (height - 30):.1f}" fill="#2f6fde"/>'
        for i, c in enumerate(counts)
    )
    return (
        f'<svg width="{width}" height="{height}" role="img" aria-label="latency histogram">'
        f"{rects}"
        f'<text x="30" y="{height - 4}" font-size="11">{lo:.3f} ms</text>'
        f'<text x="{width - 10}" y="{height - 4}" font-size="11" text-anchor="end">'
        f"{hi:.3f} ms (p99)</text></svg>"
    )


def _row(check: CheckResult) -> str:
    e = html.escape
    colour = COLOURS[check.verdict]
    evidence = html.escape(
        json.dumps(
            {k: v for k, v in check.evidence.items() if k != "samples_ms"},
            indent=1,
            ensure_ascii=False,
            default=str,
        )
    )
    return (
        f'<tr><td style="color:{colour};font-weight:600;white-space:nowrap">'
        f"{SYMBOLS[check.verdict]} {check.verdict}</td>"
        f"<td><b>{e(check.title)}</b><br><code>{e(check.id)}</code></td>"
        f"<td class=num>{e(format_value(check.value, check.unit))}</td>"
        f"<td class=num>{e(format_value(check.threshold, check.unit))}</td>"
        f"<td>{e(check.unit)}</td><td>{'required' if check.required else 'advisory'}</td>"
        f"<td>{e(check.message)}<details><summary>evidence</summary><pre>{evidence}</pre>"
        "</details></td></tr>"
    )


def html_report(report: GateReport, title: str = "") -> str:
    """A self-contained page (inline CSS and SVG, no scripts, nothing fetched)."""
    e = html.escape
    colour = COLOURS[report.verdict]
    m = report.measurements
    facts = []
    if "latency_ms" in m:
        lat = m["latency_ms"]
        facts.append(
            f"latency p50 {lat['p50']:.3f} ms · p95 {lat['p95']:.3f} ms · p99 {lat['p99']:.3f} ms"
        )
    if "throughput_rps" in m:
        facts.append(f"throughput {m['throughput_rps']:,.0f} rows/s")
    if "error_rate" in m:
        facts.append(f"error rate {m['error_rate']:.2%}")
    if "cost_per_1k" in m:
        facts.append(f"cost {m['cost_per_1k']:.6f} per 1,000 requests")
    samples: list[float] = []
    for c in report.checks:
        if c.kind == "latency":
            samples = list(c.evidence.get("samples_ms", []))
    hist = _histogram_svg(samples)
    n = report.counts()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Gate report · {e(report.project)} · {e(report.run_id)}</title>
<style>
body {{ font: 14px/1.45 -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330;
       margin: 32px auto; max-width: 1100px; padding: 0 16px; }}
.banner {{ border-left: 6px solid {colour}; background: #f5f6f8; padding: 12px 16px;
          border-radius: 6px; }}
.banner h1 {{ margin: 0; font-size: 22px; color: {colour}; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 18px; }}
th, td {{ text-align: left; vertical-align: top; padding: 7px 8px;
         border-bottom: 1px solid #e2e5eb; }}
th {{ background: #eceef2; font-weight: 600; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
code, pre {{ font: 12px ui-monospace, Menlo, Consolas, monospace; color: #4a5366; }}
pre {{ white-space: pre-wrap; max-height: 280px; overflow: auto; background: #f5f6f8;
      padding: 6px; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; }}
dt {{ color: #6b7385; }} dd {{ margin: 0; font-family: ui-monospace, monospace; }}
</style></head><body>
<div class="banner"><h1>{SYMBOLS[report.verdict]} {report.verdict.upper()} —
{e(title or report.project)}</h1>
<div>{n["pass"]} passed · {n["warn"]} warnings · {n["fail"]} failed ·
{"all required checks pass" if report.passed else "a required check failed"}</div></div>
<dl>
<dt>Project</dt><dd>{e(report.project)}</dd>
<dt>Run</dt><dd>{e(report.run_id)}</dd>
<dt>Model sha256</dt><dd>{e(report.model_sha256)}</dd>
<dt>Policy sha256</dt><dd>{e(report.policy_sha256)}</dd>
<dt>Gated</dt><dd>{e(report.created)} by {e(report.user)}</dd>
</dl>
<p>{" · ".join(e(f) for f in facts)}</p>
{hist}
<table><tr><th>Verdict</th><th>Check</th><th>Value</th><th>Threshold</th><th>Unit</th>
<th>Kind</th><th>Detail</th></tr>
{"".join(_row(c) for c in report.checks)}
</table></body></html>
"""
