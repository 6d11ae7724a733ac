"""One student's feedback, to hand back: the score per task and phase, what to fix first
(largest gains first) with ``file:line`` evidence, and notes. As Markdown (for an LMS that
renders it), plain text (to paste into a comment box: no Markdown escapes) and a self-contained
HTML page. Pure: a stored result in (``grader.batch.Result``, its report as JSON), text out.

Files are named after the student's id, predictably: lower case, accents dropped, every run of
other characters than letters and digits a ``-`` (``Ada Lovelace [ada.bundle]`` →
``ada-lovelace-ada-bundle``); two ids of the class that would share a name each get ``-`` and
8 hex digits of their id's SHA-256."""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Iterable

from grader.patterns import lazy
from grader.report.common import TO_VIEW_NOTE, learner_notes, num
from grader.report.markdown import code, md
from grader.report.text import clean

_NOT_SLUG = lazy(r"[^a-z0-9]+")
_HASHED = lazy(r"-[0-9a-f]{16}$")  # what a hashed name ends with
_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _slug(student_id: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", student_id.encode("utf-8", "surrogateescape")
                                       .decode("utf-8", "replace")).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:80].rstrip("-")


def _hashed(student_id: str, slug: str) -> str:
    return f"{slug or 'student'}-{hashlib.sha256(student_id.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def file_names(ids: Iterable[str]) -> dict[str, str]:
    """Each student id of a class → the name of their feedback files (before the extension), at
    most 97 characters, one per id on any disk: the id's slug, or — when two ids of the class
    share a slug, or a slug is empty, a device name (``con``, ``lpt1``) or ends like a hashed name
    — the slug and ``-`` with 16 hex digits of the id's SHA-256. A slug never ends like a hashed
    name, hashed names differ in their hashes, and all are lower case (macOS and Windows disks)."""
    slugs = {rid: _slug(rid) for rid in ids}
    counts = Counter(slugs.values())
    return {rid: slug if counts[slug] == 1 and slug and slug not in _DEVICES and not _HASHED.search(slug)
            else _hashed(rid, slug) for rid, slug in slugs.items()}


def file_name(student_id: str) -> str:
    """The name of one student's feedback files when no other id of the class shares it."""
    return file_names([student_id])[student_id]


def title_of(result) -> str:
    """The assignment's title: the rubric's own, as the report (or the result) holds it."""
    report = result.report or {}
    rubric = report.get("rubric")
    rubric = rubric if isinstance(rubric, dict) else {}
    return clean(rubric.get("title") or result.rubric.get("title") or result.rubric.get("id") or "loopcheck")


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


def findings(report: dict) -> list[list[dict]]:
    """What to fix: the checks that lost points, those sharing a message together (it is said
    once), the largest gain first."""
    merged: dict[str, list[dict]] = {}
    for check in to_fix(report):
        merged.setdefault(check.get("message", ""), []).append(check)
    return sorted(merged.values(), key=lambda cs: -sum(c["max_score"] - c["score"] for c in cs))


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
        "fix": [(clean(", ".join(c["title"] for c in cs)), num(sum(c["max_score"] - c["score"] for c in cs)),
                 clean(cs[0].get("message", "")), [clean(c.get("hint", "")) for c in cs if c.get("hint")],
                 clean(_where(cs[0]))) for cs in findings(report)],
        "notes": [clean(n) for n in learner_notes(report.get("notes", []))],
        "to_view": [clean(f"{v['path']}:{v['line']}" if v.get("line") else v["path"])
                    for v in report.get("to_view", []) if isinstance(v, dict) and v.get("path")]
        or [clean(n[len(TO_VIEW_NOTE):]) for n in report.get("notes", []) if n.startswith(TO_VIEW_NOTE)],
        "title": title_of(result),
        "commit": (result.commit or "")[:10],
        "late": result.later_commits if result.late else 0,
    }


def _not_graded(result, name: str) -> tuple[str, str]:
    return (f"{title_of(result)} — feedback for {clean(name)}",
            f"Your submission could not be graded automatically: {clean(result.reason)}. "
            "Your instructor will look at it by hand.")


def render_markdown(result, name: str) -> str:
    if not result.graded:
        head, body = _not_graded(result, name)
        return f"# {md(head)}\n\n{md(body)}\n"
    d = _lines(result, name)
    out = [f"# {md(d['title'])} — feedback for {md(d['name'])}", "",
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
    for i, (title, lost, message, hints, where) in enumerate(d["fix"], start=1):
        out.append(f"{i}. **{md(title)}** (−{lost}): {md(message)}" + (f" — at {code(where)}" if where else ""))
        out += [f"   - How to fix it: {md(hint)}" for hint in hints]
    if d["to_view"]:
        out += ["", "To be viewed by your instructor (pictures are not read): " + ", ".join(code(v) for v in d["to_view"])]
    if d["notes"]:
        out += ["", "## Notes", ""] + [f"- {md(n)}" for n in d["notes"]]
    return "\n".join(out) + "\n"


def render_text(result, name: str) -> str:
    """Plain text to paste into an LMS comment box: no Markdown, nothing escaped."""
    import textwrap

    def wrap(text: str, indent: str = "") -> list[str]:
        return textwrap.wrap(text, width=78, initial_indent=indent, subsequent_indent=indent + "   ",
                             break_long_words=False, break_on_hyphens=False) or [indent]

    if not result.graded:
        head, body = _not_graded(result, name)
        return "\n".join([head, "", *wrap(body)]) + "\n"
    d = _lines(result, name)
    out = [f"{d['title']} — feedback for {d['name']}", "",
           f"Score: {d['score']} — {'passed' if d['passed'] else 'not passed yet'} (pass mark {d['threshold']}%)"]
    if d["commit"]:
        out += wrap(f"Graded commit {d['commit']}" + (f"; {d['late']} commit(s) after the deadline were not graded."
                                                       if d["late"] else "."))
    for heading, rows in (("Tasks", d["tasks"]), ("Phases", d["phases"])):
        if rows:
            width = max(len(t) for t, _ in rows)
            out += ["", f"{heading}:"] + [f"  {t:<{width}}  {p}" for t, p in rows]
    out += ["", "What to fix first:"]
    if not d["fix"]:
        out.append("  Nothing: every check passed.")
    for i, (title, lost, message, hints, where) in enumerate(d["fix"], start=1):
        out += wrap(f"{i}. {title} (−{lost}): {message}" + (f" — at {where}" if where else ""), "  ")
        for hint in hints:
            out += wrap(f"How to fix it: {hint}", "     ")
    if d["to_view"]:
        out += ["", *wrap("To be viewed by your instructor (pictures are not read): " + ", ".join(d["to_view"]))]
    if d["notes"]:
        out += ["", "Notes:"] + [line for n in d["notes"] for line in wrap(f"- {n}", "  ")]
    return "\n".join(out) + "\n"


def render_html(result, name: str) -> str:
    """A self-contained HTML page (the ``feedback.html.j2`` template)."""
    from grader.report import html

    if not result.graded:
        title, body = _not_graded(result, name)
        return html.render("feedback.html.j2", title=title_of(result), name=clean(name), graded=False, reason=body,
                           d={})
    d = _lines(result, name)
    return html.render("feedback.html.j2", title=d["title"], name=d["name"], graded=True, reason="", d=d)
