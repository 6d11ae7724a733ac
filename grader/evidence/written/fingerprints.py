"""The course's own text, recognised in a learner's answers beyond verbatim copies.

The lesson and the exercise (with its worked examples and templates) are kept as
*fingerprints* only — never their text: each sentence as the set of its content words,
stemmed (Snowball) and hashed, and each of the lesson's phase sections as the set of its
stemmed words, hashed. ``grader/data/course.fingerprints`` holds them; rebuild it from the
course material with ``python -m grader.evidence.written.fingerprints --build SEEDS_DIR``.

A learner's sentence is the course's when most of its content words are those of one course
sentence (a copy, or the same sentence reworded around the same words); a part of an answer is
copied when most of its words sit in such sentences. Stemming is Snowball's (the
``snowballstemmer`` package, chosen over dictionary lemmatisers for its 20 ms import: it is
imported only when there is written work to read).
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from grader.patterns import lazy

_TOKEN = lazy(r"[a-z0-9]+")
STOP = frozenset("""
a an the and or but if then so to of in on at by for with from into onto as is are was were be been being am
it its this that these those there here we our us you your they them their he she his her i me my mine ours
do does did done doing will would could should can may might must shall have has had having not no yes nor
all any some each every per via very really just also too quite than more most such which who whom whose what
when where how why while about up down out over under again once only own same other both few
e g eg ie i e etc vs
""".split())
MIN_STEMS = 3
COPY_CONTAINMENT = 0.7
DATA = "data/course.fingerprints"

_STEMMER = None
MAX_STEMS_KEPT = 50_000  # words whose stem is remembered (a batch worker keeps them across submissions)


@lru_cache(maxsize=MAX_STEMS_KEPT)
def _stem(word: str) -> str:
    """One word's Snowball stem, remembered: the same few hundred words come back in every
    answer, every check and, in a batch worker, every submission."""
    global _STEMMER
    if _STEMMER is None:
        _STEMMER = english_stemmer()
    return _STEMMER.stemWord(word)


def english_stemmer():
    """snowballstemmer's English stemmer, without the other 30 languages: the package's
    ``__init__`` imports every language's module (~45 ms), so its English module is imported
    on its own, the package standing in sys.modules without running ``__init__`` only while it
    is (a later ``import snowballstemmer`` runs it in full, reusing the modules already read).
    When the package is already imported, or PyStemmer (its C form) is installed, the package's
    own ``stemmer("english")`` is used as it is."""
    import importlib.util

    if "snowballstemmer" in sys.modules or importlib.util.find_spec("Stemmer") is not None:
        import snowballstemmer

        return snowballstemmer.stemmer("english")
    spec = importlib.util.find_spec("snowballstemmer")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a broken install
        import snowballstemmer

        return snowballstemmer.stemmer("english")
    sys.modules["snowballstemmer"] = importlib.util.module_from_spec(spec)  # a bare package: no __init__ run
    try:
        from snowballstemmer.english_stemmer import EnglishStemmer
    finally:
        del sys.modules["snowballstemmer"]
    return EnglishStemmer()


def stems(text: str) -> list[str]:
    """The stemmed content words of ``text``, in order."""
    return [_stem(w) for w in _TOKEN.findall(text.lower()) if w not in STOP and (len(w) > 1 or w.isdigit())]


def fingerprint(stem: str) -> str:
    return hashlib.blake2b(stem.encode(), digest_size=4).hexdigest()


_BLOCK_START = lazy(r"^\s*(?:[-*+]\s|\d{1,3}[.)]\s|#|\||```|~~~|>)")
_SENTENCE_END = lazy(r"(?<=[.!?;])\s+|(?<!\s)\s+\|\s+|(?<!\s)\s+[—–]\s+|(?<!\s)\s*(?:→|↓|->|=>)\s*")


def sentences(text: str) -> list[str]:
    """The sentences of a text: paragraphs and list items with their wrapped lines joined,
    split at sentence ends (and table cells, and dashes)."""
    blocks: list[str] = []
    current: list[str] = []
    fenced = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        if fenced or not stripped or _BLOCK_START.match(line):
            if current:
                blocks.append(" ".join(current))
            current = [stripped] if stripped else []
        else:
            current.append(stripped)
    if current:
        blocks.append(" ".join(current))
    return [s for block in blocks for s in _SENTENCE_END.split(block) if s.strip()]


@dataclass(frozen=True, slots=True)
class Course:
    """The course's fingerprints: its sentences (sets of hashed stems) with an index by stem,
    and the hashed vocabulary of each phase section of the lesson and of the whole course."""

    sentences: tuple[frozenset[str], ...]
    index: dict[str, tuple[int, ...]]
    phases: dict[str, frozenset[str]]
    vocabulary: frozenset[str]

    def best(self, marks: set[str]) -> tuple[float, int]:
        """(containment, index) of the course sentence holding most of ``marks``."""
        counts: dict[int, int] = {}
        for m in marks:
            for i in self.index.get(m, ()):
                counts[i] = counts.get(i, 0) + 1
        if not counts:
            return 0.0, -1
        i, n = max(counts.items(), key=lambda kv: (kv[1], -len(self.sentences[kv[0]])))
        return n / len(marks), i


@lru_cache(maxsize=1)
def course() -> Course:
    try:
        data = resources.files("grader").joinpath(DATA).read_text(encoding="ascii")
    except (FileNotFoundError, OSError):  # pragma: no cover - shipped with the package
        data = ""
    sents: list[frozenset[str]] = []
    phases: dict[str, frozenset[str]] = {}
    vocab: set[str] = set()
    for line in data.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "S":
            marks = frozenset(rest.split())
            sents.append(marks)
            vocab |= marks
        elif kind == "P":
            phase, _, listed = rest.partition(" ")
            phases[phase] = frozenset(listed.split())
            vocab |= phases[phase]
        elif kind == "V":
            vocab |= set(rest.split())
    index: dict[str, list[int]] = {}
    for i, marks in enumerate(sents):
        for m in marks:
            index.setdefault(m, []).append(i)
    return Course(tuple(sents), {k: tuple(v) for k, v in index.items()}, phases, frozenset(vocab))


def copied_sentence(sentence: str) -> bool:
    """Is this sentence the course's own, copied or reworded around the same words?"""
    marks = {fingerprint(s) for s in stems(sentence)}
    if len(marks) < MIN_STEMS:
        return False
    c = course()
    share, i = c.best(marks)
    if i < 0:
        return False
    if len(marks) == MIN_STEMS:  # a short sentence: the same short sentence
        return share == 1.0 and len(c.sentences[i]) <= MIN_STEMS + 2
    return share >= COPY_CONTAINMENT


@lru_cache(maxsize=8192)
def copied_share(text: str) -> float:
    """The share of the text's content words that sit in sentences of the course."""
    total = copied = 0
    for sentence in sentences(text):
        n = len(set(stems(sentence)))
        if n < MIN_STEMS:
            continue
        total += n
        if copied_sentence(sentence):
            copied += n
    return copied / total if total else 0.0


def is_copied(text: str, threshold: float = 0.5) -> bool:
    return copied_share(text) >= threshold


def course_words_only(text: str, min_words: int = 40, max_share: float = 0.1) -> bool:
    """A longer text written almost only in the course's words (the lesson reworded): of its
    ``min_words`` or more distinct stemmed words, at most ``max_share`` are not the course's."""
    marks = {fingerprint(s) for s in stems(text)}
    if len(marks) < min_words:
        return False
    vocab = course().vocabulary
    return sum(1 for m in marks if m not in vocab) / len(marks) <= max_share


def in_course(word: str, phase: str | None = None) -> bool:
    """Is this word in the course's text (in the lesson's section on ``phase``, if given)?"""
    marks = [fingerprint(s) for s in stems(word)]
    if not marks:
        return False
    c = course()
    where = c.phases.get(phase, frozenset()) if phase else c.vocabulary
    return all(m in where for m in marks)


# -- building the data file (a maintainer's tool) ------------------------------------------------------
_PHASE_HEADING = lazy(r"^###\s+Phase\s+\d+:\s*(\w+)", re.M | re.I)


def _fenced(text: str) -> str:
    """The text of the fenced blocks of a Markdown document."""
    out: list[str] = []
    fence = ""
    for line in text.split("\n"):
        mark = line.lstrip()[:3]
        if not fence and mark in ("```", "~~~"):
            fence = mark
        elif fence and line.strip() == fence:
            fence = ""
            out.append("")
        elif fence:
            out.append(line)
    return "\n".join(out)


def build(seeds: Path, out: Path) -> tuple[int, int]:
    """Fingerprint the course material in ``seeds`` into ``out``: the lessons (``lesson-*.md``)
    whole, with their phase sections by their ``### Phase N: NAME`` headings; the exercises
    (any other ``*.md``) by their worked examples and templates only — the fenced blocks —
    not the scenario and instructions a learner may restate."""
    lines = ["# Fingerprints of the course material (never its text): S = a sentence's hashed stems,",
             "# P = the hashed vocabulary of one of the lesson's phase sections, V = the whole course's.",
             "# Rebuild: python -m grader.evidence.written.fingerprints --build SEEDS_DIR"]
    seen: set[frozenset[str]] = set()
    vocab: set[str] = set()
    phases: dict[str, set[str]] = {}
    for path in sorted(seeds.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not path.name.startswith("lesson"):
            text = _fenced(text)
        for sentence in sentences(text):
            marks = frozenset(fingerprint(s) for s in stems(sentence))
            if len(marks) >= MIN_STEMS and marks not in seen:
                seen.add(marks)
                lines.append("S " + " ".join(sorted(marks)))
        vocab |= {fingerprint(s) for s in stems(text)}
        heads = list(_PHASE_HEADING.finditer(text))
        for n, m in enumerate(heads):
            end = heads[n + 1].start() if n + 1 < len(heads) else text.find("\n## ", m.end())
            body = text[m.end(): end if end > 0 else len(text)]
            phases.setdefault(m.group(1).lower(), set()).update(fingerprint(s) for s in stems(body))
    for phase, hashed in sorted(phases.items()):
        lines.append(f"P {phase} " + " ".join(sorted(hashed)))
    lines.append("V " + " ".join(sorted(vocab)))
    out.write_text("\n".join(lines) + "\n", encoding="ascii")
    return len(seen), len(phases)


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    if len(sys.argv) == 3 and sys.argv[1] == "--build":
        target = Path(str(resources.files("grader").joinpath(DATA)))
        n, p = build(Path(sys.argv[2]), target)
        print(f"{n} sentences and {p} phase sections fingerprinted into {target}")
    else:
        print("usage: python -m grader.evidence.written.fingerprints --build SEEDS_DIR", file=sys.stderr)
        sys.exit(2)
