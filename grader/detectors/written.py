"""The written deliverables of Exercise 4.1, judged for substance in whatever layout and place
they come: the loop mapping (per phase), the feedback loops, the pipeline design, the success
metrics and the bonus diagram. :mod:`grader.evidence.written` finds and reads them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.detectors import detector
from grader.detectors.common import loc, plural
from grader.evidence import substance as sb
from grader.model import EXERCISE_DIR, PHASES, Finding
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.evidence.written import judge

# The written-work readers (grader.evidence.written: the course's fingerprints, the lexicon's
# patterns, pictures...) are imported by the checks that read written work, when they run: a
# rubric without them (devops-loop) never imports them, though every detector module is.

SCORED_PARTS = ["activities", "roles", "tools", "duration", "automation"]
PART_TITLES = {"activities": "What Happens", "roles": "Who is Involved", "tools": "Tools Used",
               "duration": "Duration", "deliverable": "Deliverable", "automation": "Automation Opportunities"}
PHASE_NUMBER = {p: i + 1 for i, p in enumerate(PHASES)}

# The smallest example of a good answer (our own words): for the curriculum's feature, and
# for any other feature ({f} is its name), so a fix never speaks of someone else's feature.
_EXAMPLES: dict[str, dict[str, tuple[str, str]]] = {
    "plan": {"activities": ("split the reminder into stories (24 h trigger, 10% code, opt-out) with acceptance criteria",
                            "split {f} into stories with acceptance criteria"),
             "roles": ("product manager, tech lead",) * 2, "tools": ("Jira",) * 2, "duration": ("2 days",) * 2,
             "automation": ("an issue template that asks for acceptance criteria",) * 2},
    "code": {"activities": ("write the abandoned-cart query and the coupon generator with their tests, on short branches",
                            "write the code and tests of {f} on short-lived branches"),
             "roles": ("two developers",) * 2, "tools": ("GitHub, VS Code",) * 2, "duration": ("1 week",) * 2,
             "automation": ("pre-commit hooks run the linter on every commit",) * 2},
    "build": {"activities": ("CI installs dependencies and builds the reminder image tagged with the commit SHA",
                             "CI builds the image of {f} tagged with the commit SHA"),
              "roles": ("CI, watched by the developer who pushed",) * 2, "tools": ("GitHub Actions, Docker",) * 2,
              "duration": ("6 minutes",) * 2, "automation": ("the build runs on every push",) * 2},
    "test": {"activities": ("tests check one reminder per abandoned cart and that the code expires after 48 h",
                            "tests check the main rules of {f} and its edge cases"),
             "roles": ("developers, QA",) * 2, "tools": ("pytest",) * 2, "duration": ("10 minutes",) * 2,
             "automation": ("tests gate every merge",) * 2},
    "release": {"activities": ("tag v1.2.0 and publish notes for the reminder emails",
                               "tag v1.2.0 and publish release notes for {f}"),
                "roles": ("tech lead",) * 2, "tools": ("git tags, GitHub Releases",) * 2,
                "duration": ("30 minutes",) * 2, "automation": ("release notes generated from merged pull requests",) * 2},
    "deploy": {"activities": ("roll the reminder service out to staging, smoke-test one email, then production",
                              "roll {f} out to staging, smoke-test it, then production"),
               "roles": ("SRE",) * 2, "tools": ("Kubernetes, Helm",) * 2, "duration": ("40 minutes",) * 2,
               "automation": ("automatic rollback when the smoke test fails",) * 2},
    "operate": {"activities": ("keep the email workers up at sales peaks and follow the 'emails delayed' runbook",
                               "keep {f} running at peaks and follow its runbook"),
                "roles": ("on-call engineer",) * 2, "tools": ("Kubernetes HPA, PagerDuty",) * 2,
                "duration": ("1 hour a week after the first week",) * 2,
                "automation": ("autoscale the workers on queue length",) * 2},
    "monitor": {"activities": ("watch send errors, opens, clicks and recovered carts",
                               "watch the errors, latency and usage of {f}"),
                "roles": ("SRE, product manager",) * 2, "tools": ("Prometheus, Grafana",) * 2,
                "duration": ("real time, reviewed weekly",) * 2,
                "automation": ("alert when errors pass 2% for 10 minutes",) * 2},
}
_CLAIMS = {
    "ci": lazy(r"github actions|gitlab|jenkins|circleci|azure pipelines|\bci\b|pipeline", re.I),
    "kubernetes": lazy(r"kubernetes|\bk8s\b|helm|kubectl|argo", re.I),
    "prometheus": lazy(r"prometheus|grafana|alertmanager|alert rule", re.I),
}
_DELIVERABLES = ("task1-loop-mapping.md", "task2-feedback-loops.md", "task3-pipeline-design.md", "task4-success-metrics.md")


def example(phase: str, part: str, feature: judge.Feature | None) -> str | None:
    """An example answer for the learner's own feature (or a neutral one)."""
    pair = _EXAMPLES.get(phase, {}).get(part)
    if not pair:
        return None
    if feature is None or feature.scenario:
        return pair[0]
    return pair[1].format(f=feature.title if feature.title else "the feature")


def _no_writing(what: str) -> Finding:

    files = ", ".join(f"`{f}`" for f in _DELIVERABLES)
    return Finding.failed(f"no {what} found in any Markdown or text document of the repository: write it in "
                          f"{EXERCISE_DIR} ({files}), or in any document under a heading naming the task "
                          "(`loopcheck init` writes the templates)", [loc(EXERCISE_DIR)])


# -- Task 1 --------------------------------------------------------------------------------------
def _mapping_context(sub):
    from grader.evidence import written
    from grader.evidence.written import judge, units

    cached = sub.memo("written:mapping-context")
    if cached is None:
        found = units.phase_units(sub)
        places = written.placements(sub)[1]
        intro = units.intro_text(sub)
        feature = judge.feature_of(_feature_title(places, intro), intro, [u.text for u in found.values()])
        cached = sub.memo("written:mapping-context", (found, feature, judge.repeated_texts(found)))
    return cached


_TITLE_PREFIX = lazy(r"^\W*(?:exercise\s*[\d.]*|task\s*\d|devops\s+loop\s+mapping|loop\s+mapping|mapping|"
                           r"devops\s+loop)\s*[:–—-]?\s*", re.I)


_FEATURE_LINE = lazy(r"^[^\w\n]{0,6}(?:my |our |the |chosen )?feature(?: name| i chose| i picked)?[^\w\n]{0,4}[:–—-]"
                           r"[^\w\n]{0,4}([^.\n]{3,80})", re.I | re.M)


def _feature_title(places, intro: str = "") -> str:
    """The feature's name: a "Feature: ..." line of the introduction, else the mapping's title
    ("DevOps Loop Mapping: Two-factor login")."""
    from grader.evidence.written import names

    m = _FEATURE_LINE.search(intro)
    if m:
        return m.group(1).strip(" *_")
    for place in places:
        for s in place.section.walk():
            if s.title and not names.phases_of(s.title):
                title = _TITLE_PREFIX.sub("", s.title).strip()
                title = re.sub(r"(?<!\s)\s+(?:through|across)\s+the\s+(?:devops\s+)?(?:loop|infinity).*$", "", title, flags=re.I)
                if title and not names.task_of_title(title):
                    return title
    return ""


@detector(
    "mapping-section",
    title="Loop mapping: one phase",
    looks_for="The loop mapping's unit for `phase`, wherever the learner wrote it (any Markdown or text "
    "document; the task found by its file name, heading or content) — a heading naming the phase "
    "(`## Phase 3: BUILD`, `Stage 3 – Build`, `BUILD`, `**Build**`), a table row or column, a list item "
    "or a paragraph — and in it each of `parts` (activities, roles, tools, duration, automation; also "
    "deliverable), found by their labels in any form (`**Who.**`, `Tools -`, `Time:` mid-paragraph) or by "
    "what the text says (a role, a tool, a time, something to automate). One share of the credit per "
    "part that is a real answer: short answers count (\"Tech Lead\", \"Jira\", \"4 dev-days\"); "
    "placeholders, the course's own text (copied or reworded), text repeated across phases and generic "
    "text that says nothing particular to the feature don't.",
    why="Mapping one feature through every phase — what happens, who, with which tools, how "
    "long, what to automate — is the point of Exercise 4.1.",
    params={"phase": {"enum": list(PHASES)},
            "parts": {"type": "array", "minItems": 1, "uniqueItems": True,
                      "items": {"enum": ["activities", "roles", "tools", "duration", "deliverable", "automation"]}}},
    defaults={"parts": SCORED_PARTS},
    required=("phase",),
)
def mapping_section(sub, p):
    from grader.evidence import written
    from grader.evidence.written import judge

    phase = p["phase"]
    places = written.placements(sub)[1]
    if not places:
        return _no_writing("loop mapping (Task 1)")
    found, feature, repeated = _mapping_context(sub)
    unit = found.get(phase)
    if unit is None:
        where = ", ".join(sorted({pl.rel for pl in places}))
        have = ", ".join(p_.title() for p_ in PHASES if p_ in found) or "no phase"
        return Finding.failed(
            f"no part of {where} is about the {phase.upper()} phase (found: {have}); expected a heading naming "
            f"it (`## Phase {PHASE_NUMBER[phase]}: {phase.upper()}`, `Stage {PHASE_NUMBER[phase]} – {phase.title()}`, "
            f"`### {phase.title()}`), a table row or a paragraph that starts with it", [loc(places[0].rel, places[0].line)])
    credits, notes = [], []
    # a phase whose whole text names nothing particular to the feature and team (no tool, number,
    # identifier or word of the feature's own) says what happens and what to automate in general
    bare = not judge.markers(unit.text, feature, phase)
    for part in p["parts"]:
        value = unit.parts.get(part)
        if value is None:
            ex = example(phase, part, feature)
            notes.append(f"{PART_TITLES[part]} missing" + (f" (e.g. \"{ex}\")" if ex else ""))
            credits.append((part, 0.0))
            continue
        why = judge.judge_part(part, value, phase, feature, repeated)
        if not why and bare and part in ("activities", "automation") and len(sb.substantive(value.text)) > 10 \
                and not judge.concrete_about_feature(value.text, feature):
            why = "generic: nothing in this phase is particular to the feature (its parts, numbers, tools)"
        credits.append((part, 0.0 if why else 1.0))
        if why:
            ex = example(phase, part, feature)
            notes.append(f"{PART_TITLES[part]}: {why}" + (f" (e.g. \"{ex}\")" if ex and part != "duration" else ""))
    got = sum(c for _, c in credits)
    msg = f"{plural(int(got), 'part')} of {len(credits)} answered in `{_short(unit.title)}` ({unit.rel}:{unit.line})"
    if notes and not got and all("placeholder" in n for n in notes):
        msg += ": every part is still the template's placeholder (replace each [Your answer] with your own words)"
    elif notes:
        msg += "; " + "; ".join(notes)
    claims = tuple(name for name, rx in _CLAIMS.items()
                   if any(rx.search(unit.parts[part].text) for part in ("tools", "automation") if part in unit.parts))
    finding = Finding.ratio(got / len(credits), msg, [loc(unit.rel, unit.line)])
    return Finding(finding.status, finding.fraction, finding.message, finding.evidence,
                   parts=tuple(credits), claims=claims)


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# -- Task 2 --------------------------------------------------------------------------------------
_LOOP_WORDS = frozenset("feedback flows flow back information info loop loops communicated speed example scenario".split())


def _loop_judgement(unit, feature: judge.Feature, specific_set: bool = False):
    """(a real feedback loop with something of its own said about it, explained, has a speed,
    why not). ``specific_set``: the learner's loops name particular things overall, so a terse
    loop among them is taken as terse, not generic."""
    from grader.evidence.written import fingerprints, judge, lexicon, names

    ends = names.loop_ends(unit.title)
    if ends and ends[0] in PHASES and ends[1] in PHASES and PHASES.index(ends[1]) > PHASES.index(ends[0]) \
            and not (ends[0] in ("operate", "monitor") and ends[1] == "plan"):
        return False, False, False, "runs forward, not back"
    parts = unit.parts
    body = sb.without_placeholders(" ".join(pt.text for pt in parts.values()) if parts else unit.text)
    if sb.is_placeholder(body):
        return False, False, False, "nothing said about it"
    if fingerprints.is_copied(body):
        return False, False, False, "the course's own example"
    if len([w for w in sb.substantive(body) if w not in _LOOP_WORDS]) < 3:
        return False, False, False, "nothing said about it"
    said = re.sub(r"^[^\n]{0,80}?(?:→|->|=>)\s*[\w ]{1,30}?\s*[:—–-]\s*", "", unit.text.strip(), count=1)
    if lexicon.tool_share(said) >= 0.4:
        return False, False, bool(lexicon.SPEED.search(body)), "only tool names"
    if not (judge.markers(body, feature) or judge.concrete_about_feature(body, feature)
            or (specific_set and judge.filler_share(body) < 0.05)):
        return False, False, False, "generic: nothing particular to this feature"
    info = parts["info"].text if "info" in parts else body
    how = parts["how"].text if "how" in parts else ""
    explained = len(sb.substantive(info)) >= 2 and bool(lexicon.CHANNEL.search(how))
    speed = bool(lexicon.SPEED.search(parts["speed"].text)) if "speed" in parts else False
    return True, explained, speed, ""


@detector(
    "feedback-loops",
    title="Feedback loops",
    looks_for="The feedback loops, wherever the learner wrote them: headings (`## Loop 1: Monitor → Plan`, "
    "`Operate to Plan`), table rows or list items naming where feedback starts and where it lands. Each "
    "loop with what flows back, how it is communicated, its speed (Immediate, Minutes, Hours, Days…) and "
    "an example, labelled or not. A loop that runs forward (Plan → Code) is not feedback. `score` picks "
    "what is credited: `loops` (named loops up to `min_loops`; a loop with nothing said about it counts "
    "half), `explained` (what flows back and how), `speed`, or `all` (half, a quarter, a quarter).",
    why="Feedback is what makes the loop a loop: monitoring and incidents flowing back into "
    "planning is how a team learns.",
    params={"min_loops": {"type": "integer", "minimum": 1, "maximum": 50},
            "score": {"enum": ["loops", "explained", "speed", "all"]}},
    defaults={"min_loops": 5, "score": "all"},
)
def feedback_loops(sub, p):
    from grader.evidence import written
    from grader.evidence.written import fingerprints, judge, names, units

    places = written.placements(sub)[2]
    if not places:
        return _no_writing("feedback loops (Task 2)")
    found = [u for u in units.loop_units(sub)
             if not sb.is_placeholder(re.sub(r"^\W*loop\s*\d*\s*[:.)–—-]?\s*", "", names.ARROW.sub(" ", u.title), flags=re.I))]
    if not found:
        return Finding.failed(f"no feedback loop found in {places[0].where()}: expected loops written like "
                              "`## Loop 1: Monitor → Plan`, a table row or a list item naming where feedback starts and "
                              "where it lands", [loc(places[0].rel, places[0].line)])
    _units, feature, _rep = _mapping_context(sub)
    judged = sub.memo("written:loops-judged")
    if judged is None:
        if fingerprints.course_words_only("\n".join(u.text for u in found)):
            judged = [(False, False, False, "the course's own words, reworded")] * len(found)
        else:
            particular = {m for u in found for m in judge.markers(u.text, feature)}
            specific_set = len(particular) >= max(2, len(found) / 2)
            judged = [_loop_judgement(u, feature, specific_set) for u in found]
        sub.memo("written:loops-judged", judged)
    target = p["min_loops"]
    forward = [u for u, j in zip(found, judged, strict=True) if j[3] == "runs forward, not back"]
    counted = sum(1.0 if content else 0.5 for content, _e, _s, why in judged if why != "runs forward, not back")
    explained = sum(1 for _c, e, _s, _w in judged if e)
    speeds = sum(1 for _c, _e, s, _w in judged if s)
    shares = {"loops": min(1.0, counted / target), "explained": min(1.0, explained / target),
              "speed": min(1.0, speeds / target)}
    shares["all"] = 0.5 * shares["loops"] + 0.25 * shares["explained"] + 0.25 * shares["speed"]
    msg = (f"{plural(len(found) - len(forward), 'loop')} (needs {target}): {explained} say what flows back and how, "
           f"{speeds} give a speed")
    hollow = [w for c, _e, _s, w in judged if not c and w and w != "runs forward, not back"]
    if hollow:
        msg += f"; {plural(len(hollow), 'loop')} counted half ({', '.join(sorted(set(hollow)))})"
    if forward:
        msg += "; not feedback (runs forward): " + ", ".join(f"`{_short(u.title, 40)}`" for u in forward)
    return Finding.ratio(shares[p["score"]], msg, [loc(u.rel, u.line) for u in found[:3]])


# -- Task 3 --------------------------------------------------------------------------------------
@detector(
    "pipeline-design",
    title="CI/CD pipeline design",
    looks_for="The pipeline design, wherever the learner wrote it (lists, tables, code blocks, arrow chains, "
    "mermaid or PlantUML, stage headings): `score` picks what is credited — `stages` (distinct stages such "
    "as build, test, scan, deploy to staging, smoke test, up to `min_stages`, however long their "
    "explanation; stages only named in prose count half), `failure` (what happens when a stage or the "
    "deploy fails, in any words: rolling back or redeploying the previous version earns it all, stopping "
    "or alerting 60%), `verification` (a smoke or health check, and watching error rates or alerts after "
    "the deploy), `realistic` (a trigger, gates, notifications, environments, named tools or timings), or "
    "`all`. Headings with nothing under them say nothing. A picture handed in as the design (linked from "
    "the task's text or named for it) is marked for the instructor to view and counts `diagram_credit` "
    "until then (an SVG's text is read too).",
    why="Designing the pipeline end to end — what triggers it, what stops it, how it recovers — "
    "is how a team turns the loop into automation.",
    params={"score": {"enum": ["stages", "failure", "verification", "realistic", "all"]},
            "min_stages": {"type": "integer", "minimum": 1, "maximum": 50},
            "diagram": {"type": "string", "minLength": 1, "pattern": r"^[^/].*$"},
            "diagram_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"score": "all", "min_stages": 5, "diagram": EXERCISE_DIR + "task3-pipeline-design.png",
              "diagram_credit": 0.8},
)
def pipeline_design(sub, p):
    from grader.evidence import written
    from grader.evidence.written import fingerprints, images, judge, lexicon, pipeline

    pictures = images.pipeline_pictures(sub)
    if sub.exists(p["diagram"]) and not any(pic.rel == p["diagram"] for pic in pictures):
        pic = images.picture(sub, p["diagram"])
        if pic is None:
            return Finding.failed(f"{p['diagram']} is not a real image", [loc(p["diagram"])])
        pictures = [pic, *pictures]
    facts = pipeline.pipeline(sub)
    if not facts.places and not pictures:
        return _no_writing("pipeline design (Task 3)")
    sections = [pl.section for pl in written.placements(sub)[3]]
    svg_text = "\n".join(pic.text for pic in pictures if pic.text)
    if svg_text:
        from grader.evidence.markdown import Section

        facts = pipeline.read([*sections, Section(0, "", 0, svg_text.replace(" → ", "\n→ "))])
    where = [loc(rel, line) for rel, line in facts.places[:1]] + [loc(pic.rel) for pic in pictures[:1]]
    if facts.copied or fingerprints.course_words_only(facts.text, max_share=0.04):
        return Finding.failed("the pipeline design is the course's own example (copied or reworded): design "
                              "your own for your feature", where)
    score = p["score"]
    _units, feature, _rep = _mapping_context(sub)
    particular = set(judge.markers(facts.text, feature))
    # a design that names nothing particular to the feature and team (no tool, number or part of
    # the feature) is not tied to any stack: it is not realistic, and its parts count half; made of
    # filler ("ensures quality", "the right people") as well, they count a quarter
    filler = judge.filler_share(facts.text) >= 0.05
    factor = 0.25 if len(particular) <= 1 and filler else 0.5 if not particular else 1.0
    markets = lexicon.market_lists(facts.text)
    if len(markets) >= 2:  # "Jenkins / GitHub Actions / GitLab CI -> ...": the market, not a design
        factor, particular = min(factor, 0.4), set()
    n = len(facts.stages) + 0.75 * len(facts.prose_stages)  # a stage told in a sentence is a stage, less clearly
    shares = {"stages": factor * min(1.0, n / p["min_stages"]), "failure": factor * facts.failure,
              "verification": factor * len(facts.verified) / len(pipeline.VERIFY),
              # realistic: the signs of a real pipeline, told with the particulars a team would give
              # (tools, timings, names: "run Jest unit tests, 5 minutes", not "test the code")
              "realistic": (factor if particular else 0.0) * min(1.0, len(facts.real) / 4)
              * min(1.0, len(particular) / 6)}
    msgs = {
        "stages": f"{plural(len(facts.stages), 'stage')} listed" + (
            f" ({', '.join(facts.stages[:8])})" if facts.stages else
            f", told in prose: {', '.join(sorted(facts.prose_stages))}" if facts.prose_stages else ""),
        "failure": {1.0: "failure handling with a rollback", 0.6: "the pipeline stops or alerts on failure, but nothing "
                    "rolls back"}.get(facts.failure, "nothing says what happens when a stage or the deploy fails"),
        "verification": f"verification: {', '.join(facts.verified)}" if facts.verified else
        "nothing verifies the deploy (a smoke test, watching error rates or alerts)",
        "realistic": f"{len(facts.real)} of 5 signs of a real pipeline ({', '.join(facts.real) or 'none'})"
        + ("" if len(facts.real) >= 4 else f"; missing: {', '.join(n_ for n_ in pipeline.REALISM if n_ not in facts.real)}"),
    }
    if markets and len(markets) >= 2:
        msgs = {k: f"{v}; alternatives instead of choices ({', '.join(markets)}): a design picks its tools" for k, v in msgs.items()}
    elif factor < 1.0:
        generic_note = ("generic: the design names nothing particular to the feature and team (tools, numbers, its "
                        f"parts) and could be any pipeline, so it counts {'a quarter' if factor < 0.5 else 'half'}")
        msgs = {k: f"{v}; {generic_note}" for k, v in msgs.items()}
    if pictures:
        credit = p["diagram_credit"]
        for key in ("stages", "failure", "verification", "realistic"):
            shares[key] = max(shares[key], credit)
        view = ", ".join(f"{pic.rel} ({pic.kind})" for pic in pictures[:3])
        note = f"pipeline diagram {view}: to be viewed by the instructor (counts {credit:.0%} until then)"
        msgs = {k: f"{note}; the text: {v}" for k, v in msgs.items()}
    shares["all"] = 0.4 * shares["stages"] + 0.2 * (shares["failure"] + shares["verification"] + shares["realistic"])
    msg = msgs[score] if score != "all" else "; ".join(dict.fromkeys(msgs.values()))
    finding = Finding.ratio(shares[score], msg, where)
    return _viewed(finding, [loc(pic.rel) for pic in pictures])


def _viewed(finding: Finding, places) -> Finding:
    """The finding with pictures for the instructor to view."""
    if not places:
        return finding
    return Finding(finding.status, finding.fraction, finding.message, finding.evidence, finding.tools,
                   finding.parts, finding.claims, tuple(places))


# -- Task 4 --------------------------------------------------------------------------------------
@detector(
    "success-metrics",
    title="Success metrics",
    looks_for="The success metrics, wherever the learner wrote them, one per table row, list item, "
    "labelled line or sub-section, grouped by the heading, label or column they sit under (or by what "
    "they measure): `score` picks what is credited — `technical` and `business` (full credit for "
    "`min_metrics` with a target or a definition such as `< 1%` or `99.9%`, less without), `dora` "
    "(lead time for changes, deployment frequency, change failure rate and time to restore — a quarter "
    "each, less without a target), or `all`. The course's own example metrics don't count.",
    why="What gets measured gets improved: technical, business and delivery (DORA) metrics "
    "show whether the feature — and the team's loop — work.",
    params={"score": {"enum": ["technical", "business", "dora", "all"]},
            "min_metrics": {"type": "integer", "minimum": 1, "maximum": 20}},
    defaults={"score": "all", "min_metrics": 2},
)
def success_metrics(sub, p):
    from grader.evidence import written
    from grader.evidence.written import fingerprints, judge, metrics, pipeline

    places = written.placements(sub)[4]
    if not places:
        return _no_writing("success metrics (Task 4)")
    found = metrics.metrics(sub)
    _units, feature, _rep = _mapping_context(sub)
    where = [loc(places[0].rel, places[0].line)]
    shares, msgs = {}, {}
    for g in ("technical", "business"):
        items = [m for m in found if m.group == g and not m.copied and len(sb.substantive(m.text)) >= (1 if m.targeted else 2)]
        copied = [m for m in found if m.group == g and m.copied]
        targeted = [m for m in items if m.targeted]
        share = min(1.0, len(targeted) / p["min_metrics"])
        if len(targeted) < p["min_metrics"] and items:
            share = max(share, 0.4 * min(1.0, len(items) / p["min_metrics"]) + 0.6 * len(targeted) / p["min_metrics"])
        shares[g] = min(1.0, share)
        msgs[g] = (f"{g}: {plural(len(items), 'metric')}, {len(targeted)} with a target" if items
                   else f"{g}: no metrics found (a heading, label or table column `{g.title()}` with measurable items)")
        if copied:
            msgs[g] += f" ({plural(len(copied), 'metric')} copied from the exercise's example not counted)"
        if items:
            where.append(loc(items[0].rel, items[0].line))
    named, targeted_dora = [], []
    # a DORA metric named counts a little; one only defined in general words ("how often an
    # organisation deploys") says nothing of this team's own and counts nothing
    dora_items = [m for m in found if not m.copied and (m.targeted or judge.markers(m.text, feature)
                                                        or len(m.text.split()) <= 6)]
    for name, rx in metrics.DORA.items():
        hits = [m for m in dora_items if rx.search(m.text)]
        if not hits:  # named in prose: counts where its sentence gives this team's value
            text = "\n".join(pipeline.content_text(pl.section) for pl in places)
            said = [line for line in text.split("\n") if rx.search(line) and metrics.TARGET.search(line)]
            if said and not fingerprints.is_copied(text, 0.4):
                named.append(name)
                targeted_dora.append(name)
            continue
        named.append(name)
        if any(m.targeted for m in hits):
            targeted_dora.append(name)
    shares["dora"] = (len(targeted_dora) + 0.4 * (len(named) - len(targeted_dora))) / 4
    lacking = [n for n in metrics.DORA if n not in named]
    msgs["dora"] = f"DORA: {len(named)} of 4 named, {len(targeted_dora)} with a target" + (
        f" (missing: {', '.join(lacking)})" if lacking else "")
    shares["all"] = sum(shares[g] for g in ("technical", "business", "dora")) / 3
    msg = msgs[p["score"]] if p["score"] != "all" else "; ".join(msgs[g] for g in ("technical", "business", "dora"))
    return Finding.ratio(shares[p["score"]], msg, where[:3])


# -- the bonus diagram -----------------------------------------------------------------------------
@detector(
    "loop-diagram",
    title="Bonus: the loop as a diagram",
    looks_for="A diagram of the whole loop, found by name (`bonus-diagram.png`, `*loop*`, `*infinity*`, "
    "`*lifecycle*`) or linked from the written work — never the pipeline's own picture: a real PNG, JPEG, "
    "GIF or WebP of at least 200×100 (full credit, marked for the instructor to view), or a mermaid, "
    "PlantUML, draw.io or SVG source that names at least `min_phases` phases and an arrow back to planning.",
    why="Drawing the loop — and the feedback that closes it — shows the whole cycle at a glance.",
    params={"min_phases": {"type": "integer", "minimum": 1, "maximum": 8}},
    defaults={"min_phases": 6},
)
def loop_diagram(sub, p):
    from grader.evidence.written import images

    candidates = images.loop_pictures(sub)
    if not candidates:
        return Finding.failed(f"no diagram found (add {EXERCISE_DIR}bonus-diagram.png, or link one from your Markdown)")
    best: Finding | None = None
    for rel in candidates:
        pic = images.picture(sub, rel)
        if pic is None:
            f = Finding.failed(f"{rel} is not a real image of a useful size", [loc(rel)])
        elif pic.text or pic.kind[:3] not in ("PNG", "JPE", "GIF", "Web"):
            text = pic.text
            named = {ph for ph in PHASES if re.search(rf"\b{ph}", text, re.I)}
            back = bool(re.search(r"monitor\w*[^\n]{0,80}(?:-->|->|→|=>)[^\n]{0,80}plan", text, re.I)) or \
                (pic.kind == "SVG" and "monitor" in text.lower() and "plan" in text.lower())
            share = min(1.0, len(named) / p["min_phases"]) * (1.0 if back else 0.6)
            f = Finding.ratio(share, f"{rel}: a diagram naming {plural(len(named), 'phase')}"
                              + ("" if back else ", with no arrow from monitoring back to planning"), [loc(rel)])
        else:
            f = _viewed(Finding.passed(f"{rel} ({pic.kind}): to be viewed by the instructor", [loc(rel)]), [loc(rel)])
        if best is None or f.fraction > best.fraction:
            best = f
    assert best is not None
    return best
