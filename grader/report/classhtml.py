"""The class report: one self-contained HTML file (inline CSS, inline SVG, a few lines of
script to sort the table; nothing fetched at view time) — pass rate, score histogram, a
students × phases heatmap, per-task means, the most-failed checks with how many students, the
similarity pairs, and a row per student linking their feedback. Pure: results in, HTML out."""

from __future__ import annotations

import html
import statistics
from collections import Counter
from urllib.parse import quote

from grader.model import PHASES
from grader.report.common import num
from grader.report.feedback import file_name
from grader.report.grades import together
from grader.report.text import clean

MAX_PAIRS = 50
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{margin:0 0 .3rem}h2{margin:1.6rem 0 .4rem;font-size:1.15rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:8px;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.6rem}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left}
th{background:#f6f8fa;cursor:pointer;user-select:none}td.num{text-align:right}
td.heat{text-align:center;min-width:3.2rem}.muted{color:#57606a}.late{color:#9a6700;font-weight:600}
.bar{fill:#0969da}.axis{stroke:#57606a}svg text{font:11px system-ui,sans-serif;fill:#57606a}
"""

_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var body = th.closest('table').tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir === 1 ? 'asc' : 'desc';
    rows.sort(function(a, b){
      var x = a.cells[col].dataset.v || a.cells[col].textContent, y = b.cells[col].dataset.v || b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      return (isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny) * dir;
    });
    rows.forEach(function(r){ body.appendChild(r); });
  });
});
document.body.dataset.ready = 'yes';
"""


def _heat(percent: float | None) -> str:
    """A background from red (0%) through amber to green (100%)."""
    if percent is None:
        return "background:#eaeef2"
    hue = max(0.0, min(100.0, percent)) * 1.2
    return f"background:hsl({hue:.0f},70%,80%)"


def _histogram(percents: list[float]) -> str:
    bins = [0] * 10
    for p in percents:
        bins[min(9, int(p // 10))] += 1
    top = max(bins) or 1
    width, height, bar, top_pad = 420, 160, 38, 16
    parts = [f'<svg id="histogram" role="img" aria-label="score histogram" width="{width}" height="{height + 30}" '
             f'viewBox="0 -{top_pad} {width} {height + 30 + top_pad}">']
    for i, n in enumerate(bins):
        h = round(height * n / top)
        x = 10 + i * (bar + 3)
        parts.append(f'<rect class="bar" x="{x}" y="{height - h}" width="{bar}" height="{h}"><title>{i * 10}–'
                     f'{i * 10 + 9 if i < 9 else 100}%: {n}</title></rect>')
        if n:
            parts.append(f'<text x="{x + bar / 2}" y="{height - h - 3}" text-anchor="middle">{n}</text>')
        parts.append(f'<text x="{x + bar / 2}" y="{height + 14}" text-anchor="middle">{i * 10}</text>')
    parts.append(f'<line class="axis" x1="8" y1="{height}" x2="{width - 2}" y2="{height}"/></svg>')
    return "".join(parts)


def render(results: dict, students: dict, similar: list | tuple = (), *, feedback_href: str | None = None,
           title: str = "Exercise 4.1 — class report", generated: str = "") -> str:
    """``results``: latest result per student id; ``students``: id → name, source, roster;
    ``similar``: groups (ids, score, why); ``feedback_href``: the feedback folder as seen from the
    report (links to ``<href>/<file_name(id)>.html``), or None for no links."""
    graded = [r for r in results.values() if r.graded]
    percents = [float(r.report["percent"]) for r in graded]
    out = _head(results, graded, percents, title, generated)
    out += _per_task(graded)
    out += _most_missed(graded)
    out += _heatmap(results, students, feedback_href)
    out += _similar(similar)
    out.append(f"</tbody></table><script>{_SCRIPT}</script></body></html>\n")
    return "".join(out)


def _head(results: dict, graded: list, percents: list[float], title: str, generated: str) -> list[str]:
    """The page's head, title and summary cards (pass rate, median, not graded, late), and the
    histogram of scores."""
    e = html.escape
    passed = sum(1 for r in graded if r.report["passed"])
    rate = f"{100.0 * passed / len(graded):.0f}%" if graded else "n/a"
    late = sum(1 for r in results.values() if r.late)
    return [f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
           f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head><body>',
           f"<h1>{e(title)}</h1>", f'<p class="muted">{e(generated)}</p>' if generated else "",
           '<div class="cards">',
           f'<div class="card" id="pass-rate">Pass rate<b>{rate}</b>{passed} of {len(graded)} graded</div>',
           f'<div class="card" id="median">Median score<b>{num(statistics.median(percents)) if percents else "n/a"}'
           f'{"%" if percents else ""}</b>mean {num(round(statistics.fmean(percents), 1)) if percents else "n/a"}</div>',
           f'<div class="card" id="not-graded">Not graded<b>{len(results) - len(graded)}</b>of {len(results)}</div>',
           f'<div class="card" id="late-count">Late<b>{late}</b>after the deadline</div></div>',
           "<h2>Scores</h2>", _histogram(percents)]


def _per_task(graded: list) -> list[str]:
    e = html.escape
    tasks: dict[str, tuple[str, list[float], float]] = {}
    for res in graded:
        for t in res.report.get("tasks", []):
            entry = tasks.setdefault(t["id"], (t.get("title") or t["id"], [], t["max_score"]))
            entry[1].append(float(t["score"]))
    out: list[str] = []
    out.append('<h2>Per task</h2><table id="task-means"><thead><tr><th>Task</th><th>Mean</th><th>Of</th>'
               "<th>Students with full marks</th></tr></thead><tbody>")
    for _tid, (ttitle, scores, top) in tasks.items():
        full = sum(1 for s in scores if s >= top)
        out.append(f"<tr><td>{e(clean(ttitle))}</td><td class=\"num\">{num(round(statistics.fmean(scores), 1))}</td>"
                   f"<td class=\"num\">{num(top)}</td><td class=\"num\">{full}</td></tr>")
    out.append("</tbody></table>")

    return out


def _most_missed(graded: list) -> list[str]:
    e = html.escape
    failing: Counter = Counter()
    titles: dict[str, str] = {}
    for res in graded:
        seen = set()
        for group in [*res.report.get("phases", []), *res.report.get("tasks", [])]:
            for c in group.get("checks", []):
                if c["id"] in seen or c.get("bonus") or c["max_score"] <= 0:
                    continue
                seen.add(c["id"])
                if c["status"] in ("fail", "partial"):
                    failing[c["id"]] += 1
                    titles[c["id"]] = c["title"]
    out: list[str] = []
    out.append('<h2>Checks most often missed</h2><table id="most-failed"><thead><tr><th>Check</th><th>Title</th>'
               "<th>Students</th></tr></thead><tbody>")
    for cid, n in failing.most_common(10):
        out.append(f"<tr><td><code>{e(cid)}</code></td><td>{e(clean(titles[cid]))}</td><td class=\"num\">{n}</td></tr>")
    if not failing:
        out.append('<tr><td colspan="3">Every graded submission passed every check.</td></tr>')
    out.append("</tbody></table>")

    return out


def _heatmap(results: dict, students: dict, feedback_href: str | None) -> list[str]:
    """Students × phases: each student's score, pass, phase percents (coloured), lateness and
    feedback link; those not graded say why."""
    e = html.escape
    out: list[str] = []
    out.append('<h2>Students × phases</h2><table id="heatmap" class="sortable"><thead><tr><th>Student</th>'
               "<th>Score</th><th>Passed</th>"
               + "".join(f"<th>{p}</th>" for p in PHASES) + "<th>Late</th><th>Feedback</th></tr></thead><tbody>")
    for rid in sorted(results):
        res, info = results[rid], students.get(rid, {})
        name = clean(rid)
        if not res.graded:
            out.append(f'<tr class="student"><td>{e(name)}</td><td data-v="-1" colspan="{len(PHASES) + 2}" class="muted">'
                       f"{e(res.status)}: {e(clean(res.reason)[:160])}</td>"
                       f"<td></td>{_link(rid, feedback_href)}</tr>")
            continue
        report = res.report
        cells = []
        for phase_id in PHASES:
            phase = next((p for p in report["phases"] if p["id"] == phase_id), None)
            pct = 100.0 * phase["score"] / phase["max_score"] if phase and phase["max_score"] else None
            cells.append(f'<td class="heat" style="{_heat(pct)}" data-v="{-1 if pct is None else round(pct)}">'
                         f'{"–" if pct is None else f"{pct:.0f}"}</td>')
        out.append(f'<tr class="student"><td title="{e(clean(info.get("source", "")))}">{e(name)}</td>'
                   f'<td class="num" data-v="{report["percent"]}">{num(report["percent"])}%</td>'
                   f'<td>{"yes" if report["passed"] else "no"}</td>{"".join(cells)}'
                   f'<td>{f"<span class=late>yes ({res.later_commits})</span>" if res.late else ""}</td>'
                   f"{_link(rid, feedback_href)}</tr>")
    out.append("</tbody></table>")

    return out


def _similar(similar: list | tuple) -> list[str]:
    e = html.escape
    out: list[str] = []
    out.append('<h2>Similar submissions</h2><p class="muted">For you to look at; nothing was deducted.</p>'
               '<table id="similarity"><thead><tr><th>Students</th><th>Similarity</th><th>Why</th>'
               "</tr></thead><tbody>")
    for members, score, why in similar[:MAX_PAIRS]:
        out.append(f"<tr><td>{e(clean(together(members, shown=20)))}</td><td class=\"num\">{100 * score:.0f}%</td>"
                   f"<td>{e(why)}</td></tr>")
    if not similar:
        out.append('<tr><td colspan="3">No two submissions look alike.</td></tr>')
    elif len(similar) > MAX_PAIRS:
        out.append(f'<tr><td colspan="3">and {len(similar) - MAX_PAIRS} more groups (all of them: '
                   '<code>loopcheck grades export --format jsonl</code> has each student\'s commit and tree)</td></tr>')
    return out


def _link(rid: str, href: str | None) -> str:
    if href is None:
        return "<td></td>"
    target = f"{quote(href.rstrip('/'))}/{file_name(rid)}.html" if href else f"{file_name(rid)}.html"
    return f'<td><a href="{html.escape(target, quote=True)}">feedback</a></td>'
