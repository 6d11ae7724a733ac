"""Is a piece of learner text an answer? Placeholders, the words that carry no answer, time
expressions; and how alike two learners' written work is (five-word shingles, hashed).

The course's own text is recognised by :mod:`grader.evidence.written.fingerprints`.
"""

from __future__ import annotations

import re

from grader.evidence.markdown import content_words
from grader.patterns import lazy

SHINGLE = 5
_WORDS = lazy(r"[a-z0-9]+(?:['’][a-z]+)?")

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


_PROMPT = lazy(r"(?<![\w\]])\[[^\[\]\n]{0,200}?\b(?:your|answer|description|todo|tbd|example|e\.g|metric|target|"
                     r"stage|phase|immediate|minutes|hours)\b[^\[\]\n]{0,200}\](?!\()|\bTODO\b|\bTBD\b", re.I)


def without_placeholders(text: str) -> str:
    """The text with template prompts (``[Your answer: ...]``, ``[Stage]``, TODO, TBD) blanked —
    not every bracket: a mermaid node ``A[Lint]`` is content."""
    return _PROMPT.sub(" ", text)


def is_placeholder(text: str) -> bool:
    """Empty, or only template text (``[Your answer]``, TODO, TBD, N/A, ?)."""
    left = re.sub(r"(?i)\b(n/?a|none yet|tbc|todo|tbd)\b|[?\-–—.]", " ", text)
    return not content_words(left)


def normalised(text: str) -> str:
    return " ".join(words(text))


# -- how alike two learners' written work is -------------------------------------------------------
def shingles(text: str) -> list[str]:
    """Hashes of the text's five-word runs (lower-cased). (hashlib is imported here: loading
    OpenSSL costs a grading that compares no one's work several milliseconds.)"""
    import hashlib

    w = words(text)
    return [hashlib.blake2b(" ".join(w[i:i + SHINGLE]).encode(), digest_size=6).hexdigest()
            for i in range(len(w) - SHINGLE + 1)]


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
