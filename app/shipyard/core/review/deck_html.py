"""The deck as one self-contained HTML file: the same slides, keys and countdown as the window.

Styles, script and charts (inline SVG) are in the file; it references nothing outside it,
so it opens from a USB stick on a borrowed laptop. Every workspace value is escaped.
Keys: →, PgDn, Space, ↓ next; ←, PgUp, Backspace, ↑ back; Home/End; B or . blank; Esc
leaves full screen (the browser's own). F toggles full screen.
"""

from __future__ import annotations

import json
from html import escape

from shipyard.core.review.deck import Chart, Deck, Fact, Slide

TONES = {"good": "#1a7f37", "fair": "#9a6700", "poor": "#cf222e", "": "#1f2328"}

CSS = """
*{box-sizing:border-box}html,body{margin:0;height:100%;background:#fff;color:#1f2328;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;overflow:hidden}
.slide{position:absolute;inset:0;padding:4vh 3.8vw 11vh;display:none;flex-direction:column}
.slide.current{display:flex}
.sec{font-size:2.8vh;color:#59636e;margin:0}
h1{font-size:5.8vh;margin:.4vh 0 1.2vh}
.rule{height:.3vh;background:#0969da;margin-bottom:2.6vh}
.lead{font-size:4.6vh;font-weight:700;margin:0 0 3vh;line-height:1.2}
.facts{display:grid;grid-template-columns:1fr 1fr;gap:2.2vh 1.3vw;margin-bottom:2.6vh}
.facts.three{grid-template-columns:1fr 1fr 1fr}
.fact{background:#f6f8fa;border:1px solid #d1d9e0;border-left:.8vh solid #d1d9e0;
border-radius:1vh;padding:1.2vh 1.4vw}
.fact .k{font-size:2.3vh;color:#59636e}.fact .v{font-size:3.3vh;font-weight:700}
ul{margin:0;padding-left:1.6em;font-size:3vh;line-height:1.3}li{margin:.5vh 0}
.note{margin-top:auto;font-size:2.4vh;color:#59636e}
.charts{display:flex;gap:3vw;flex:1;min-height:0}.chart{flex:1;min-width:0}
.chart h2{font-size:2.8vh;margin:0 0 1vh}.chart svg{width:100%;height:calc(100% - 5vh)}
.title{text-align:center;justify-content:flex-start;padding-top:12vh}
.title h1{font-size:8vh}.title .lead{color:#0969da;font-weight:400;font-size:4.2vh}
.agenda{columns:2;text-align:left;font-size:3vh;list-style:none;padding:0}
.agenda li{break-inside:avoid;margin:0 0 1.4vh}
footer{position:fixed;left:0;right:0;bottom:0;height:9vh;border-top:1px solid #d1d9e0;
display:flex;align-items:center;justify-content:space-between;padding:0 3.8vw;
font-size:2.8vh;color:#59636e;background:#fff}
#clock{font-size:4vh;font-weight:700;color:#1f2328}#clock.amber{color:#bf8700}
#clock.red{color:#cf222e}#clock.idle{color:#59636e;font-size:3vh}
.lead,.fact .v,li>span{display:-webkit-box;-webkit-box-orient:vertical;overflow:hidden}
.lead{-webkit-line-clamp:3}.fact .v{-webkit-line-clamp:4}li>span{-webkit-line-clamp:3}
.agenda li>span{-webkit-line-clamp:2}
#blank{position:fixed;inset:0;background:#000;display:none;z-index:9}
@media print{.slide{display:flex;position:relative;page-break-after:always;height:100vh}
footer{display:none}}
"""

SCRIPT = """
(function(){
var slides=[].slice.call(document.querySelectorAll('.slide'));
var counter=document.getElementById('counter'),clock=document.getElementById('clock');
var where=document.getElementById('where'),blank=document.getElementById('blank');
var spent={},since=null,index=0,total=DECK.minutes*60;
function section(){return slides[index].getAttribute('data-section')}
function stop(){var s=section();if(s&&since!==null){spent[s]=(spent[s]||0)+(Date.now()-since)/1000;since=null}}
function start(){if(section()&&since===null){since=Date.now()}}
function pad(n){return(n<10?'0':'')+n}
function fmt(t){var a=Math.abs(t),s=t>0?Math.ceil(a):Math.floor(a);return(t<0?'-':'')+Math.floor(s/60)+':'+pad(s%60)}
function tick(){var s=section();if(!s){clock.textContent=DECK.minutes+' min per team';clock.className='idle';return}
var left=total-(spent[s]||0)-(since===null?0:(Date.now()-since)/1000);
clock.textContent=left<=0?fmt(left)+' over':fmt(left);
clock.className=left<=0?'red':(left<=total*0.2?'amber':'');}
function show(i){i=Math.max(0,Math.min(slides.length-1,i));
stop();slides[index].classList.remove('current');index=i;slides[index].classList.add('current');start();
counter.textContent=(index+1)+' / '+slides.length;where.textContent=slides[index].getAttribute('data-where')||'';
tick();}
document.addEventListener('keydown',function(e){var k=e.key;
if(k==='ArrowRight'||k==='PageDown'||k===' '||k==='ArrowDown'){show(index+1)}
else if(k==='ArrowLeft'||k==='PageUp'||k==='Backspace'||k==='ArrowUp'){show(index-1)}
else if(k==='Home'){show(0)}else if(k==='End'){show(slides.length-1)}
else if(k==='b'||k==='B'||k==='.'){blank.style.display=blank.style.display==='block'?'none':'block'}
else if(k==='f'||k==='F'){if(document.fullscreenElement){document.exitFullscreen()}else if(document.documentElement.requestFullscreen){document.documentElement.requestFullscreen()}}
else{return}e.preventDefault();});
document.addEventListener('click',function(){show(index+1)});
show(0);setInterval(tick,500);
})();
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _facts(facts: tuple[Fact, ...]) -> str:
    if not facts:
        return ""
    cells = "".join(
        f'<div class="fact" style="border-left-color:{TONES[f.tone] if f.tone else "#d1d9e0"}">'
        f'<div class="k">{_e(f.label)}</div>'
        f'<div class="v" style="color:{TONES.get(f.tone, TONES[""])}">{_e(f.value)}</div></div>'
        for f in facts
    )
    return f'<div class="facts{" three" if len(facts) > 4 else ""}">{cells}</div>'


def _bars_svg(chart: Chart) -> str:
    w, row = 600, 56
    n = max(1, len(chart.bars))
    top = 28 if chart.target is not None else 0
    h = top + n * row + 8
    left, right = 190, w - 80
    span = (chart.hi - chart.lo) or 1.0

    def x(v: float) -> float:
        return left + (right - left) * (v - chart.lo) / span

    out = [f'<svg viewBox="0 0 {w} {h}" preserveAspectRatio="xMinYMin meet" role="img" '
           f'aria-label="{_e(chart.title)}">']  # fmt: skip
    for i, bar in enumerate(chart.bars):
        y = top + i * row
        fill = {"champion": "#0969da", "dummy": "#b8c0c8"}.get(bar.role, "#8fbcf0")
        name = f"{bar.label} ★" if bar.role == "champion" else bar.label
        weight = ' font-weight="700"' if bar.role == "champion" else ""
        out.append(
            f'<rect x="{left}" y="{y + 10}" width="{max(2.0, x(bar.value) - left):.1f}" '
            f'height="{row - 20}" fill="{fill}"/>'
            f'<text x="{left - 10}" y="{y + row / 2 + 7}" text-anchor="end" font-size="20"'
            f"{weight}>{_e(name)}</text>"
            f'<text x="{x(bar.value) + 8:.1f}" y="{y + row / 2 + 7}" font-size="19">'
            f"{_e(bar.text)}</text>"
        )
    if chart.target is not None:
        tx = x(chart.target)
        out.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 4}" y2="{top + n * row}" '
            f'stroke="#cf222e" stroke-width="3" stroke-dasharray="8 6"/>'
            f'<text x="{tx:.1f}" y="20" text-anchor="middle" font-size="17" fill="#cf222e">'
            f"{_e(chart.target_text)}</text>"
        )
    return "".join(out) + "</svg>"


def _plot_svg(chart: Chart) -> str:
    s, pad = 400, 40
    span = (chart.hi - chart.lo) or 1.0

    def at(x: float, y: float) -> str:
        px = pad + (s - pad) * (x - chart.lo) / span
        py = (s - pad) - (s - pad) * (y - chart.lo) / span
        return f"{px:.1f},{py:.1f}"

    box = (
        f'<rect x="{pad}" y="0" width="{s - pad}" height="{s - pad}" fill="none" stroke="#d1d9e0"/>'
    )
    diag = (
        f'<polyline points="{at(chart.lo, chart.lo)} {at(chart.hi, chart.hi)}" stroke="#59636e" '
        'stroke-dasharray="6 5" fill="none"/>'
        if chart.diagonal
        else ""
    )
    if chart.kind == "line":
        marks = (
            f'<polyline points="{" ".join(at(x, y) for x, y in chart.points)}" fill="none" '
            'stroke="#0969da" stroke-width="4"/>'
        )
    else:
        marks = "".join(
            f'<circle cx="{at(x, y).split(",")[0]}" cy="{at(x, y).split(",")[1]}" r="3.5" '
            'fill="#0969da"/>'
            for x, y in chart.points
        )
    labels = (
        f'<text x="{(s + pad) / 2}" y="{s - 8}" text-anchor="middle" font-size="17" '
        f'fill="#59636e">{_e(chart.x_label)}</text>'
        f'<text transform="translate(22 {(s - pad) / 2}) rotate(-90)" text-anchor="middle" '
        f'font-size="17" fill="#59636e">{_e(chart.y_label)}</text>'
    )
    return (
        f'<svg viewBox="0 0 {s} {s}" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-label="{_e(chart.title)}">{box}{diag}{marks}{labels}</svg>'
    )


def _chart(chart: Chart) -> str:
    svg = _bars_svg(chart) if chart.kind == "bars" else _plot_svg(chart)
    return f'<div class="chart"><h2>{_e(chart.title)}</h2>{svg}</div>'


def _slide(slide: Slide, where: str) -> str:
    attrs = f'class="slide{" title" if slide.kind == "title" else ""}" data-kind="{slide.kind}" '
    attrs += f'data-section="{_e(slide.section)}" data-where="{_e(where)}"'
    if slide.kind == "title":
        agenda = "".join(f"<li><span>{_e(b)}</span></li>" for b in slide.bullets)
        return (
            f"<section {attrs}><h1>{_e(slide.heading)}</h1>"
            f'<p class="lead">{_e(slide.lead)}</p><ul class="agenda">{agenda}</ul>'
            f'<p class="note">{_e(slide.note)}</p></section>'
        )
    bullets = "".join(f"<li><span>{_e(b)}</span></li>" for b in slide.bullets)
    charts = "".join(_chart(c) for c in slide.charts)
    return (
        f'<section {attrs}><p class="sec">{_e(slide.section_title)}</p>'
        f'<h1>{_e(slide.heading)}</h1><div class="rule"></div>'
        f'<p class="lead">{_e(slide.lead)}</p>{_facts(slide.facts)}'
        + (f"<ul>{bullets}</ul>" if bullets else "")
        + (f'<div class="charts">{charts}</div>' if charts else "")
        + (f'<p class="note">{_e(slide.note)}</p>' if slide.note else "")
        + "</section>"
    )


def deck_html(deck: Deck) -> str:
    """The whole deck as one HTML document."""
    slugs = [s.slug for s in deck.sections]
    parts = []
    for slide in deck.slides:
        where = ""
        if slide.section:
            section = deck.sections[slugs.index(slide.section)]
            where = f"Team {slugs.index(slide.section) + 1} of {len(slugs)} · {section.stage}"
        parts.append(_slide(slide, where))
    settings = json.dumps({"minutes": deck.minutes}).replace("<", "\\u003c")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(deck.title)}</title><style>{CSS}</style></head><body>"
        + "".join(parts)
        + '<footer><span id="counter"></span><span id="where"></span><span id="clock"></span>'
        '</footer><div id="blank"></div>'
        f"<script>var DECK={settings};{SCRIPT}</script></body></html>\n"
    )
