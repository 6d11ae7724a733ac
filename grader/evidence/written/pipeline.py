"""Task 3's pipeline design, read for what it says: its stages (list items, table rows, arrow
chains, mermaid or PlantUML nodes, stage headings — however long the explanation under them),
what happens when something fails (in any words), how the deploy is verified, and the signs of
a pipeline a team could run. Headings with nothing under them say nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.evidence import substance as sb
from grader.evidence.written import fingerprints as fp
from grader.evidence.written import lexicon, names
from grader.evidence.written.parts import cells
from grader.evidence.written.placement import placements
from grader.patterns import lazy

_LIST_ITEM = lazy(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_PLANTUML_ACTIVITY = lazy(r"^\s*:([^;\n]{1,120});\s*$")
_MERMAID_NODE = lazy(r"\b\w+\s*[\[({]{1,2}\"?([^\])}\n\"]{1,80})\"?[\])}]{1,2}")
_TABLE_SEP = lazy(r"^[ \t]*(?:\|[ \t]*)?:?-{2,}")
_HEAD_END = lazy(r"(?<!\s)\s*[:(]|(?<!\s)\s+[-–—]\s|\.\s|,\s")

FAIL = lazy(r"\bfail\w*|\bbroken\b|\bbreaks?\b|\bred\b|\berrors?\b|\bnot\s+pass|\bdoesn'?t\s+pass|\bdegrad\w*|"
                  r"\bunhealthy\b|\bregress\w*|\bproblems?\b|\bgoes\s+wrong|\bbad\s+(?:deploy|release|build|version)|"
                  r"\bdown\b|\bincident|\bvulnerab\w*|\bthreshold|\bexceed\w*|\bspike\w*|\b5xx\b", re.I)
ROLLBACK = lazy(
    r"roll\s?-?backs?|roll(?:s|ed|ing)?\s+back|revert\w*|\bundo\b|redeploy\w{0,8}\s+(?:the\s+)?(?:previous|last|old|prior)|"
    r"(?:previous|prior|last\s+(?:good|known|stable|working))\s+(?:version|tag|release|image|revision|slug|build|"
    r"deployment|state)|switch\w{0,8}\s+(?:traffic\s+)?back|abort\w{0,8}\s+(?:the\s+)?(?:rollout|canary|deploy\w*|release)|"
    r"kill[- ]?switch|(?:turn|switch|flip)\w{0,3}\s+(?:the\s+)?(?:\w+\s+)?(?:flag|toggle)\s+off|(?:flag|toggle)\s+off|"
    r"disabl\w{0,8}\s+the\s+(?:\w+\s+)?(?:flag|toggle|feature)|--atomic|rollout\s+undo|promote\w{0,8}\s+back|"
    r"restore\w{0,8}\s+(?:the\s+)?(?:previous|backup|snapshot)", re.I)
STOP = lazy(r"\bstops?\b|\bstopped\b|\bhalts?\b|\babort\w*|\bblock\w*|\bfails?\s+fast|\bdon'?t\s+run|"
                  r"\b(?:does|do|will)\s+not\s+(?:continue|proceed|run|deploy|start|merge|go)|\bwon'?t\s+(?:run|deploy|"
                  r"continue|merge|start|go)|\bnot\s+(?:merged|deployed|promoted|released)|\bcan'?t\s+(?:be\s+)?merg\w*|"
                  r"\bcannot\s+(?:be\s+)?(?:merg|deploy|promot)\w*|\bskip\w*|\bnotif\w*|\balert\w*|\bpag(?:e|ed|es)\b|"
                  r"\bmarked\s+(?:as\s+)?failed|\bgates?\b|\bstays?\s+(?:on|in)\b|\bnothing\s+(?:is\s+)?deployed|"
                  r"\bnever\s+(?:reaches|gets|goes)", re.I)
_FAIL_HEADING = lazy(r"fail|rollback|roll\s+back|gate|error|broken|recover|incident|what\s+if|when\s+things", re.I)
VERIFY = {
    "smoke or health check": lazy(r"smoke|health\s*-?checks?|healthz|readiness|liveness|rollout\s+status|synthetic|"
                                        r"e2e|end[- ]to[- ]end|post[- ]deploy\w*|verif\w*|probes?\b|\bping|sanity\s+check",
                                        re.I),
    "watching after the deploy": lazy(r"monitor\w*|watch\w*|error\s+rates?|latency|alerts?\b|dashboards?|metrics|"
                                            r"p9\d|5xx|grafana|datadog|prometheus|sentry|cloudwatch|canary\s+analysis|"
                                            r"analysis\s+(?:run|template)|observ\w*", re.I),
}
REALISM = {
    "trigger": lazy(r"trigger|on\s+(?:every\s+)?(?:push|commit|merge|pull\s+request|pr\b|tag)|push(?:es)?\s+to|"
                          r"pull\s+requests?|merge\s+requests?|on\s+tag|schedule|webhook|when\s+(?:a\s+)?(?:developer|dev)",
                          re.I),
    "gates": lazy(r"gate|approv|must\s+pass|required|threshold|coverage|quality|sign-?off|only\s+if|blocks?\s+the", re.I),
    "notifications": lazy(r"notif|slack|e-?mail|teams|page[sd]?\b|pagerduty|opsgenie|message|discord|alert", re.I),
    "environments": lazy(r"staging|production|\bprod\b|environment|canary|blue[- ]green|review\s+apps?|\bqa\s+env", re.I),
    "tools or timings": lazy(r"github\s+actions|gitlab|jenkins|circleci|argo|helm|kubectl|docker|terraform|ansible|flux|"
                                   r"azure\s+pipelines|codepipeline|cloud\s+build|heroku|\d+\s?(?:min|minutes|s|sec|seconds)\b",
                                   re.I),
}


# A pipeline told in sentences: the stages it names, one concept each.
PROSE_STAGES = {
    "lint": lazy(r"\blint\w*|\bformat(?:ting|ter)?\s+check|static\s+analysis|rubocop|eslint|ruff", re.I),
    "security scan": lazy(r"\bscan\w*|\bsecurity\s+(?:check|test|finding)|\baudit\b|snyk|trivy|brakeman|sast", re.I),
    "tests": lazy(r"\b(?:unit|integration|e2e|end-to-end)\s+tests?|\btest\s+suite|\bspecs?\b|\btests?\s+run|"
                        r"\bruns?\s+(?:the\s+)?tests|pytest|jest|rspec|junit", re.I),
    "build": lazy(r"\bbuil[dt]\w*\b|\bcompil\w*|\bpackag\w*", re.I),
    "publish": lazy(r"\bpush(?:ed|es)?\s+(?:it\s+)?to\s+(?:the\s+)?(?:registry|ecr|gcr|acr|ghcr|docker\s*hub|nexus)|"
                          r"\bpublish\w*", re.I),
    "deploy to staging": lazy(r"\bstaging\b", re.I),
    "smoke test": lazy(r"\bsmoke|\bhealth\s*checks?|\brollout\s+status", re.I),
    "approval": lazy(r"\bapprov\w*|\bsign-?off", re.I),
    "deploy to production": lazy(r"\bproduction\b|\bprod\b", re.I),
    "rollback": ROLLBACK,
}


@dataclass(slots=True)
class PipelineFacts:
    stages: list[str] = field(default_factory=list)
    prose_stages: set[str] = field(default_factory=set)  # stage words named only in sentences
    failure: float = 0.0  # 1 rolls back, 0.6 stops or alerts, 0 says nothing
    verified: list[str] = field(default_factory=list)
    real: list[str] = field(default_factory=list)
    copied: bool = False
    text: str = ""
    places: list[tuple[str, int]] = field(default_factory=list)


def content_lines(section) -> list[tuple[str, str]]:
    """(line, heading context) of the text under a place, headings left out; a heading whose
    section holds no text says nothing and is dropped."""
    out: list[tuple[str, str]] = []
    for s in section.walk():
        context = s.title if s.level else ""
        body = sb.without_placeholders(s.body)
        for line in body.split("\n"):
            if line.strip() and not sb.is_placeholder(line):
                out.append((line, context))
    return out


def content_text(section) -> str:
    return "\n".join(line for line, _ in content_lines(section))


def read(section_list: list) -> PipelineFacts:
    facts = PipelineFacts()
    lines: list[tuple[str, str]] = []
    titles: list[str] = []
    for section in section_list:
        lines += content_lines(section)
        titles += [s.title for s in section.walk() if s.level and s.body.strip() and not sb.is_placeholder(s.body)]
    text = "\n".join(line for line, _ in lines)
    facts.text = text
    facts.copied = fp.copied_share(text) >= 0.5
    for candidate in titles + _candidates(lines):
        head = _HEAD_END.split(candidate.strip(" `*_#>"), maxsplit=1)[0]
        words = head.split()
        if not words or not lexicon.STAGE.search(" ".join(words[:10])) or sb.is_placeholder(head):
            continue
        key = " ".join(sb.words(" ".join(words[:10]))[:4])
        if key and key not in facts.stages:
            facts.stages.append(key)
    if not facts.stages:
        facts.prose_stages = {concept for concept, rx in PROSE_STAGES.items() if rx.search(text)}
    for line, context in lines:
        for sentence in re.split(r"(?<=[.!?;])\s+|(?<!\s)\s+↓\s+", line):
            failing = FAIL.search(sentence) or _FAIL_HEADING.search(context)
            if ROLLBACK.search(sentence):
                facts.failure = 1.0
            elif failing and STOP.search(sentence):
                facts.failure = max(facts.failure, 0.6)
    facts.verified = [name for name, rx in VERIFY.items() if rx.search(text)]
    facts.real = [name for name, rx in REALISM.items() if rx.search(text)]
    return facts


def _candidates(lines: list[tuple[str, str]]) -> list[str]:
    """Things a pipeline's stages are written as: list items, table rows, arrow chains, nodes."""
    out: list[str] = []
    for line, _context in lines:
        if names.ARROW.search(line) or "↓" in line:
            nodes = _MERMAID_NODE.findall(line) if re.search(r"-->|---|==>|-\.->|^\s*\w+\s*[\[({]", line) else []
            chain = re.sub(r"^\s*[A-Za-z][\w ]{0,20}:\s+(?=\S)", "", line)  # "Stages: a → b"
            out += nodes or [s for s in re.split(r"→|->|⟶|➜|=>|⇒|-->|↓", chain) if s.strip()]
            continue
        m = _LIST_ITEM.match(line)
        activity = _PLANTUML_ACTIVITY.match(line)
        if m:
            out.append(m.group(1))
        elif activity:
            out.append(activity.group(1))
        elif line.strip().startswith("|") and not _TABLE_SEP.match(line):
            out.append(cells(line)[0])
        elif re.match(r"^\s*(?:stage|step|phase)\s*\d+\b", line, re.I):
            out.append(re.sub(r"^\s*(?:stage|step|phase)\s*\d+\s*[:.)–—-]?\s*", "", line, flags=re.I))
    return out


def pipeline(sub) -> PipelineFacts:
    """The pipeline design's facts (cached)."""
    cached = sub.memo("written:pipeline")
    if cached is not None:
        return cached
    places = placements(sub)[3]
    facts = read([p.section for p in places])
    facts.places = [(p.rel, p.line) for p in places]
    return sub.memo("written:pipeline", facts)
