"""Every regular expression of loopcheck, enumerated — not only the ones an attack round found.

Each module-level compiled pattern and each literal pattern passed to ``re.*`` in ``grader/`` is
searched through adversarial texts built from its own literals (and the usual suspects: spaces,
newlines, brackets, quotes) at n and 2n repetitions, its work counted in machine instructions
inside the regular-expression engine (valgrind's callgrind: the same count on a busy machine as
on an idle one). A pattern whose work grows more than 2.5× when the texts double is quadratic or
worse and fails the test — unless it is listed in ``BOUNDED`` with the reason its input cannot
grow, and that bound is tested below in the way the code uses it. The same sweep timed in
seconds is ``benchmarks/linear.py``."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import grader
from conftest import Instructions, instructions_of, valgrind
from grader.evidence.shell import tools
from grader.patterns import compiled

# pattern -> why its input is bounded (the bound is exercised in test_bounded_patterns_in_use)
BOUNDED = {
    r"([A-Za-z_][\w]*)\s*(?:\((.*)\))?\s*$": "searched on the last 500 characters of a Jenkins block header",
    r"(?:(?:docker-)?compose(?:[.-][\w-]+)?|[\w-]*stack[\w-]*)\.ya?ml": "full-matched on a file name (≤ 255 bytes)",
    r" {0,3}(=+|-+) *\Z": "matched (anchored) on one Markdown line",
    r"(?:every|each|per|after|older\s+than|valid\s+for|within\s+the\s+last|expires?\s+(?:in|after)|ttl\s+of|"
    r"for\s+the\s+last)\s+(?:\S+\s+)?$": "searched on the 40 characters before a time (lexicon.has_duration)",
    r" {0,3}([-*_])(?: *\1){2,} *\Z": "matched (anchored) on one Markdown line",
    r"\s{0,50}\{[^\]]{0,2000}?\bscript[ \t]{0,20}:[ \t]{0,20}['\"`][^'\"`\n]{1,300}":
        "matched (anchored) on the 2,500 characters after an ecosystem file's `apps:` list, for the first five "
        "lists (operations.pm2_apps_line, whose work on long texts is counted in test_linear)",
}

_EXTRA = ("a", " ", "\n", "[", "{{", "<!--", "'", '"', "\\", "-", "/", "x ", "|", ":", "\t")


def _patterns() -> dict[str, re.Pattern]:
    found: dict[str, re.Pattern] = {}
    for info in pkgutil.walk_packages(grader.__path__, "grader."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            pattern = compiled(value)  # a lazily compiled one compiled now
            if pattern is not None:
                found.setdefault(pattern.pattern, pattern)
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                try:
                    found.setdefault(node.args[0].value, re.compile(node.args[0].value))
                except re.error:
                    pass
    return found


PATTERNS = _patterns()


def _triggers(pattern: str) -> list[str]:
    literals = sorted(set(re.findall(r"[^\\\[\]().*+?{}|^$]{1,6}", pattern)) - {""})
    return [t for t in literals if t.strip()][:25] + list(_EXTRA)


# The work is counted, not timed: the regular-expression engine's own machine instructions
# (callgrind, only inside the engine's findall/match/fullmatch), summed over a pattern's
# triggers at n and 2n repetitions. Linear work doubles exactly (measured: at most 2.15×, for a
# pattern of bounded repeats); a quadratic share of a quarter of the work shows as 2.5×.
SMALL = 60  # repetitions of a trigger; more where a pattern's bounded repeats need a longer text
GROWTH = 2.5
SLACK = 50_000  # instructions: allocations that don't grow with the text
BOUNDED_BUDGET = 5_000_000  # instructions (a few ms) for one bounded input, as the code uses it


def _largest_bound(source: str, flags: int) -> int:
    """The largest finite upper bound of a repeat in the pattern (``{0,400}`` → 400): below
    it a bounded scan looks quadratic, so texts are made at least twice that long."""
    from re import _constants, _parser  # type: ignore[attr-defined]

    largest = 0

    def walk(items) -> None:
        nonlocal largest
        for op, arg in items:
            if op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT):
                if arg[1] != _constants.MAXREPEAT:
                    largest = max(largest, arg[1])
                walk(arg[2])
            elif op == _constants.SUBPATTERN:
                walk(arg[-1])
            elif op == _constants.BRANCH:
                for branch in arg[1]:
                    walk(branch)
            elif op in (_constants.ASSERT, _constants.ASSERT_NOT, _constants.ATOMIC_GROUP):
                walk(arg[-1] if isinstance(arg, tuple) else arg)

    walk(_parser.parse(source, flags))
    return largest


def _texts(source: str, flags: int, triggers: list[str]) -> list[list]:
    bound = _largest_bound(source, flags)
    return [[t, max(SMALL, -(-2 * bound // len(t)) if bound else 0), "!", 0, 0] for t in triggers]


_ENGINE = """
import json, re, sys
entries = json.load(open(sys.argv[1]))
compiled = [getattr(re.compile(e["source"], e["flags"]), e["method"]) for e in entries]

def text(trigger, reps, tail, cut, join):
    t = trigger * reps
    t = (t[:cut] if cut else t) + tail
    return "/".join([t] * join) if join else t

texts = [[text(*spec) for spec in e["texts"]] for e in entries]
# (the bounded inputs are measured once: their size is the bound)
doubled = [[text(t, r * 2, tail, c, j) for t, r, tail, c, j in e["texts"]] if e["grows"] else [] for e in entries]
MARK()
for batch in (texts, doubled):
    for method, these in zip(compiled, batch):
        for t in these:
            method(t)
        MARK()
"""


def _engine_work(entries: list[dict], folder: Path) -> Instructions:
    """The callgrind run giving, for each entry, the instructions of its method on its texts at
    n and at 2n, counted inside the regular-expression engine (the calls into ``_sre``). The
    entries are written in the count's own folder, removed with it."""
    import json

    spec = folder / "patterns.json"
    spec.write_text(json.dumps(entries), encoding="utf-8")
    return Instructions(_ENGINE, str(spec), engine_only=True, folder=folder)


def _bounded_texts(source: str) -> tuple[str, list[list]]:
    """How the code uses a pattern of BOUNDED, on inputs at the bound: (method, text specs)."""
    triggers = _triggers(source)
    if source.startswith("([A-Za-z_]"):
        return "search", [[t, 500, "", 500, 0] for t in triggers]  # the last 500 characters
    if source.startswith("(?:(?:docker"):
        return "fullmatch", [[t, 255, "", 255, 0] for t in triggers]  # a file name
    if source.startswith(r"\s{0,50}\{"):
        return "match", [[t, 2_500, "", 2_500, 0] for t in triggers]  # the reach after `apps:`
    return "match", [[t, 20_000, "x", 0, 0] for t in triggers]  # one long line


# The per-tool command rules, compiled when a tool is first classified (grader.evidence.shell.
# classify), run on long runs of the words they look for.
COMMAND_RULES = sorted({rx for rules in tools.RULES.values() for _, rx in rules} - set(PATTERNS))
SKIP_RULES = sorted(set(tools.SKIPS.values()) - set(PATTERNS))
FILLERS = ("x ", "a", "-d", "-c", "--x ", "deploy ", "$", "http://", ":", "run ", "test ", "-", ".zip ", '"',
           "build ", "up ", "apply ", "-DmuleDeploy ", "node_modules/", "--exclude x ")

CANARY = r"^\s*import\s+(\w+)"  # the shape a Java scanner had: quadratic under search


def _entries() -> list[dict]:
    entries = [{"key": ["linear", source], "source": source, "flags": pattern.flags, "method": "findall",
                "texts": _texts(source, pattern.flags, _triggers(source)), "grows": True}
               for source, pattern in PATTERNS.items() if source not in BOUNDED]
    for source in BOUNDED:
        method, texts = _bounded_texts(source)
        entries.append({"key": ["bounded", source], "source": source, "flags": PATTERNS[source].flags,
                        "method": method, "texts": texts, "grows": False})
    for source in COMMAND_RULES:  # matched (anchored) on what follows the tool's name
        texts = [[filler, max(SMALL, 1_000 // len(filler)), "!", 0, 0] for filler in FILLERS]
        entries.append({"key": ["linear", source], "source": source, "flags": 0, "method": "match",
                        "texts": texts, "grows": True})
    for source in SKIP_RULES:  # searched in what follows the tool's name
        texts = [[filler, max(SMALL, 1_000 // len(filler)), "!", 0, 0] for filler in FILLERS]
        entries.append({"key": ["linear", source], "source": source, "flags": 0, "method": "findall",
                        "texts": texts, "grows": True})
    entries.append({"key": ["canary", CANARY], "source": CANARY, "flags": re.M, "method": "findall",
                    "texts": [["\n", SMALL * 4, "!", 0, 0]], "grows": True})
    return entries


ENTRIES = _entries()


def START_COUNTING():  # noqa: N802 - the name conftest looks for
    """The callgrind run of this module (started when the session's tests are collected)."""
    return instructions_of("test_regex_enumeration", lambda folder: _engine_work(ENTRIES, folder))


@pytest.fixture(scope="module")
def engine_work() -> dict[tuple[str, str], tuple[int, int]]:
    """Every pattern's engine work at n and 2n (one callgrind run for the module)."""
    valgrind()
    counts = START_COUNTING().counts()
    assert len(counts) == 2 * len(ENTRIES), (len(counts), len(ENTRIES))  # a bounded input's 2n: nothing
    at_n, at_2n = counts[:len(ENTRIES)], counts[len(ENTRIES):]
    return {tuple(e["key"]): (small, large) for e, small, large in zip(ENTRIES, at_n, at_2n, strict=True)}


def test_the_enumeration_finds_the_patterns():
    assert len(PATTERNS) > 150 and len(COMMAND_RULES) > 80
    assert set(BOUNDED) <= set(PATTERNS), set(BOUNDED) - set(PATTERNS)


def test_every_pattern_stays_linear(engine_work):
    slow = [f"{source!r}: {small:,} -> {large:,} instructions when its texts double"
            for (kind, source), (small, large) in engine_work.items()
            if kind == "linear" and large > GROWTH * small + SLACK]
    assert not slow, "\n".join(slow)


def test_a_quadratic_pattern_would_be_caught(engine_work):
    small, large = engine_work[("canary", CANARY)]
    assert large > 3.5 * small and large > GROWTH * small + SLACK


@pytest.mark.parametrize("source", list(BOUNDED))
def test_bounded_patterns_in_use(source, engine_work):
    small, _ = engine_work[("bounded", source)]
    inputs = len(_triggers(source))
    assert small < BOUNDED_BUDGET * inputs, \
        f"{source!r}: {small // inputs:,} instructions per bounded input ({BOUNDED[source]})"


def test_the_linear_rewrites_keep_their_meaning():
    from grader.evidence import alerts, infra
    from grader.evidence.shell import split_script
    from grader.evidence.substance import without_placeholders
    from grader.evidence.testfiles import language_of
    from grader.evidence.written import parts as written

    for sep in ("|---|---|", "| --- | :---: |  ", "---|---", " |:--|--:| ", "--"):
        assert written._TABLE_SEP.match(sep), sep
    for not_sep in ("| a | b |", "|-|", "text --"):
        assert not written._TABLE_SEP.match(not_sep), not_sep
    assert [c.text for c in split_script("make test && ./deploy.sh | tee log ; echo done", 1)] == [
        "make test", "./deploy.sh", "tee log", "echo done"]
    assert language_of("test/models/user_test.rb") == "ruby"
    assert language_of("spec/user_spec.rb") == "ruby"
    assert language_of("app/test_helper.rb") is None
    assert language_of("lib/contest/user_test.rb") is None
    for name in ("docker-compose.yml", "compose.prod.yaml", "app-stack.yml", "ops/docker-compose.yaml"):
        assert infra._COMPOSE_NAME.fullmatch(name.rsplit("/", 1)[-1]), name
    assert not infra._COMPOSE_NAME.fullmatch("values.yaml")
    assert "Your answer" not in without_placeholders("Plan: [Your answer: who plans] and A[Lint]")
    assert "A[Lint]" in without_placeholders("Plan: [Your answer: who plans] and A[Lint]")
    assert alerts.plausible_promql('rate(http_requests_total{job="api"}[5m]) > 1') is None
    assert "invalid range" in alerts.plausible_promql("rate(http_requests_total[soon]) > 1")
    assert alerts.plausible_promql("[" * 5_000 + "]" * 5_000) is not None
