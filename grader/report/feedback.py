"""One student's feedback, to hand back: the score per task and phase, what to fix first
(largest points first) with ``file:line`` evidence, and what the instructor should know. As
Markdown (for an LMS comment) and as a self-contained HTML page. Pure: a stored result in
(``grader.batch.Result``, its report as JSON), text out."""

from __future__ import annotations

import hashlib
import html
import re

from grader.report.common import num
from grader.report.markdown import code, md
from grader.report.text import clean

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PLAIN = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")  # kept as it is: lower case, short
_HASHED = re.compile(r"-[0-9a-f]{16}$")  # what a hashed name ends with
_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def file_name(student_id: str) -> str:
    """A file name for a student's feedback, whatever their id holds, at most 97 characters
    (before ``.html``), one per id. A short lower-case id of safe characters is its own name;
    any other (spaces, slashes, capitals, bytes that were not UTF-8, 240 characters) is its safe
    characters cut to 80 and ``-`` with 16 hex digits of its SHA-256. So no two ids share a
    file: a kept name never ends like a hashed one (those are hashed too), two hashed names
    differ in their hashes, and nothing differs only by case (for macOS and Windows disks)."""
    if (_PLAIN.fullmatch(student_id) and not _HASHED.search(student_id)
            and student_id.split(".")[0] not in _DEVICES and not student_id.endswith(".")):
        return student_id
    safe = _UNSAFE.sub("_", student_id).strip("._")[:80] or "student"
    digest = hashlib.sha256(student_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{safe}-{digest}"


def _all_checks(report: dict) -> list[dict]:
    seen, out = set(), []
    for group in [*report.get("phases", []), *report.get("tasks", [])]:
        for check in group.get("checks", []):
            if check["id"] not in seen:
                seen.add(check["id"])
                out.append(check)
    return out


def to_fix(report: dict) -> list[dict]:
    """The checks that lost points, largest loss first (ties in check order)."""
    checks = [c for c in _all_checks(report)
              if not c.get("bonus") and c["max_score"] > 0 and c["status"] in ("fail", "partial", "error")]
    return sorted(checks, key=lambda c: -(c["max_score"] - c["score"]))


def _where(check: dict) -> str:
    places = [f"{e['path']}:{e['line']}" if e.get("line") else e["path"]
              for e in check.get("evidence", []) if e.get("path")]
    return ", ".join(places[:3])


def _lines(result, name: str) -> dict:
    """What both renderings show, as plain text."""
    report = result.report or {}
    return {
        "name": clean(name),
        "score": f"{num(report.get('score', 0))}/{num(report.get('max_score', 0))} ({num(report.get('percent', 0))}%)",
        "passed": bool(report.get("passed")),
        "threshold": num(report.get("threshold", 0)),
        "tasks": [(clean(t.get("title") or t["id"]), f"{num(t['score'])}/{num(t['max_score'])}")
                  for t in report.get("tasks", [])],
        "phases": [(clean(p["title"]), f"{num(p['score'])}/{num(p['max_score'])}" if p["max_score"] else "evidence only")
                   for p in report.get("phases", [])],
        "fix": [(clean(c["title"]), num(c["max_score"] - c["score"]), clean(c.get("message", "")),
                 clean(c.get("hint", "")), clean(_where(c))) for c in to_fix(report)],
        "notes": [clean(n) for n in report.get("notes", [])],
        "commit": (result.commit or "")[:10],
        "late": result.later_commits if result.late else 0,
    }


def render_markdown(result, name: str) -> str:
    if not result.graded:
        return (f"# Exercise 4.1 — feedback for {md(clean(name))}\n\nYour submission could not be graded "
                f"automatically: {md(clean(result.reason))}\n\nYour instructor will look at it by hand.\n")
    d = _lines(result, name)
    out = [f"# Exercise 4.1 — feedback for {md(d['name'])}", "",
           f"**Score: {d['score']}** — {'passed' if d['passed'] else 'not passed yet'} (pass mark {d['threshold']}%)"]
    if d["commit"]:
        out.append(f"Graded commit {code(d['commit'])}" + (f"; {d['late']} commit(s) after the deadline were not graded."
                                                        if d["late"] else "."))
    out += ["", "| Task | Points |", "|---|---|"]
    out += [f"| {md(t)} | {p} |" for t, p in d["tasks"]]
    out += ["", "| Phase | Points |", "|---|---|"]
    out += [f"| {md(t)} | {p} |" for t, p in d["phases"]]
    out += ["", "## What to fix first", ""]
    if not d["fix"]:
        out.append("Nothing: every check passed.")
    for i, (title, lost, message, hint, where) in enumerate(d["fix"], start=1):
        out.append(f"{i}. **{md(title)}** (−{lost}): {md(message)}" + (f" — at {code(where)}" if where else ""))
        if hint:
            out.append(f"   - How to fix it: {md(hint)}")
    if d["notes"]:
        out += ["", "## Notes", ""] + [f"- {md(n)}" for n in d["notes"]]
    return "\n".join(out) + "\n"


_STYLE = ("body{font:15px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}"
          "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left}"
          ".pass{color:#1a7f37}.fail{color:#cf222e}code{background:#f6f8fa;padding:0 .2rem}")


def render_html(result, name: str) -> str:
    e = html.escape
    head = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Feedback — {e(clean(name))}</title>"
            f"<style>{_STYLE}</style></head><body>")
    if not result.graded:
        return (head + f"<h1>Exercise 4.1 — feedback for {e(clean(name))}</h1><p>Your submission could not be "
                f"graded automatically: {e(clean(result.reason))}</p><p>Your instructor will look at it by hand.</p>"
                "</body></html>\n")
    d = _lines(result, name)
    verdict = "passed" if d["passed"] else "not passed yet"
    out = [head, f"<h1>Exercise 4.1 — feedback for {e(d['name'])}</h1>",
           f"<p><strong>Score: {e(d['score'])}</strong> — <span class=\"{'pass' if d['passed'] else 'fail'}\">"
           f"{verdict}</span> (pass mark {e(d['threshold'])}%)</p>"]
    if d["commit"]:
        out.append(f"<p>Graded commit <code>{e(d['commit'])}</code>"
                   + (f"; {d['late']} commit(s) after the deadline were not graded.</p>" if d["late"] else ".</p>"))
    for title, rows in (("Task", d["tasks"]), ("Phase", d["phases"])):
        out.append(f"<table><tr><th>{title}</th><th>Points</th></tr>"
                   + "".join(f"<tr><td>{e(t)}</td><td>{e(p)}</td></tr>" for t, p in rows) + "</table>")
    out.append("<h2>What to fix first</h2>")
    if not d["fix"]:
        out.append("<p>Nothing: every check passed.</p>")
    else:
        out.append("<ol>")
        for title, lost, message, hint, where in d["fix"]:
            out.append(f"<li><strong>{e(title)}</strong> (−{e(lost)}): {e(message)}"
                       + (f" — at <code>{e(where)}</code>" if where else "")
                       + (f"<br>How to fix it: {e(hint)}" if hint else "") + "</li>")
        out.append("</ol>")
    if d["notes"]:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in d["notes"]) + "</ul>")
    out.append("</body></html>\n")
    return "".join(out)
