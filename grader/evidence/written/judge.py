"""Is a part of the written work an answer? Placeholders, template text, the course's own text
copied or reworded, the same text in every phase, and generic text — text that could be pasted
unchanged into any feature's mapping, however often it names the feature — are not; a short
precise answer ("Tech Lead", "Jira", "1 day") is. Nothing here gives points."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.evidence import substance as sb
from grader.evidence.written import fingerprints as fp
from grader.evidence.written import lexicon
from grader.evidence.written.parts import Part, Unit
from grader.patterns import lazy

# The curriculum's feature: the words of its name, and the words particular to it.
SCENARIO_NAME = frozenset("""shopping cart carts abandonment abandoned abandon email emails e-mail mail mails reminder
reminders feature features shopnow""".split())
SCENARIO_SPECIFIC = frozenset("""discount discounts coupon coupons voucher vouchers promo promotion promotions
opt opt-out optout opted unsubscribe unsubscribed unsubscribes checkout conversion conversions recovered revenue click clicks clicked ctr spam bounce bounces inbox basket baskets expiry expires expiring expired
single-use""".split())
_TITLE_NOISE = frozenset("""devops loop loops mapping map mapped exercise task tasks module through the a an of for
our my and to in phase phases eight infinity lesson feature""".split())
_CODE_TOKEN = lazy(r"`[^`\n]{2,60}`|\b[a-z]+_[a-z0-9_]+\b|\b[a-z]+[A-Z]\w+\b|\b\w+\.(?:py|js|ts|yml|yaml|json|sql|"
                         r"go|java|rb|sh|tf|md)\b|(?<!\w)/[a-z][\w/-]{2,}")
_NUMBER = lazy(r"(?<![\w.])(?:\$|€|£)?\d+(?:[.,]\d+)?\s*(?:%|k\b|ms\b|s\b|h\b|d\b|x\b|[a-z]{0,8})", re.I)
_WORDS = lazy(r"[A-Za-z][A-Za-z'-]+")


@dataclass(frozen=True, slots=True)
class Feature:
    """The feature the learner mapped: its name's words, and the words particular to it."""

    title: str
    name: frozenset[str]
    specific: frozenset[str]
    scenario: bool


def feature_of(title: str, intro: str, unit_texts: list[str]) -> Feature:
    """The learner's feature, from the mapping's title and introduction: its name, and the
    words of the introduction that recur across its phases (never the course's own words)."""
    low = (title + "\n" + intro + "\n" + "\n".join(unit_texts)).lower()
    scenario = sum(1 for w in ("cart", "abandon", "remind", "discount", "coupon", "shopnow") if w in low) >= 2
    name = {w for w in (x.lower() for x in _WORDS.findall(title)) if w not in _TITLE_NOISE and w not in fp.STOP}
    if scenario:
        name |= SCENARIO_NAME
    seen: dict[str, int] = {}
    for text in unit_texts:
        for w in {x.lower() for x in _WORDS.findall(text) if len(x) >= 3}:
            seen[w] = seen.get(w, 0) + 1
    told = {x.lower() for x in _WORDS.findall(intro) if len(x) >= 3}
    own = {w for w in told if seen.get(w, 0) >= 2 and w not in name and w not in lexicon.FILLER and w not in fp.STOP
           and w not in sb.GENERIC and not lexicon.ROLE.fullmatch(w) and not fp.in_course(w)}
    specific = own | (SCENARIO_SPECIFIC if scenario else frozenset())
    return Feature(title.strip(), frozenset(name), frozenset(specific), scenario)


_PROPER = lazy(r"(?<=[a-z,;(] )([A-Z][a-z]+[A-Za-z]*)")
_NUMBERING = lazy(r"(?m)^[ \t]*(?:[-*+][ \t]+)?\d{1,3}[.)][ \t]")


def markers(text: str, feature: Feature, phase: str | None = None, *, strict: bool = False) -> list[str]:
    """What in the text is particular to this feature and team: numbers, tools the lesson's
    section on the phase doesn't name (any tool, without a phase; and other products named inside a sentence),
    identifiers from the code, the feature's own words. ``strict``: numbers the lesson's
    section on the phase uses don't count."""
    found: list[str] = []
    text = _NUMBERING.sub(" ", text)  # a list's numbers are no numbers of the feature
    found += [n for m in _NUMBER.finditer(text) if not (strict and fp.in_course(n := m.group().strip(), phase))
              and (n := m.group().strip())]
    found += [t for t in lexicon.tools_named(text) if not (phase and fp.in_course(t, phase))]
    found += [w for m in _PROPER.finditer(text) if (w := m.group(1).lower()) not in lexicon.FILLER
              and w not in sb.GENERIC and w not in feature.name and not lexicon.ROLE.fullmatch(w)
              and w not in lexicon.NOT_PRODUCTS and not (phase and fp.in_course(w, phase))]
    found += [m.group() for m in _CODE_TOKEN.finditer(text)]
    found += [w for w in (x.lower() for x in _WORDS.findall(text)) if w in feature.specific]
    return found


def repeated_texts(units: dict[str, Unit]) -> set[str]:
    """Normalised part texts of four words or more that appear in two phases or more."""
    seen: dict[str, set[str]] = {}
    for phase, unit in units.items():
        if unit.shared:
            continue
        for part in unit.parts.values():
            key = sb.normalised(part.text)
            if len(key.split()) >= 4:
                seen.setdefault(key, set()).add(phase)
    return {k for k, phases in seen.items() if len(phases) >= 2}


def judge_part(name: str, part: Part, phase: str, feature: Feature, repeated: set[str]) -> str | None:
    """None when the part is an answer, else why not (in words a learner can act on)."""
    text = sb.without_placeholders(part.text)
    if sb.is_placeholder(text):
        return "still a placeholder" if part.text.strip() else "empty"
    if (name not in ("tools", "roles", "duration") or len(fp.stems(text)) >= 6) and fp.is_copied(text):
        return "copied from the course (the lesson or the exercise's own example)"
    if sb.normalised(text) in repeated:
        return "the same text as in other phases"
    if name == "duration":
        if lexicon.only_ongoing(text):
            return "'ongoing' gives no time (estimate how long: '2 days', '10 minutes')"
        return None if lexicon.has_duration(text, labelled=True) else "no time given (say how long: '2 days', '10 minutes')"
    if name == "roles":
        if lexicon.names_role(text):
            return None
        return "names no one (say who: 'QA engineer', 'tech lead')"
    if name in ("activities", "automation") and lexicon.tool_share(text) >= 0.5 and len(lexicon.tools_named(text)) >= 3:
        return "a list of tools, not what happens" if name == "activities" else "a list of tools, not what to automate"
    if name == "tools" and lexicon.market_lists(text):
        return f"several tools that do the same job ({', '.join(lexicon.market_lists(text))}): name the ones you'd use"
    if name == "tools":
        tools = lexicon.tools_named(text)
        if not tools and not (part.labelled and _names_something(text)):
            return "names no tool"
        alternatives = len(re.findall(r"\bor\b|/", text))
        if tools and all(fp.in_course(t, phase) for t in tools) and (len(tools) >= 6 or (len(tools) >= 3 and alternatives >= 2)):
            return "the lesson's own list of tools, not the ones you'd use"
        return None
    if name in ("activities", "automation") and _lesson_words_only(text, feature, phase):
        return "the lesson's own words for this phase, reworded: say what happens for your feature"
    if name in ("activities", "automation") and lexicon.hedges(text) and not markers(text, feature, phase):
        return "about DevOps in general ('typically', 'depending on'), not about this feature and team"
    if name == "activities":
        content = sb.substantive(text)
        if len(content) < 3:
            return "too short to say what happens"
        if not (markers(text, feature, phase) or concrete_about_feature(text, feature) or _short_and_own(text)):
            return "generic: nothing in it is particular to this feature (its parts, numbers, tools)"
        return None
    if name == "automation":
        if len(sb.substantive(text)) < 2:
            return "too vague to say what to automate"
        content = sb.substantive(text)
        short = len(content) <= 6 and not any(w in lexicon.FILLER for w in content)
        if not (len(concrete(text)) >= 2 or markers(text, feature, phase) or (short and concrete(text))):
            return "generic: says nothing concrete to automate"
        return None
    return None if sb.substantive(text) else "empty"


def _short_and_own(text: str) -> bool:
    """A short precise answer: a few words, no filler, and a word of its own (one the course
    doesn't use: "write the price watcher", "tests for the reminder cutoff")."""
    content = sb.substantive(text)
    if len(content) > 10 or sum(1 for w in content if w in lexicon.FILLER) > 1:
        return False
    return any(w not in lexicon.FILLER and not fp.in_course(w) for w in content)


def concrete_about_feature(text: str, feature: Feature) -> bool:
    """A description of concrete work: the things it is done on ("builds a container image
    tagged with the commit SHA", "a smoke test sends one reminder to a test account") — two of
    them with the feature named, three without — and no more filler than things ("ensuring
    consistency across environments")."""
    words = [w.lower() for w in _WORDS.findall(text)]
    about = any(w in feature.specific for w in words)  # its own words: naming the feature is not enough
    things = {m.group().lower() for m in lexicon.WORK_NOUNS.finditer(text)} | concrete(text)
    filler = sum(1 for w in words if w in lexicon.FILLER)
    return len(things) >= (2 if about else 3) and filler <= (len(things) if about else 1)


def _lesson_words_only(text: str, feature: Feature, phase: str) -> bool:
    """A longer answer made only of the lesson's words for this phase, with nothing of its own."""
    marks = {fp.fingerprint(s) for s in fp.stems(text)}
    if len(marks) < 15 or markers(text, feature, phase, strict=True):
        return False
    lesson = fp.course().phases.get(phase, frozenset())
    return sum(1 for m in marks if m in lesson) / len(marks) >= 0.9


def _names_something(text: str) -> bool:
    """A labelled tools answer that names something beyond the known tools: an identifier, or
    a capitalised name inside a phrase ("our Mailosaur inbox")."""
    if _CODE_TOKEN.search(text):
        return True
    for item in re.split(r"[,;/\n()]|\band\b|\bor\b", text):
        words = _WORDS.findall(item)
        if any(w[0].isupper() and w.lower() not in lexicon.FILLER | sb.GENERIC for w in words[1:]):
            return True
    return False


def concrete(text: str) -> set[str]:
    """The concrete things a text names that a team could set up (templates, hooks, alerts...)."""
    return {m.group().lower() for m in lexicon.CONCRETE.finditer(text)}


def filler_share(text: str) -> float:
    """The share of a text's words that are filler."""
    words = [w.lower() for w in _WORDS.findall(text)]
    return sum(1 for w in words if w in lexicon.FILLER) / len(words) if words else 0.0


def generic(text: str, feature: Feature) -> bool:
    """Text that says nothing particular to this feature or team."""
    return not markers(text, feature)
