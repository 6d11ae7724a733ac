"""Is a piece of learner text an answer? Placeholders, generic filler, text copied from the
lesson, time expressions, and the feature's own words.

Text copied from the lesson is recognised by *shingles*: every run of five words, lower-cased,
hashed. ``grader/data/lesson.shingles`` holds the hashes of the lesson's shingles (never its
text); rebuild it with ``python -m grader.evidence.substance --build LESSON.md``.
"""

from __future__ import annotations

import hashlib
import re
import sys
from functools import lru_cache
from importlib import resources

from grader.evidence.markdown import content_words

SHINGLE = 5
_WORDS = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

# Words that carry no answer on their own: English glue, the exercise's own vocabulary, and
# the filler a padded answer is made of.
GENERIC = frozenset("""
a an the and or but if then so to of in on at by for with from into onto as is are was were be been being
it its this that these those there here we our us you your they them their he she his her i me my
do does did done doing will would could should can may might must shall have has had having
not no yes all any some many much more most few lot lots other another such same very really
basically actually just also too quite rather pretty well good better best great important
thing things stuff something anything everything way ways kind sort part parts piece whole overall
general generally different various varies vary depends depending depend factors factor number
make makes made making get gets got getting use uses used using help helps work works working
done phase phases stage stages step steps process processes feature features team teams people
everyone everybody someone somebody anyone staff member members tool tools software system systems
time times some amount certain possible possibly usually normally often always sometimes later
again etc e g eg ie i e which who what when where how why while during after before about
order within without through around up down out over under new old first last next one two
devops loop infinity exercise task mapping map plan code build test release deploy operate monitor
planning coding building testing releasing deploying operating monitoring
""".split())

# The scenario's own words (the curriculum's feature); a learner who maps another feature
# brings their own words in the introduction.
SCENARIO_WORDS = frozenset("""
cart carts abandon abandoned abandonment remind reminder reminders email emails e-mail mail
discount discounts coupon coupons voucher promo opt opted optout opt-out unsubscribe unsubscribed
shopper shoppers customer customers purchase purchases conversion conversions checkout recovered recovery
""".split())

_TIME = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:-|to|–)?\s*\d*\s*(?:ms|s|sec|secs|seconds?|mins?|minutes?|h|hrs?|hours?|d|days?|"
    r"w|wks?|weeks?|sprints?|months?|quarters?)\b"
    r"|\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|half an?|a few|several|couple of)\s+"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|sprints?|months?)\b"
    r"|\b(?:overnight|daily|weekly|hourly|monthly|continuous(?:ly)?|ongoing|real[- ]?time|24/7|always[- ]on|"
    r"instant(?:ly)?|immediate(?:ly)?|per (?:run|commit|push|release|sprint|deploy(?:ment)?))\b",
    re.I)


def words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def substantive(text: str) -> list[str]:
    """The content words that are not generic."""
    out = []
    for x in content_words(text):
        w = x.lower().strip(".'’%+/-")
        if len(w) > 1 and w not in GENERIC:
            out.append(w)
    return out


_PROMPT = re.compile(r"(?<![\w\]])\[[^\[\]\n]{0,200}?\b(?:your|answer|description|todo|tbd|example|e\.g|metric|target|"
                     r"stage|phase|immediate|minutes|hours)\b[^\[\]\n]{0,200}\](?!\()|\bTODO\b|\bTBD\b", re.I)


def without_placeholders(text: str) -> str:
    """The text with template prompts (``[Your answer: ...]``, ``[Stage]``, TODO, TBD) blanked —
    not every bracket: a mermaid node ``A[Lint]`` is content."""
    return _PROMPT.sub(" ", text)


def is_placeholder(text: str) -> bool:
    """Empty, or only template text (``[Your answer]``, TODO, TBD, N/A, ?)."""
    left = re.sub(r"(?i)\b(n/?a|none yet|tbc|todo|tbd)\b|[?\-–—.]", " ", text)
    return not content_words(left)


def has_time(text: str) -> bool:
    return bool(_TIME.search(text))


def normalised(text: str) -> str:
    return " ".join(words(text))


def feature_vocabulary(intro: str) -> frozenset[str]:
    """The scenario's words and the learner's own feature words (from the title and intro)."""
    own = {w for w in words(intro) if len(w) >= 5 and w not in GENERIC}
    return SCENARIO_WORDS | own


def mentions(text: str, vocabulary: frozenset[str]) -> bool:
    return any(w in vocabulary or (len(w) > 5 and w[:-1] in vocabulary) for w in words(text))


# -- copied from the lesson ----------------------------------------------------------------------
def _hash(shingle: str) -> str:
    return hashlib.blake2b(shingle.encode(), digest_size=6).hexdigest()


def shingles(text: str) -> list[str]:
    w = words(text)
    return [_hash(" ".join(w[i:i + SHINGLE])) for i in range(len(w) - SHINGLE + 1)]


@lru_cache(maxsize=1)
def lesson_shingles() -> frozenset[str]:
    try:
        data = resources.files("grader").joinpath("data/lesson.shingles").read_text(encoding="ascii")
    except (FileNotFoundError, OSError):  # pragma: no cover - shipped with the package
        return frozenset()
    return frozenset(data.split())


@lru_cache(maxsize=4096)
def copied_share(text: str) -> float:
    """The share of the text's five-word runs that are the lesson's (0 for fewer than 2 runs)."""
    mine = shingles(text)
    if len(mine) < 2:
        return 0.0
    lesson = lesson_shingles()
    return sum(1 for s in mine if s in lesson) / len(mine)


def is_copied(text: str, threshold: float = 0.5) -> bool:
    return copied_share(text) >= threshold


SKETCH = 128


def sketch(text: str) -> list[str]:
    """A bottom-k sketch of the text's shingles (the ``SKETCH`` smallest hashes): two sketches
    estimate how much of two texts is the same (:func:`resemblance`)."""
    return sorted(set(shingles(text)))[:SKETCH]


def resemblance(a: list[str], b: list[str]) -> float:
    """The estimated Jaccard similarity of the two texts behind two sketches."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:SKETCH]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)


def written_sketch(sub) -> list[str] | None:
    """The sketch of a submission's written work, or None when there is too little of it."""
    from grader.evidence import written

    text = "\n".join(without_placeholders(sub.read_text(rel) or "") for rel in written.exercise_files(sub))
    marks = sketch(text)
    return marks if len(marks) >= 40 else None


def build(lesson_path: str, out_path: str) -> int:
    with open(lesson_path, encoding="utf-8") as fh:
        hashes = sorted(set(shingles(fh.read())))
    with open(out_path, "w", encoding="ascii") as fh:
        fh.write("\n".join(hashes) + "\n")
    return len(hashes)


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    if len(sys.argv) == 3 and sys.argv[1] == "--build":
        target = str(resources.files("grader").joinpath("data/lesson.shingles"))
        print(f"{build(sys.argv[2], target)} shingles written to {target}")
    else:
        print("usage: python -m grader.evidence.substance --build LESSON.md", file=sys.stderr)
        sys.exit(2)
