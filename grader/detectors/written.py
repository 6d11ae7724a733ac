"""The written deliverables of Exercise 4.1: the loop mapping, feedback loops, pipeline design
and success metrics (Markdown files under ``exercises/module-01/exercise-04/``)."""

from __future__ import annotations

import re

from grader.detectors import detector
from grader.detectors.common import loc, plural
from grader.evidence import markdown
from grader.model import PHASES, Finding

EXERCISE_DIR = "exercises/module-01/exercise-04/"
DEFAULT_PARTS = ["What Happens", "Who is Involved", "Tools Used", "Duration", "Deliverable",
                 "Automation Opportunities"]
_FILE = {"type": "string", "minLength": 1, "pattern": r"^[^/].*$"}
_MIN_WORDS = {"type": "integer", "minimum": 1, "maximum": 500}


def _open(sub, rel: str):
    """(markdown root, None) for the deliverable ``rel``, or (None, the Finding to return)."""
    if not sub.exists(rel):
        return None, Finding.failed(f"{rel} not found", [loc(rel)])
    root = markdown.document(sub, rel)
    if root is None:
        return None, Finding.error(f"{rel} can't be read: {sub.problems.get(rel, 'unreadable')}", [loc(rel)])
    return root, None


def _part_filled(parts, name, min_words):
    found = markdown.find_part(parts, name)
    if not found:
        return None, False
    text, line = found
    return line, markdown.is_filled(text, min_words)


@detector(
    "mapping-section",
    title="Loop mapping: phase section",
    looks_for="In `file`, a section for `phase` headed like `## Phase 3: BUILD`, holding each of "
    "`parts` (as `###` sub-headings or `**Part**:` labels) filled with at least `min_words` words of "
    "the learner's own (template placeholders like `[Your answer]` count as empty). Credit by the "
    "share of filled parts.",
    why="Mapping one feature through every phase — what happens, who, with which tools, how "
    "long, what comes out, what to automate — is the point of Exercise 4.1.",
    params={"file": _FILE, "phase": {"enum": list(PHASES)},
            "parts": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
            "min_words": _MIN_WORDS},
    defaults={"file": EXERCISE_DIR + "task1-loop-mapping.md", "parts": DEFAULT_PARTS, "min_words": 3},
    required=("phase",),
)
def mapping_section(sub, p):
    rel, phase = p["file"], p["phase"]
    root, problem = _open(sub, rel)
    if problem:
        return problem
    heading = re.compile(rf"\b{phase}\b", re.I)
    section = next((s for s in root.walk() if s.level and s.level <= 3 and heading.search(s.title)
                    and not any(o != phase and re.search(rf"\b{o}\b", s.title, re.I) for o in PHASES)), None)
    if section is None:
        return Finding.failed(f"{rel} has no section for the {phase.upper()} phase "
                              f"(e.g. `## Phase {PHASES.index(phase) + 1}: {phase.upper()}`)", [loc(rel, 1)])
    parts = markdown.labelled_parts(section)
    filled, empty, missing = [], [], []
    for name in p["parts"]:
        line, ok = _part_filled(parts, name, p["min_words"])
        if line is None:
            missing.append(name)
        elif ok:
            filled.append(name)
        else:
            empty.append(name)
    msg = f"{len(filled)} of {len(p['parts'])} parts filled in `{section.title}`"
    if empty:
        msg += f"; still a placeholder or too short: {', '.join(empty)}"
    if missing:
        msg += f"; missing: {', '.join(missing)}"
    return Finding.ratio(len(filled) / len(p["parts"]), msg, [loc(rel, section.line)])


_LOOP = re.compile(r"^loop\s*\d*\s*[:.\-–]?\s*(\w+)\s*(?:→|->|➜|⟶|=>)\s*(\w+)", re.I)
_SPEEDS = ("immediate", "seconds", "minutes", "hours", "days", "weeks")


@detector(
    "feedback-loops",
    title="Feedback loops",
    looks_for="In `file`, at least `min_loops` sections headed like `## Loop 1: Monitor → Plan` "
    "(`→` or `->`, between two phases), each explaining what information flows back and how it "
    "is communicated, with a speed (Immediate, Minutes, Hours, Days) and an example scenario. "
    "Half the credit for the number of loops, a quarter for explanations, a quarter for speeds.",
    why="Feedback is what makes the loop a loop: monitoring and incidents flowing back into "
    "planning is how a team learns.",
    params={"file": _FILE, "min_loops": {"type": "integer", "minimum": 1, "maximum": 50},
            "min_words": _MIN_WORDS},
    defaults={"file": EXERCISE_DIR + "task2-feedback-loops.md", "min_loops": 5, "min_words": 3},
)
def feedback_loops(sub, p):
    rel = p["file"]
    root, problem = _open(sub, rel)
    if problem:
        return problem
    loops = []
    for s in root.walk():
        m = _LOOP.match(s.title) if s.level else None
        if m and m.group(1).lower() in PHASES and m.group(2).lower() in PHASES:
            loops.append(s)
    if not loops:
        return Finding.failed(f"{rel} has no loop sections like `## Loop 1: Monitor → Plan`", [loc(rel, 1)])
    explained = speeds = 0
    for s in loops:
        parts = markdown.labelled_parts(s)
        info = markdown.find_part(parts, "what information flows back", "what information", "information")
        how = markdown.find_part(parts, "how it's communicated", "how its communicated", "how it is communicated", "how")
        example = markdown.find_part(parts, "example scenario", "example")
        speed = markdown.find_part(parts, "speed of feedback", "speed")
        if all(x and markdown.is_filled(x[0], p["min_words"]) for x in (info, how, example)):
            explained += 1
        if speed and any(w in " ".join(markdown.content_words(speed[0])).lower() for w in _SPEEDS):
            speeds += 1
    n = len(loops)
    target = p["min_loops"]
    fraction = 0.5 * min(1.0, n / target) + 0.25 * min(1.0, explained / target) + 0.25 * min(1.0, speeds / target)
    msg = f"{plural(n, 'loop')} (needs {target}): {explained} fully explained, {speeds} with a speed"
    return Finding.ratio(fraction, msg, [loc(rel, s.line) for s in loops[:3]])


_DESIGN_PARTS = {
    "trigger": re.compile(r"\btrigger", re.I),
    "stages": re.compile(r"\bstages?\b|\bsteps?\b", re.I),
    "gates": re.compile(r"\bgates?\b|\bapproval|\bquality\b", re.I),
    "notifications": re.compile(r"\bnotif|\balert|\bslack\b", re.I),
    "failure handling": re.compile(r"\brollback|\broll back|\bfail", re.I),
    "verification": re.compile(r"\bverif|\bmonitor|\bsmoke|\bhealth", re.I),
}


@detector(
    "pipeline-design",
    title="CI/CD pipeline design",
    looks_for="`file` (Markdown) with sections or labelled parts for the trigger, the stages "
    "(at least `min_stages` stage headings or list items), gates, notifications, failure handling "
    "(rollback) and verification/monitoring, each with real content — or `diagram` (a real PNG, "
    "over 1 kB), which earns `diagram_credit` since its content is left to the instructor.",
    why="Designing the pipeline end to end — what triggers it, what stops it, how it recovers — "
    "is how a team turns the loop into automation.",
    params={"file": _FILE, "diagram": _FILE, "min_stages": {"type": "integer", "minimum": 1, "maximum": 50},
            "min_words": _MIN_WORDS, "diagram_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"file": EXERCISE_DIR + "task3-pipeline-design.md", "diagram": EXERCISE_DIR + "task3-pipeline-design.png",
              "min_stages": 4, "min_words": 5, "diagram_credit": 0.8},
)
def pipeline_design(sub, p):
    rel = p["file"]
    if not sub.exists(rel) and sub.exists(p["diagram"]):
        data = sub.read_bytes(p["diagram"], 10_000_000) or b""
        if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000:
            return Finding.ratio(p["diagram_credit"], f"pipeline diagram {p['diagram']} (its content is for the instructor to judge)",
                                 [loc(p["diagram"])])
        return Finding.failed(f"{p['diagram']} is not a real PNG diagram", [loc(p["diagram"])])
    root, problem = _open(sub, rel)
    if problem:
        return problem
    found = {}
    stage_count = 0
    for s in root.walk():
        if not s.level:
            continue
        for name, rx in _DESIGN_PARTS.items():
            if name not in found and rx.search(s.title) and markdown.is_filled(s.all_text(), p["min_words"]):
                found[name] = s.line
        if re.match(r"^(stage|step)\s*\d+", s.title, re.I) and markdown.is_filled(s.all_text(), p["min_words"]):
            stage_count += 1
        parts = markdown.labelled_parts(s)
        for name, rx in _DESIGN_PARTS.items():
            for label, (text, line) in parts.items():
                if name not in found and rx.search(label) and markdown.is_filled(text, p["min_words"]):
                    found[name] = line
    if "stages" in found and stage_count == 0:
        stage_count = len(re.findall(r"^\s*(?:\d+[.)]|[-*])\s+\S", root.all_text(), re.M))
    stages_ok = min(1.0, stage_count / p["min_stages"])
    parts_share = len(found) / len(_DESIGN_PARTS)
    missing = [n for n in _DESIGN_PARTS if n not in found]
    msg = f"{len(found)} of {len(_DESIGN_PARTS)} parts described, {plural(stage_count, 'stage')}"
    if missing:
        msg += f"; missing or empty: {', '.join(missing)}"
    return Finding.ratio(0.7 * parts_share + 0.3 * stages_ok, msg,
                         [loc(rel, line) for line in sorted(found.values())[:3]] or [loc(rel, 1)])


_DORA = {
    "lead time": re.compile(r"lead\s*time", re.I),
    "deployment frequency": re.compile(r"deploy(ment)?s?\s*frequency|frequency of deploy", re.I),
    "change failure rate": re.compile(r"change\s*failure\s*rate", re.I),
    "time to restore": re.compile(r"time\s*to\s*(restore|recover)|mttr|mean time to (restore|recover)", re.I),
}


@detector(
    "success-metrics",
    title="Success metrics",
    looks_for="`file` with a technical metrics section, a business metrics section and a DORA "
    "section naming all four DORA metrics (lead time for changes, deployment frequency, change "
    "failure rate, time to restore), each with real content. A third of the credit for each.",
    why="What gets measured gets improved: technical, business and delivery (DORA) metrics "
    "show whether the feature — and the team's loop — work.",
    params={"file": _FILE, "min_words": _MIN_WORDS},
    defaults={"file": EXERCISE_DIR + "task4-success-metrics.md", "min_words": 8},
)
def success_metrics(sub, p):
    rel = p["file"]
    root, problem = _open(sub, rel)
    if problem:
        return problem
    tech = biz = dora = None
    for s in root.walk():
        title = s.title.lower()
        if not s.level:
            continue
        if tech is None and "technical" in title and markdown.is_filled(s.all_text(), p["min_words"]):
            tech = s
        if biz is None and "business" in title and markdown.is_filled(s.all_text(), p["min_words"]):
            biz = s
        if dora is None and "dora" in title:
            dora = s
    named = []
    if dora is not None:
        text = dora.title + "\n" + dora.all_text()
        named = [n for n, rx in _DORA.items() if rx.search(text)]
    score = (1 if tech else 0) / 3 + (1 if biz else 0) / 3 + (len(named) / 4) / 3
    bits = [f"technical {'yes' if tech else 'missing'}", f"business {'yes' if biz else 'missing'}",
            f"DORA {len(named)} of 4"]
    lacking = [n for n in _DORA if n not in named]
    msg = ", ".join(bits) + (f" (missing: {', '.join(lacking)})" if dora is not None and lacking else "")
    ev = [loc(rel, s.line) for s in (tech, biz, dora) if s is not None] or [loc(rel, 1)]
    return Finding.ratio(score, msg, ev)
