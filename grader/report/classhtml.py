"""The class report: one self-contained HTML file (inline CSS, inline SVG, a few lines of
script to sort the table; nothing fetched at view time) — pass rate, score histogram, a
students × phases heatmap with each student's task scores beside it, per-task means, the
most-failed checks with how many students, the groups of submissions that look alike, the
pictures to be viewed and the notes for the instructor, and a row per student linking their
feedback. Pure: results in, HTML out, through the ``class.html.j2`` template (autoescaped)."""

from __future__ import annotations

import statistics
from collections import Counter
from urllib.parse import quote

from grader.model import PHASES
from grader.report.common import num
from grader.report.feedback import file_names
from grader.report.grades import together
from grader.report.text import clean

MAX_GROUPS = 50


def _heat(percent: float | None) -> str:
    """A background from red (0%) through amber to green (100%)."""
    if percent is None:
        return "background:#eaeef2"
    hue = max(0.0, min(100.0, percent)) * 1.2
    return f"background:hsl({hue:.0f},70%,80%)"


def _histogram(percents: list[float]) -> list[dict]:
    bins = [0] * 10
    for p in percents:
        bins[min(9, int(p // 10))] += 1
    top = max(bins) or 1
    return [{"x": 10 + i * 41, "h": round(160 * n / top), "n": n, "low": i * 10, "high": i * 10 + 9 if i < 9 else 100}
            for i, n in enumerate(bins)]


def render(results: dict, students: dict, similar: list | tuple = (), *, feedback_href: str | None = None,
           title: str = "Class report", generated: str = "") -> str:
    """``results``: latest result per student id; ``students``: id → name, source, roster;
    ``similar``: the groups that look alike, (ids, lowest score, why); ``feedback_href``: the
    feedback folder as seen from the report (links to ``<href>/<file name>.html``, named by
    :func:`file_names`), or None for no links."""
    from grader.report import html

    graded = [r for r in results.values() if r.graded]
    percents = [float(r.report["percent"]) for r in graded]
    task_columns = _task_columns(graded)
    return html.render("class.html.j2", title=clean(title), generated=clean(generated),
                       cards=_cards(results, graded, percents), histogram=_histogram(percents),
                       tasks=_per_task(graded), missed=_most_missed(graded), phases=PHASES,
                       task_columns=task_columns, students=_students(results, students, feedback_href, task_columns),
                       similar=[(len(ids), clean(together(ids, shown=20)), s, w) for ids, s, w in similar[:MAX_GROUPS]],
                       more_groups=max(0, len(similar) - MAX_GROUPS), to_view=_to_view(graded),
                       notes=[(clean(r.id), [clean(n) for n in r.report.get("notes", [])])
                              for r in sorted(graded, key=lambda r: r.id) if r.report.get("notes")])


def _task_columns(graded: list) -> list[tuple[str, str, str]]:
    """(task id, short heading, title) of the tasks the reports have, in order of appearance."""
    out: dict[str, tuple[str, str, str]] = {}
    for res in graded:
        for t in res.report.get("tasks", []):
            title = clean(t.get("title") or t["id"])
            out.setdefault(t["id"], (t["id"], title.split(" — ")[0], title))
    return list(out.values())


def _to_view(graded: list) -> list[tuple[str, str]]:
    """(student, picture) for every picture handed in as a deliverable, for the instructor to view."""
    return [(clean(r.id), clean(f"{v['path']}:{v['line']}" if v.get("line") else v["path"]))
            for r in sorted(graded, key=lambda r: r.id)
            for v in r.report.get("to_view", []) if isinstance(v, dict) and v.get("path")]


def _cards(results: dict, graded: list, percents: list[float]) -> dict:
    passed = sum(1 for r in graded if r.report["passed"])
    return {"rate": f"{100.0 * passed / len(graded):.0f}%" if graded else "n/a", "passed": passed,
            "graded": len(graded), "median": f"{num(statistics.median(percents))}%" if percents else "n/a",
            "mean": num(round(statistics.fmean(percents), 1)) if percents else "n/a",
            "not_graded": len(results) - len(graded), "total": len(results),
            "late": sum(1 for r in results.values() if r.late)}


def _per_task(graded: list) -> list[dict]:
    tasks: dict[str, tuple[str, list[float], float]] = {}
    for res in graded:
        for t in res.report.get("tasks", []):
            entry = tasks.setdefault(t["id"], (t.get("title") or t["id"], [], t["max_score"]))
            entry[1].append(float(t["score"]))
    return [{"title": clean(title), "mean": round(statistics.fmean(scores), 1), "max": top,
             "full": sum(1 for s in scores if s >= top)} for title, scores, top in tasks.values()]


def _most_missed(graded: list) -> list[dict]:
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
    return [{"id": cid, "title": clean(titles[cid]), "n": n} for cid, n in failing.most_common(10)]


def _students(results: dict, students: dict, feedback_href: str | None, task_columns: list) -> list[dict]:
    """Each student's row: score, pass, phase percents (coloured), lateness and feedback link;
    those not graded say why."""
    names = file_names(sorted(set(results) | set(students)))
    rows = []
    for rid in sorted(results):
        res, info = results[rid], students.get(rid, {})
        href = None
        if feedback_href is not None:
            href = f"{quote(feedback_href.rstrip('/'))}/{names[rid]}.html" if feedback_href else f"{names[rid]}.html"
        row: dict = {"name": clean(rid), "source": clean(info.get("source", "")), "graded": res.graded, "href": href,
                     "status": res.status, "reason": clean(res.reason)[:160], "late": bool(res.late),
                     "later_commits": res.later_commits}
        if res.graded:
            report = res.report
            cells = []
            for phase_id in PHASES:
                phase = next((p for p in report["phases"] if p["id"] == phase_id), None)
                pct = 100.0 * phase["score"] / phase["max_score"] if phase and phase["max_score"] else None
                cells.append({"style": _heat(pct), "value": -1 if pct is None else round(pct),
                              "text": "–" if pct is None else f"{pct:.0f}"})
            scores = {t["id"]: t for t in report.get("tasks", [])}
            row.update(percent=report["percent"], passed=report["passed"], cells=cells,
                       tasks=[(num(scores[tid]["score"]), scores[tid]["max_score"]) if tid in scores else ("–", 0)
                              for tid, _short, _title in task_columns])
        rows.append(row)
    return rows
