"""What a check is, said once: :func:`describe` joins a detector's declaration (what it looks
for, why, its params schema and defaults) with a rubric's check (title, points, hint, its own
why and params). ``loopcheck explain``, ``loopcheck rubric show``, the SARIF rule metadata and
the check reference (docs/checks.md) all read it; the text ``explain`` and ``rubric show`` print is
written here too (:func:`explanation`, :func:`rubric_outline`).

``python -m grader.docs`` prints the check reference; ``python -m grader.docs --write``
replaces the block between the markers in docs/checks.md. A test keeps it in step.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader import detectors, rubric
from grader.model import PHASE_TITLES, PHASES


@dataclass(frozen=True, slots=True)
class CheckText:
    kind: str
    title: str
    looks_for: str
    why: str
    hint: str = ""
    params: dict = field(default_factory=dict)  # the params in force: the detector's defaults, then the rubric's


def describe(kind: str, check=None) -> CheckText:
    """The text of a check kind, or of a rubric check of that kind (its title, why and params win)."""
    det = detectors.registry().get(kind)
    if det is None:
        title = check.title if check is not None else kind
        return CheckText(kind, title, title, "", check.hint if check is not None else "")
    if check is None:
        return CheckText(kind, det.title, det.looks_for, det.why, "", dict(det.defaults))
    from grader.evidence import ci

    hint = ci.phrase(check.hint, ci.terms([]))  # with no repository: GitHub Actions' words
    return CheckText(kind, check.title, det.looks_for, check.why or det.why, hint,
                     {**det.defaults, **check.params})


def points(x: float) -> str:
    """``1 point``, ``0.5 points``, ``3 points``."""
    return f"{x:g} point" + ("" if x == 1 else "s")


def rubric_outline(r) -> str:
    """``loopcheck rubric show``: a rubric's phases and tasks, each check with its points."""
    bonus = sum(c.points for c in r.checks if c.bonus)
    lines = [f"{r.title} — {r.id} {r.version}, pass mark {r.pass_mark:g}%, {points(r.total_points)}"
             + (f" (+{points(bonus)} bonus)" if bonus else "")]
    if r.extends:
        lines.append(f"extends {r.extends}")

    def group(title: str, checks) -> None:
        core = sum(c.points for c in checks if not c.bonus)
        extra = sum(c.points for c in checks if c.bonus)
        lines.append(f"\n{title} ({points(core)}" + (f", +{points(extra)} bonus" if extra else "") + ")")
        for c in checks:
            mark = "+" if c.bonus else " "
            lines.append(f"  {mark}{c.points:>4g}  {c.id:<34} {c.title}  [{c.kind}]")

    for phase in r.phases:
        group(r.phase_titles[phase], r.phases[phase])
    for task in r.tasks:
        group(task.title, r.task_of(task.id))
    return "\n".join(lines) + "\n"


def _to_learner(text: str, params: dict, verbose: bool) -> str:
    """A check's description as said to the learner: "you" for "the learner", and the sentences
    about its parameters (a parameter's name in backquotes) only with ``verbose``."""
    import re

    for said, to in (("The learner's", "Your"), ("the learner's", "your"), ("The learner", "You"),
                     ("the learner", "you")):
        text = text.replace(said, to)
    if verbose or not params:
        return text
    names = "|".join(re.escape(k) for k in params)

    def value(m) -> str:
        v = params[m.group(1)]
        return ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)

    # a sentence about a parameter ("`score` picks...") is left out; elsewhere its value is said
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z`(])", text)
    kept = [x for x in sentences if not re.match(rf"`(?:{names})`", x)]
    return re.sub(rf"`({names})`", value, " ".join(kept))


def explanation(r, check, *, width: int = 100, verbose: bool = False) -> str:
    """``loopcheck explain``: what a check of rubric ``r`` looks for, why, and how to fix it, said
    to the learner; its kind and parameters with ``verbose``."""
    import textwrap

    text = describe(check.kind, check)
    where = f"{r.phase_titles[check.phase]} phase" if check.phase else ""
    task = next((t.title for t in r.tasks if t.id == check.task), None)
    worth = (points(check.points) + (" (bonus)" if check.bonus else "") if check.points else
             "no points on its own: evidence from your repository, which counts where a task's answer is credited "
             "from it")
    width = max(40, width - 2)

    def para(s: str) -> str:
        return textwrap.fill(s, width=width, initial_indent="  ", subsequent_indent="  ",
                             break_long_words=False, break_on_hyphens=False)

    head = ", ".join(x for x in (where, task, worth) if x) + (f"; kind {check.kind}" if verbose else "")
    out = [f"{check.id} — {text.title}", textwrap.fill(head, width=width), "",
           f"What it looks for:\n{para(_to_learner(text.looks_for, text.params, verbose))}", ""]
    if verbose and text.params:
        out += ["With: " + ", ".join(f"{k}={v}" for k, v in text.params.items()), ""]
    out += [f"Why it matters:\n{para(_to_learner(text.why, text.params, verbose))}", "",
            f"How to fix it:\n{para(text.hint)}"]
    if check.docs:
        out += ["", f"Read more: {check.docs}"]
    return "\n".join(out) + "\n"


def find_check(r, check_id: str):
    """The check of rubric ``r`` with this id, whatever its case; None when there is none."""
    wanted = check_id.strip().lower()
    return next((c for c in r.checks if c.id.lower() == wanted), None)


def near_checks(r, check_id: str, n: int = 5) -> list[str]:
    """The ids a mistyped check id may mean: close spellings, ids containing it, checks of that
    kind or title."""
    import difflib

    wanted = check_id.strip().lower()
    ids = [c.id for c in r.checks]
    near = difflib.get_close_matches(wanted, [i.lower() for i in ids], n=n, cutoff=0.6)
    found = [i for w in near for i in ids if i.lower() == w]
    last = wanted.split(".")[-1]
    found += [c.id for c in r.checks if last and (last in c.id.lower() or last == c.kind or last in c.title.lower())]
    return list(dict.fromkeys(found))[:n]


BEGIN = "<!-- check-reference:begin (generated by `python -m grader.docs --write`) -->"
END = "<!-- check-reference:end -->"


def reference() -> str:
    loop = rubric.load("devops-loop")
    ex = rubric.load("exercise-4.1")
    lines = [BEGIN, ""]
    for phase in PHASES:
        lines.append(f"#### {PHASE_TITLES[phase]}")
        lines.append("")
        lines.append("| check | kind | devops-loop | exercise-4.1 | what counts |")
        lines.append("|---|---|---:|---:|---|")
        ids = [c.id for c in loop.phases[phase]] + [c.id for c in ex.phases[phase] if loop.check(c.id) is None]
        for cid in ids:
            c = ex.check(cid) or loop.check(cid)
            assert c is not None  # the ids come from these two rubrics
            base = loop.check(cid)
            text = describe(c.kind).looks_for.replace("|", "\\|").replace("\n", " ")
            mark = "+" if c.bonus else ""
            in_ex = ex.check(cid)
            lines.append(f"| `{cid}`{' (bonus)' if c.bonus else ''} | `{c.kind}` | {mark}{base.points:g} | "
                         f"{mark}{in_ex.points if in_ex else 0:g} | {text} |"
                         if base else
                         f"| `{cid}` | `{c.kind}` | – | {c.points:g} | {text} |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = reference()
    if "--write" in argv:
        page = Path(__file__).resolve().parent.parent / "docs" / "checks.md"
        content = page.read_text(encoding="utf-8")
        start, end = content.index(BEGIN), content.index(END) + len(END)
        page.write_text(content[:start] + text + content[end:], encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
