"""The written deliverables of Exercise 4.1, judged for substance in whatever layout they come:
the loop mapping (per phase), the feedback loops, the pipeline design, the success metrics and
the bonus diagram. The units are found by :mod:`grader.evidence.written`."""

from __future__ import annotations

import re
import struct

from grader.detectors import detector
from grader.detectors.common import loc, plural
from grader.evidence import substance as sb
from grader.evidence import written
from grader.model import PHASES, Finding

SCORED_PARTS = ["activities", "roles", "tools", "duration", "automation"]
PART_TITLES = {"activities": "What Happens", "roles": "Who is Involved", "tools": "Tools Used",
               "duration": "Duration", "deliverable": "Deliverable", "automation": "Automation Opportunities"}
PHASE_NUMBER = {p: i + 1 for i, p in enumerate(PHASES)}

# The smallest example of a good answer, for the curriculum's feature (our own words).
EXAMPLES: dict[str, dict[str, str]] = {
    "plan": {"activities": "split the reminder into stories (24 h trigger, 10% code, opt-out) with acceptance criteria",
             "roles": "product manager, tech lead", "tools": "Jira", "duration": "2 days",
             "automation": "an issue template that asks for acceptance criteria"},
    "code": {"activities": "write the abandoned-cart query and the coupon generator with their tests, on short branches",
             "roles": "two developers", "tools": "GitHub, VS Code", "duration": "1 week",
             "automation": "pre-commit hooks run the linter on every commit"},
    "build": {"activities": "CI installs dependencies and builds the reminder image tagged with the commit SHA",
              "roles": "CI, no one by hand", "tools": "GitHub Actions, Docker", "duration": "6 minutes",
              "automation": "the build runs on every push"},
    "test": {"activities": "tests check one reminder per abandoned cart and that the code expires after 48 h",
             "roles": "developers, QA", "tools": "pytest", "duration": "10 minutes",
             "automation": "tests gate every merge"},
    "release": {"activities": "tag v1.2.0 and publish notes for the reminder emails",
                "roles": "tech lead", "tools": "git tags, GitHub Releases", "duration": "30 minutes",
                "automation": "release notes generated from merged pull requests"},
    "deploy": {"activities": "roll the reminder service out to staging, smoke-test one email, then production",
               "roles": "SRE", "tools": "Kubernetes, Helm", "duration": "40 minutes",
               "automation": "automatic rollback when the smoke test fails"},
    "operate": {"activities": "keep the email workers up at sales peaks and follow the 'emails delayed' runbook",
                "roles": "on-call engineer", "tools": "Kubernetes HPA, PagerDuty", "duration": "continuous",
                "automation": "autoscale the workers on queue length"},
    "monitor": {"activities": "watch send errors, opens, clicks and recovered carts",
                "roles": "SRE, product manager", "tools": "Prometheus, Grafana", "duration": "real time, reviewed weekly",
                "automation": "alert when send errors pass 2% for 10 minutes"},
}
_CLAIMS = {
    "ci": re.compile(r"github actions|gitlab|jenkins|circleci|azure pipelines|\bci\b|pipeline", re.I),
    "kubernetes": re.compile(r"kubernetes|\bk8s\b|helm|kubectl|argo", re.I),
    "prometheus": re.compile(r"prometheus|grafana|alertmanager|alert rule", re.I),
}


def _no_writing(what: str) -> Finding:
    files = ", ".join(f"`{f}`" for f in ("task1-loop-mapping.md", "task2-feedback-loops.md",
                                        "task3-pipeline-design.md", "task4-success-metrics.md"))
    return Finding.failed(f"no {what} found: the written work goes in {written.EXERCISE_DIR} "
                          f"({files}, or one file with a section per task; `loopcheck init` writes the templates)",
                          [loc(written.EXERCISE_DIR)])


# -- Task 1 --------------------------------------------------------------------------------------
def _judge_part(part: str, text: str, vocabulary, repeated: set[str]) -> str | None:
    """None when the part is an answer, else why not."""
    if sb.is_placeholder(text):
        return "still a placeholder" if text.strip() else "empty"
    if sb.is_copied(text):
        return "copied from the lesson"
    key = sb.normalised(text)
    if key in repeated:
        return "the same text as in other phases"
    content = sb.substantive(text)
    if part == "duration":
        return None if sb.has_time(text) else "no time given (say how long: '2 days', '10 minutes')"
    if part == "roles":
        named = [w for w in sb.words(text) if w not in _VAGUE_ROLES]
        return None if named else "too vague to name anyone"
    if part == "tools":
        return None if content else "too vague to name a tool"
    if part == "activities":
        if len(content) < 3:
            return "too short to say what happens"
        if len(content) >= 6 or sb.mentions(text, vocabulary):
            return None
        return "too generic: it never mentions the feature"
    if part == "automation":
        return None if len(content) >= 2 else "too vague to say what to automate"
    return None if content else "empty"


_VAGUE_ROLES = frozenset("""the a an all of some various different people person team teams everyone everybody
someone somebody anyone staff members member they them who are is involved in way basically part whole and
or any many""".split())


def _repeated_texts(units: dict[str, written.Unit]) -> set[str]:
    """Normalised part texts of four words or more that appear in two phases or more."""
    seen: dict[str, set[str]] = {}
    for phase, unit in units.items():
        for text, _line in unit.parts.values():
            key = sb.normalised(text)
            if len(key.split()) >= 4:
                seen.setdefault(key, set()).add(phase)
    return {k for k, phases in seen.items() if len(phases) >= 2}


def _mapping_context(sub):
    cached = sub.memo("written:mapping-context")
    if cached is None:
        units = written.phase_units(sub)
        intro = written.intro_text(written.deliverables(sub)[1])
        cached = sub.memo("written:mapping-context", (units, sb.feature_vocabulary(intro), _repeated_texts(units)))
    return cached


@detector(
    "mapping-section",
    title="Loop mapping: one phase",
    looks_for="The loop mapping's unit for `phase` — a heading naming it (`## Phase 3: BUILD`, "
    "`Stage 3 – Build`, `3. Build`, `### Build`), a table row or column — and in it each of `parts` "
    "(activities, roles, tools, duration, automation; also deliverable), given as sub-headings, "
    "`**Label**:` or plain `Label:` lines, list labels or table columns under their usual names "
    "(What happens / Activities, Who / People / Roles, Tools, Duration / Time / Estimate, "
    "Automation…). One share of the credit per part that is a real answer: short answers count "
    "(\"Tech Lead\", \"Jira\"), a duration needs a time, what happens must be about the feature; "
    "placeholders, text copied from the lesson and the same text repeated across phases don't.",
    why="Mapping one feature through every phase — what happens, who, with which tools, how "
    "long, what to automate — is the point of Exercise 4.1.",
    params={"phase": {"enum": list(PHASES)},
            "parts": {"type": "array", "minItems": 1, "uniqueItems": True,
                      "items": {"enum": list(written.MAPPING_PARTS)}}},
    defaults={"parts": SCORED_PARTS},
    required=("phase",),
)
def mapping_section(sub, p):
    phase = p["phase"]
    if not written.deliverables(sub)[1]:
        return _no_writing("loop mapping (Task 1)")
    units, vocabulary, repeated = _mapping_context(sub)
    unit = units.get(phase)
    if unit is None:
        files = sorted({rel for rel, _ in written.deliverables(sub)[1]})
        found = ", ".join(p_.title() for p_ in PHASES if p_ in units) or "no phase"
        return Finding.failed(
            f"no part of {', '.join(files)} is about the {phase.upper()} phase (found: {found}); expected a "
            f"heading naming it (`## Phase {PHASE_NUMBER[phase]}: {phase.upper()}`, `Stage {PHASE_NUMBER[phase]} – "
            f"{phase.title()}`, `### {phase.title()}`) or a table row for it", [loc(files[0], 1)])
    credits, notes = [], []
    for part in p["parts"]:
        value = unit.parts.get(part)
        if value is None:
            example = EXAMPLES.get(phase, {}).get(part)
            notes.append(f"{PART_TITLES[part]} missing" + (f" (e.g. \"{example}\")" if example else ""))
            credits.append((part, 0.0))
            continue
        why = _judge_part(part, value[0], vocabulary, repeated)
        credits.append((part, 0.0 if why else 1.0))
        if why:
            example = EXAMPLES.get(phase, {}).get(part)
            notes.append(f"{PART_TITLES[part]}: {why}" + (f" (e.g. \"{example}\")" if example and part != "duration" else ""))
    got = sum(c for _, c in credits)
    msg = f"{plural(int(got), 'part')} of {len(credits)} answered in `{_short(unit.title)}`"
    if notes and all(n.endswith("still a placeholder") or "still a placeholder (" in n for n in notes) and not got:
        msg += ": every part is still the template's placeholder (replace each [Your answer] with your own words)"
    elif notes:
        msg += "; " + "; ".join(notes)
    claims = tuple(name for name, rx in _CLAIMS.items()
                   if any(rx.search(unit.parts.get(part, ("", 0))[0]) for part in ("tools", "automation")))
    finding = Finding.ratio(got / len(credits), msg, [loc(unit.rel, unit.line)])
    return Finding(finding.status, finding.fraction, finding.message, finding.evidence,
                   parts=tuple(credits), claims=claims)


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# -- Task 2 --------------------------------------------------------------------------------------
_CHANNEL = re.compile(r"slack|teams|e-?mail|dashboard|alert|page[sd]?\b|pager|ticket|jira|issue|pull request|\bpr\b|"
                      r"merge request|check|notif|meeting|review|report|retro|stand-?up|comment|chat|channel|"
                      r"message|call|log|console|pipeline|red|survey|support|analytics|call", re.I)


_LOOP_PREFIX = re.compile(r"^\W*loop\s*\d*\s*[:.)–—-]?\s*", re.I)
_LOOP_WORDS = frozenset("feedback flows flow back information info loop loops communicated speed example scenario".split())


def _loop_judgement(unit: written.Unit):
    """(has content, explained, has speed) for one loop."""
    parts = unit.parts
    body = " ".join(t for t, _ in parts.values()) if parts else unit.text.replace(unit.title, " ", 1)
    if sb.is_placeholder(body) or sb.is_copied(body):
        return False, False, False
    content = len([w for w in sb.substantive(body) if w not in _LOOP_WORDS]) >= 3
    info = parts.get("info", ("", 0))[0]
    how = parts.get("how", ("", 0))[0]
    if not parts:  # free text: the explanation must say what comes back and through what
        info, how = body, (body if _CHANNEL.search(body) else "")
    explained = (len(sb.substantive(info)) >= 2 and not sb.is_copied(info)
                 and bool(how.strip()) and bool(_CHANNEL.search(how) or len(sb.substantive(how)) >= 2)
                 and not re.search(r"different ways|depending on|some way", how, re.I))
    speed_text = parts.get("speed", ("", 0))[0] if parts else body
    speed = bool(written._SPEED_WORDS.search(speed_text))
    return content, explained, speed


@detector(
    "feedback-loops",
    title="Feedback loops",
    looks_for="In the feedback-loops deliverable, loops written as headings, table rows or list "
    "items with an arrow between two stages or roles (`Monitor → Plan`, `QA (staging) -> Plan`), "
    "each with what flows back, how it is communicated, its speed (Immediate, Minutes, Hours, "
    "Days…) and an example. `score` picks what is credited: `loops` (named loops up to `min_loops`; "
    "a loop with nothing said about it counts half), `explained` (what flows back and how), "
    "`speed`, or `all` (half, a quarter, a quarter).",
    why="Feedback is what makes the loop a loop: monitoring and incidents flowing back into "
    "planning is how a team learns.",
    params={"min_loops": {"type": "integer", "minimum": 1, "maximum": 50},
            "score": {"enum": ["loops", "explained", "speed", "all"]}},
    defaults={"min_loops": 5, "score": "all"},
)
def feedback_loops(sub, p):
    if not written.deliverables(sub)[2]:
        return _no_writing("feedback loops (Task 2)")
    units = [u for u in written.loop_units(sub)
             if not sb.is_placeholder(_LOOP_PREFIX.sub("", written.ARROW.sub(" ", u.title), count=1))]
    if not units:
        files = sorted({rel for rel, _ in written.deliverables(sub)[2]})
        return Finding.failed(f"no feedback loop found in {', '.join(files)}: expected loops written like "
                              f"`## Loop 1: Monitor → Plan`, a table row or a list item with an arrow", [loc(files[0], 1)])
    judged = sub.memo("written:loops-judged")
    if judged is None:
        judged = sub.memo("written:loops-judged", [_loop_judgement(u) for u in units])
    target = p["min_loops"]
    counted = sum(1.0 if content else 0.5 for content, _, _ in judged)
    explained = sum(1 for _, e, _ in judged if e)
    speeds = sum(1 for _, _, s in judged if s)
    shares = {"loops": min(1.0, counted / target), "explained": min(1.0, explained / target),
              "speed": min(1.0, speeds / target)}
    shares["all"] = 0.5 * shares["loops"] + 0.25 * shares["explained"] + 0.25 * shares["speed"]
    hollow = sum(1 for content, _, _ in judged if not content)
    msg = (f"{plural(len(units), 'loop')} (needs {target}): {explained} say what flows back and how, "
           f"{speeds} give a speed")
    if hollow:
        msg += f"; {hollow} with nothing said about them (or copied), counted half"
    return Finding.ratio(shares[p["score"]], msg, [loc(u.rel, u.line) for u in units[:3]])


# -- Task 3 --------------------------------------------------------------------------------------
_STAGE = re.compile(r"\b(checkout|install|lint|linting|format|compile|build|unit|test|tests|integration|e2e|"
                    r"end-to-end|scan|security|sast|package|publish|push|registry|deploy|deployment|staging|"
                    r"production|prod|release|tag|approval|approve|gate|smoke|canary|rollout|roll-out|verify|"
                    r"verification|monitor|health|notify|sign|migrate|migration|archive)\b", re.I)
_PLANTUML_ACTIVITY = re.compile(r"^\s*:([^;\n]{1,80});\s*$")
_MERMAID_NODE = re.compile(r"\b\w+\s*[\[(]{1,2}([^\])\n]{1,60})[\])]{1,2}")
_FAIL_ROLLBACK = re.compile(r"roll\s?-?back|roll(?:s|ed|ing) back|revert|rollout undo|switch (?:traffic )?back|keeps? the previous|"
                            r"previous version|abort(?:s|ed)? the rollout|undo", re.I)
_FAIL_STOP = re.compile(r"\bstops?\b|\bhalts?\b|fail(?:s)? fast|\bblocks?\b|does not (?:continue|proceed)|"
                        r"\babort", re.I)
_VERIFY = {
    "smoke or health check": re.compile(r"smoke|health ?check|healthz|readiness|rollout status", re.I),
    "watching after the deploy": re.compile(r"monitor|watch|error rate|latency|canary analysis|post-deploy|"
                                            r"verif|alert|dashboard", re.I),
}
_REALISM = {
    "trigger": re.compile(r"trigger|on (?:every )?(?:push|commit|merge|pull request|pr\b|tag)|push(?:es)? to|"
                          r"pull requests?|merge requests?|on tag|schedule", re.I),
    "gates": re.compile(r"gate|approv|must pass|required|threshold|coverage|quality", re.I),
    "notifications": re.compile(r"notif|slack|e-?mail|teams|page[sd]?\b|pagerduty|opsgenie|message", re.I),
    "environments": re.compile(r"staging|production|\bprod\b|environment|canary|blue[- ]green", re.I),
    "tools or timings": re.compile(r"github actions|gitlab|jenkins|circleci|argo|helm|kubectl|docker|terraform|"
                                   r"ansible|flux|\d+\s?(?:min|minutes|s|sec)\b", re.I),
}


def _pipeline(sub):
    """(stages, all text, where) of the pipeline design (cached)."""
    cached = sub.memo("written:pipeline")
    if cached is not None:
        return cached
    places = written.task_text(sub, 3)
    text = sb.without_placeholders("\n".join(t for _, _, t in places))
    stages: list[str] = []
    for line in text.split("\n"):
        candidates: list[str] = []
        if "-->" in line or "->" in line or "→" in line or "=>" in line:
            nodes = _MERMAID_NODE.findall(line)
            candidates += nodes or [s for s in written.ARROW.split(line) if s.strip()]
        else:
            m = written._LIST_ITEM.match(line)
            activity = _PLANTUML_ACTIVITY.match(line)
            if m:
                candidates.append(m.group(1))
            elif activity:
                candidates.append(activity.group(1))
            elif line.strip().startswith("|") and not written._TABLE_SEP.match(line):
                candidates.append(written._cells(line)[0])
        for c in candidates:
            c = c.strip(" `*_.:")
            if c and len(c.split()) <= 14 and _STAGE.search(c) and not sb.is_placeholder(c):
                key = " ".join(sb.words(c)[:4])
                if key and key not in stages:
                    stages.append(key)
    result = (stages, text, places)
    return sub.memo("written:pipeline", result)


@detector(
    "pipeline-design",
    title="CI/CD pipeline design",
    looks_for="The pipeline-design deliverable, as lists, tables, code blocks, arrow chains, mermaid "
    "or PlantUML: `score` picks what is credited — `stages` (distinct stage items such as build, "
    "test, scan, deploy to staging, smoke test, up to `min_stages`; stages only named in prose count "
    "half), `failure` (a rollback or revert on failure; stopping the pipeline alone earns 60%), "
    "`verification` (a smoke or health check, and watching error rates or alerts after the deploy), "
    "`realistic` (a trigger, gates, notifications, environments, named tools or timings), or `all`. "
    "A `diagram` image instead of Markdown earns `diagram_credit`, marked for the instructor to view.",
    why="Designing the pipeline end to end — what triggers it, what stops it, how it recovers — "
    "is how a team turns the loop into automation.",
    params={"score": {"enum": ["stages", "failure", "verification", "realistic", "all"]},
            "min_stages": {"type": "integer", "minimum": 1, "maximum": 50},
            "diagram": {"type": "string", "minLength": 1, "pattern": r"^[^/].*$"},
            "diagram_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"score": "all", "min_stages": 5, "diagram": written.EXERCISE_DIR + "task3-pipeline-design.png",
              "diagram_credit": 0.8},
)
def pipeline_design(sub, p):
    if not written.deliverables(sub)[3]:
        if sub.exists(p["diagram"]):
            image = _image(sub, p["diagram"])
            if image:
                return Finding.ratio(p["diagram_credit"], f"pipeline diagram {p['diagram']} ({image}): "
                                     "to be viewed by the instructor", [loc(p["diagram"])])
            return Finding.failed(f"{p['diagram']} is not a real image", [loc(p["diagram"])])
        return _no_writing("pipeline design (Task 3)")
    stages, text, places = _pipeline(sub)
    where = [loc(rel, line) for rel, line, _ in places[:1]]
    if sb.is_copied(text, 0.4):
        return Finding.failed("the pipeline design is mostly the lesson's own example, copied", where)
    score = p["score"]
    prose = {m.lower() for m in _STAGE.findall(text)} if not stages else set()
    n = len(stages) + 0.5 * len(prose & {"build", "test", "tests", "deploy", "release", "scan", "lint"})
    stage_share = min(1.0, n / p["min_stages"])
    failure = 1.0 if _FAIL_ROLLBACK.search(text) else (0.6 if _FAIL_STOP.search(text) else 0.0)
    verified = [name for name, rx in _VERIFY.items() if rx.search(text)]
    real = [name for name, rx in _REALISM.items() if rx.search(text)]
    shares = {"stages": stage_share, "failure": failure, "verification": len(verified) / len(_VERIFY),
              "realistic": min(1.0, len(real) / 4)}
    shares["all"] = 0.4 * shares["stages"] + 0.2 * (shares["failure"] + shares["verification"] + shares["realistic"])
    msgs = {
        "stages": f"{plural(len(stages), 'stage')} listed" + (f" ({', '.join(stages[:8])})" if stages else
                                                               ", only named in prose" if prose else ""),
        "failure": {1.0: "failure handling with a rollback", 0.6: "the pipeline stops on failure, but nothing rolls back",
                    0.0: "nothing says what happens when a stage or the deploy fails"}[failure],
        "verification": f"verification: {', '.join(verified)}" if verified else
        "nothing verifies the deploy (a smoke test, watching error rates or alerts)",
        "realistic": f"{len(real)} of 5 signs of a real pipeline ({', '.join(real) or 'none'})"
        + ("" if len(real) >= 4 else f"; missing: {', '.join(n_ for n_ in _REALISM if n_ not in real)}"),
    }
    msg = msgs[score] if score != "all" else "; ".join(msgs.values())
    return Finding.ratio(shares[score], msg, where)


# -- Task 4 --------------------------------------------------------------------------------------
_METRIC_GROUPS = {
    "technical": re.compile(r"technical|system|performance|reliability|engineering|operational|sre", re.I),
    "business": re.compile(r"business|product|customer|user|commercial|marketing", re.I),
    "dora": re.compile(r"dora|delivery|four key", re.I),
}
_DORA = {
    "lead time": re.compile(r"lead\s*time", re.I),
    "deployment frequency": re.compile(r"deploy(?:ment)?s?\s*frequency|frequency of deploy|deploy(?:s)? per", re.I),
    "change failure rate": re.compile(r"change\s*fail(?:ure)?\s*rate|failed changes", re.I),
    "time to restore": re.compile(r"time\s*to\s*(?:restore|recover)|mttr|mean\s*time\s*to\s*(?:restore|recover|repair)", re.I),
}
_TARGET = re.compile(r"\d|<|>|≤|≥|\b(?:daily|weekly|hourly|monthly|per (?:day|week|hour)|on demand|several|"
                     r"multiple|once|twice|under|below|above|at least|at most)\b", re.I)


_METRIC_LABELS = {
    "technical": ("technical", "technical metrics", "system metrics", "performance metrics", "reliability metrics"),
    "business": ("business", "business metrics", "product metrics", "customer metrics", "user metrics"),
    "dora": ("dora", "dora metrics", "delivery metrics", "four key metrics"),
}


def _metric_groups(sub) -> dict[str, list[tuple[str, str, int]]]:
    """group -> [(metric text, file, line)]: items under a heading, label or table type naming the group."""
    cached = sub.memo("written:metrics")
    if cached is not None:
        return cached
    groups: dict[str, list[tuple[str, str, int]]] = {g: [] for g in _METRIC_GROUPS}
    for rel, sec in written.deliverables(sub)[4]:
        for s in sec.walk():
            group = next((g for g, rx in _METRIC_GROUPS.items() if s.level and rx.search(s.title)), None)
            base = s.line + 1 if s.level else 1
            if group:
                items = _items(s.all_text()) or ([s.all_text()] if s.all_text().strip() else [])
                if group == "dora" and s.children:
                    items = [c.title + ": " + c.all_text() for c in s.children if not sb.is_placeholder(c.all_text())]
                    items += _items(s.body)
                groups[group] += [(i, rel, s.line) for i in items]
            # label lines: **Technical:** a; b; c (continued on the next lines)
            for label, (value, line) in written.label_parts(s.body, base, _METRIC_LABELS).items():
                groups[label] += [(x.strip(), rel, line) for x in re.split(r";|\n[ \t]*[-*]\s|,(?=\s*[A-Za-z])", value)
                                  if x.strip()]
            for table in written.tables(s.body, base):
                head = [h.lower() for h in table.header]
                type_col = next((i for i, h in enumerate(head) if h in ("type", "category", "kind", "group")), None)
                for line, cells in table.rows:
                    if type_col is not None and type_col < len(cells):
                        g = next((g for g, rx in _METRIC_GROUPS.items() if rx.search(cells[type_col])), None)
                        if g:
                            groups[g].append((" ".join(c for i, c in enumerate(cells) if i != type_col), rel, line))
    return sub.memo("written:metrics", groups)


def _items(text: str) -> list[str]:
    return [m.group(1) for line in text.split("\n") if (m := written._LIST_ITEM.match(line))]


@detector(
    "success-metrics",
    title="Success metrics",
    looks_for="The success-metrics deliverable: `score` picks what is credited — `technical` and "
    "`business` (metrics under a heading, label or table type naming the group, full credit for "
    "`min_metrics` with a target such as `< 1%` or `99.9%`, less without targets), `dora` (lead time "
    "for changes, deployment frequency, change failure rate and time to restore — under their own "
    "headings, in a table or a list — a quarter each, less without a target), or `all`.",
    why="What gets measured gets improved: technical, business and delivery (DORA) metrics "
    "show whether the feature — and the team's loop — work.",
    params={"score": {"enum": ["technical", "business", "dora", "all"]},
            "min_metrics": {"type": "integer", "minimum": 1, "maximum": 20}},
    defaults={"score": "all", "min_metrics": 2},
)
def success_metrics(sub, p):
    places = written.deliverables(sub)[4]
    if not places:
        return _no_writing("success metrics (Task 4)")
    groups = _metric_groups(sub)
    full_text = sb.without_placeholders("\n".join(t for _, _, t in written.task_text(sub, 4)))
    where = [loc(places[0][0], 1)]
    shares, msgs = {}, {}
    for g in ("technical", "business"):
        copied = sb.is_copied("\n".join(t for t, _, _ in groups[g]))
        items = [(t, r, ln) for t, r, ln in groups[g] if not copied and not sb.is_placeholder(t)
                 and not sb.is_copied(t) and len(sb.substantive(t)) >= (1 if _TARGET.search(t) else 2)]
        with_target = [i for i in items if _TARGET.search(i[0])]
        share = min(1.0, len(with_target) / p["min_metrics"]) if with_target else 0.0
        if len(with_target) < p["min_metrics"] and items:
            share = max(share, 0.4 * min(1.0, len(items) / p["min_metrics"]) + 0.6 * len(with_target) / p["min_metrics"])
        shares[g] = min(1.0, share)
        msgs[g] = (f"{g}: {plural(len(items), 'metric')}, {len(with_target)} with a target" if items
                   else f"{g}: no metrics found (a heading, label or table type `{g.title()}` with measurable items)")
        if items:
            where.append(loc(items[0][1], items[0][2]))
    dora_text = sb.without_placeholders("\n".join(t for t, _, _ in groups["dora"])) or full_text
    named, targeted = [], []
    if not sb.is_copied(dora_text, 0.4):
        for name, rx in _DORA.items():
            m = rx.search(dora_text)
            if m:
                named.append(name)
                line = dora_text[m.start(): dora_text.find("\n", m.end()) if "\n" in dora_text[m.end():] else len(dora_text)]
                after = dora_text[m.end(): m.end() + 120]
                if _TARGET.search(line[len(m.group()):]) or _TARGET.search(after.split("\n\n")[0]):
                    targeted.append(name)
    shares["dora"] = (len(targeted) + 0.4 * (len(named) - len(targeted))) / 4
    lacking = [n for n in _DORA if n not in named]
    msgs["dora"] = f"DORA: {len(named)} of 4 named, {len(targeted)} with a target" + (
        f" (missing: {', '.join(lacking)})" if lacking else "")
    shares["all"] = sum(shares[g] for g in ("technical", "business", "dora")) / 3
    msg = msgs[p["score"]] if p["score"] != "all" else "; ".join(msgs[g] for g in ("technical", "business", "dora"))
    return Finding.ratio(shares[p["score"]], msg, where[:3])


# -- the bonus diagram -----------------------------------------------------------------------------
_IMAGE_LINK = re.compile(r"!\[[^\]\n]{0,200}\]\(\s*<?([^)\s>]+)>?")
_DIAGRAM_NAME = re.compile(r"(^|/)[^/]*(diagram|loop|infinity|lifecycle)[^/]*\.(png|jpe?g|svg|mmd|mermaid|puml|plantuml|drawio)$", re.I)
_TEXT_DIAGRAM = (".mmd", ".mermaid", ".puml", ".plantuml", ".drawio", ".svg")


def _image(sub, rel: str) -> str | None:
    """``"PNG 600×300"`` for a real raster image of a useful size, else None."""
    data = sub.read_bytes(rel, 20_000_000) or b""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 33 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return f"PNG {w}×{h}" if w >= 200 and h >= 100 else None
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker, size = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return f"JPEG {w}×{h}" if w >= 200 and h >= 100 else None
            i += 2 + size
    return None


def _diagram_candidates(sub) -> list[str]:
    found = [f for f in sub.files if _DIAGRAM_NAME.search(f) and (f.startswith(written.EXERCISE_DIR) or "bonus" in f.lower())]
    for rel in written.exercise_files(sub):
        for m in _IMAGE_LINK.finditer(sub.read_text(rel) or ""):
            target = m.group(1).split("#")[0]
            base = rel.rsplit("/", 1)[0]
            path = target.lstrip("/") if target.startswith("/") else f"{base}/{target}"
            parts: list[str] = []
            for piece in path.split("/"):
                if piece == "..":
                    if parts:
                        parts.pop()
                elif piece not in ("", "."):
                    parts.append(piece)
            norm = "/".join(parts)
            if sub.exists(norm) and norm not in found:
                found.append(norm)
    return found


@detector(
    "loop-diagram",
    title="Bonus: the loop as a diagram",
    looks_for="A diagram of the whole loop, found by name (`bonus-diagram.png`, `*loop*`, "
    "`*diagram*` in the exercise folder) or linked from the written work: a real PNG or JPEG of at "
    "least 200×100 (full credit, marked for the instructor to view), or a mermaid, PlantUML, "
    "draw.io or SVG source that names at least `min_phases` phases and an arrow back to planning.",
    why="Drawing the loop — and the feedback that closes it — shows the whole cycle at a glance.",
    params={"min_phases": {"type": "integer", "minimum": 1, "maximum": 8}},
    defaults={"min_phases": 6},
)
def loop_diagram(sub, p):
    candidates = _diagram_candidates(sub)
    if not candidates:
        return Finding.failed(f"no diagram found (add {written.EXERCISE_DIR}bonus-diagram.png, or link one from your Markdown)")
    best: Finding | None = None
    for rel in candidates:
        if rel.lower().endswith(_TEXT_DIAGRAM):
            text = sub.read_text(rel) or ""
            named = {ph for ph in PHASES if re.search(rf"\b{ph}", text, re.I)}
            back = bool(re.search(r"monitor\w*[^\n]{0,80}(?:-->|->|→|=>)[^\n]{0,80}plan", text, re.I))
            share = min(1.0, len(named) / p["min_phases"]) * (1.0 if back else 0.6)
            f = Finding.ratio(share, f"{rel}: a diagram source naming {plural(len(named), 'phase')}"
                              + ("" if back else ", with no arrow from monitoring back to planning"), [loc(rel)])
        else:
            image = _image(sub, rel)
            f = (Finding.passed(f"{rel} ({image}): to be viewed by the instructor", [loc(rel)]) if image
                 else Finding.failed(f"{rel} is not a real image of a useful size", [loc(rel)]))
        if best is None or f.fraction > best.fraction:
            best = f
    assert best is not None
    return best

