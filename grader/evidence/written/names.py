"""What a title or a label names: a phase of the loop, a feedback loop, one of the exercise's
four tasks, or a part of an answer (what happens, who, tools, duration, automation; what flows
back, how, speed, example). Labels are matched loosely — any punctuation, bold or not, any of
their usual names and synonyms — because their absence or form costs the learner nothing."""

from __future__ import annotations

import re

from grader.patterns import lazy

PHASES = ("plan", "code", "build", "test", "release", "deploy", "operate", "monitor")
PHASE_WORDS: dict[str, str] = {
    "plan": "plan", "planning": "plan", "code": "code", "coding": "code", "develop": "code",
    "development": "code", "build": "build", "building": "build", "test": "test", "testing": "test",
    "tests": "test", "release": "release", "releasing": "release", "deploy": "deploy",
    "deployment": "deploy", "deploying": "deploy", "operate": "operate", "operations": "operate",
    "operating": "operate", "operation": "operate", "monitor": "monitor", "monitoring": "monitor",
}
_WORD = lazy(r"[A-Za-z]+")
ARROW = lazy(r"→|->|⟶|➜|➔|=>|⇒|-->|—>|⇢|↦|➡️?|»")
_BRACKETED = lazy(r"\(([^()]{1,30})\)")
_SEGMENT = lazy(r"\s[-–—|:]\s|:\s")
_NUMBERING = lazy(r"^\W*(?:(?:phase|stage|step|part)\s*)?\d{0,2}\s*[:.)–—-]?\s*", re.I)


def phases_of(title: str) -> list[str]:
    """The phases a heading or cell names, in order ("Phase 3: BUILD" -> [build]; "Build & Test"
    -> [build, test]); none for loops ("Monitor → Plan") or sentences that use the words."""
    if ARROW.search(title) or is_loop_title(title):
        return []
    words = _WORD.findall(_NUMBERING.sub("", title.strip(), count=1))
    if len(words) > 6:  # a longer title names its phase in brackets or in a short segment of its own:
        # "Monday morning - deciding what abandoned means (Plan)", "Every push - the build"
        for piece in [*_BRACKETED.findall(title), *_SEGMENT.split(title)]:
            seg = _WORD.findall(piece)
            if 0 < len(seg) <= 3:
                found = list(dict.fromkeys(PHASE_WORDS[w.lower()] for w in seg if w.lower() in PHASE_WORDS))
                if len(found) == 1:
                    return found
        return []
    if not words:
        return []
    named: list[str] = []
    for w in words:
        p = PHASE_WORDS.get(w.lower())
        if p and p not in named:
            named.append(p)
    return named


def phase_of(title: str) -> str | None:
    """The one phase a title names, or None when it names none or several."""
    named = phases_of(title)
    return named[0] if len(named) == 1 else None


# -- feedback loops -------------------------------------------------------------------------------------
_LOOP_TITLE = lazy(r"^[^\w\n]{0,6}(?:feedback )?loop ?(?:# ?)?\d|^[^\w\n]{0,6}\d{0,2}[^\w\n]{0,4}feedback loop\b", re.I)
_PLAIN_LOOP = lazy(r"^\W*(?:loop\s*\d{0,2}\s*[:.)–—-]?\s*)?([A-Za-z][\w /&()'’-]{1,40}?)\s+(?:back\s+)?"
                         r"(?:to|into|informs?|feeds?(?:\s+into)?)\s+([A-Za-z][\w /&()'’-]{1,40}?)\W*$", re.I)
# Where feedback starts, besides the phases.
_SOURCES = frozenset("""review reviews reviewer customers customer users user support incidents incident qa production
prod canary stakeholders security sales analytics business ops product retro retrospective postmortem post-mortem
alerts alert staging ci pipeline marketing""".split())


def is_loop_title(title: str) -> bool:
    """A title naming a feedback loop: ``Loop 2: Test → Code``, ``Operate to Plan``, ``Feedback loop 3``."""
    if _LOOP_TITLE.search(title) or ARROW.search(title):
        return True
    m = _PLAIN_LOOP.match(title)
    if not m:
        return False
    source = {w.lower() for w in _WORD.findall(m.group(1))}
    target = [w.lower() for w in _WORD.findall(m.group(2))]
    return bool(target) and target[-1] in PHASE_WORDS and bool(source & (set(PHASE_WORDS) | _SOURCES))


def loop_ends(title: str) -> tuple[str, str] | None:
    """(from, to) of a loop title, each a phase where it names one (else its first words)."""
    text = re.sub(r"^\W*(?:feedback\s+)?loop\s*#?\s*\d{0,2}\s*[:.)–—-]?\s*", "", title, flags=re.I)
    parts = ARROW.split(text, maxsplit=1)
    if len(parts) != 2:
        m = _PLAIN_LOOP.match(text)
        if not m:
            return None
        parts = [m.group(1), m.group(2)]
    ends = []
    for p in parts:
        named = [PHASE_WORDS[w.lower()] for w in _WORD.findall(p) if w.lower() in PHASE_WORDS]
        ends.append(named[-1] if named else " ".join(_WORD.findall(p)[:3]).lower())
    return ends[0], ends[1]


# -- tasks ----------------------------------------------------------------------------------------------
_NUMBER = {"1": 1, "one": 1, "i": 1, "a": 1, "2": 2, "two": 2, "ii": 2, "b": 2, "3": 3, "three": 3, "iii": 3, "c": 3,
           "4": 4, "four": 4, "iv": 4, "d": 4}
_TASK_N = lazy(r"\btask\s*#?\s*(1|2|3|4|one|two|three|four|iv|i{1,3})\b", re.I)
_PART_N = lazy(r"\b(?:part|deliverable)\s*#?\s*(1|2|3|4|one|two|three|four|iv|i{1,3}|a|b|c|d)\b", re.I)
_TASK_TOPIC = {
    1: lazy(r"\b(?:loop\s+mapping|mapping|(?:eight|8)\s+phases|phase[- ]by[- ]phase|phases\s+of\s+the\s+loop)\b", re.I),
    2: lazy(r"\bfeedback\b|\bloops\b", re.I),
    3: lazy(r"\bpipelines?\b|\bci\s*/\s*cd\b|\bcicd\b|\bci-cd\b|\bcontinuous\s+(?:integration|delivery|deployment)\b", re.I),
    4: lazy(r"\bmetrics?\b|\bkpis?\b|\bmeasur\w*|\bsuccess\b|\bdora\b", re.I),
}
_NAME_TOPIC = {
    1: lazy(r"\bmapping\b|\bphases\b", re.I),
    2: lazy(r"\bfeedback\b|\bloops\b", re.I),
    3: lazy(r"\bpipelines?\b|\bcicd\b|\bci cd\b", re.I),
    4: lazy(r"\bmetrics?\b|\bkpis?\b|\bmeasur\w*|\bsuccess\b|\bdora\b", re.I),
}


def tasks_of_title(title: str) -> list[int]:
    """The tasks a title names: by number ("Task 2", "Part B", "Task two") or by topic
    ("Feedback loops", "CI/CD pipeline", "Success metrics", "Loop mapping"); a phase's or a
    loop's title names none ("Part 2: Build" is the Build phase)."""
    m = _TASK_N.search(title)
    if m:
        return [_NUMBER[m.group(1).lower()]]
    if phase_of(title) or (is_loop_title(title) and not _TASK_TOPIC[2].search(title)) \
            or (len(title.split()) <= 4 and part_of(title)):  # a part's label ("Speed of feedback")
        return []
    m = _PART_N.search(title)
    if m:
        return [_NUMBER[m.group(1).lower()]]
    return [n for n, rx in _TASK_TOPIC.items() if rx.search(title)]


def task_of_title(title: str) -> int | None:
    named = tasks_of_title(title)
    return named[0] if len(named) == 1 else None


def tasks_of_name(rel: str) -> list[int]:
    """The tasks a file's name names (``task2-feedback-loops.md``, ``01_mapping.md``, ``kpis.md``)."""
    stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    words = " ".join(w for w in re.split(r"[-_ .]+", stem) if w)
    m = re.search(r"\btask\s*([1-4])\b", words, re.I)
    if m:
        return [int(m.group(1))]
    return [n for n, rx in _NAME_TOPIC.items() if rx.search(words)]


# -- parts of an answer ---------------------------------------------------------------------------------
MAPPING_PARTS: dict[str, re.Pattern] = {
    "automation": lazy(r"automat|auto-?\w+|opportunit|could\s+be\s+(?:scripted|templated)", re.I),
    "deliverable": lazy(r"deliverable|outputs?\b|outcomes?\b|artifacts?\b|artefacts?\b|results?\b|produces?\b", re.I),
    "duration": lazy(r"duration|how\s+long|\btime\b|timeline|timing|time\s*frame|effort|estimate|length|"
                           r"\bwhen\b|\bdays?\b|schedule", re.I),
    "tools": lazy(r"\btools?\b|tooling|technolog|tech\s+stack|\bstack\b|software|platforms?\b|\bwith\s+what\b|"
                        r"\busing\b|\bservices\s+used", re.I),
    "roles": lazy(r"\bwho\b|people|\broles?\b|\bteam\b|\bowners?\b|ownership|responsib|stakeholders?|involved|"
                        r"participants|actors|\braci\b", re.I),
    "activities": lazy(r"what\s+happens|^\W*what\b|activit|descri|\btasks?\b|actions?\b|\bsteps?\b|overview|"
                             r"summary|\bwork\b|process|details|^\W*how\b", re.I),
}
LOOP_PARTS: dict[str, re.Pattern] = {
    "example": lazy(r"example|scenario|e\.g|for\s+instance|\bcase\b", re.I),
    "speed": lazy(r"speed|how\s+(?:fast|quick)|latency|timing|\btime\b|frequency|delay|\bwhen\b", re.I),
    "how": lazy(r"how\s+(?:it'?s|it\s+is|is\s+it|its)?\s*communicat|^\W*how\b|channel|\bvia\b|communicat|"
                      r"mechanism|medium|through\s+what", re.I),
    "info": lazy(r"flows?\s+back|comes?\s+back|information|\binfo\b|signal|\bdata\b|^\W*what\b", re.I),
}
_LABEL_MAX_WORDS = 7


def canonical(label: str, vocabulary: dict[str, re.Pattern]) -> str | None:
    """The part a label names (``"Who is involved?"`` -> ``roles``; ``"What we'd automate"`` ->
    ``automation``), or None. Labels are short: a longer text is a sentence, not a label."""
    text = " ".join(label.replace("’", "'").strip(" *_#:.-–—()[]").split())
    if not text or len(text.split()) > _LABEL_MAX_WORDS:
        return None
    for part, rx in vocabulary.items():
        if rx.search(text):
            return part
    return None


def part_of(title: str) -> str | None:
    """A part of either vocabulary."""
    return canonical(title, MAPPING_PARTS) or canonical(title, LOOP_PARTS)


def names_anything(title: str) -> bool:
    """Does a title name a phase, a loop, a task or a part (so a short line may be a heading)?"""
    return bool(phases_of(title) or is_loop_title(title) or tasks_of_title(title) or part_of(title))
