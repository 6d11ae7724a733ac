"""Every regular expression of loopcheck, enumerated — not only the ones an attack round found.

Each module-level compiled pattern and each literal pattern passed to ``re.*`` in ``grader/`` is
searched through adversarial texts built from its own literals (and the usual suspects: spaces,
newlines, brackets, quotes) at 2,000 and 4,000 repetitions. A pattern whose time grows more than
3× when the input doubles is quadratic or worse and fails the test — unless it is listed in
``BOUNDED`` with the reason its input cannot grow, and that bound is tested below in the way the
code uses it."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import time
from pathlib import Path

import pytest

import grader
from grader.patterns import compiled

# pattern -> why its input is bounded (the bound is exercised in test_bounded_patterns_in_use)
BOUNDED = {
    r"([A-Za-z_][\w]*)\s*(?:\((.*)\))?\s*$": "searched on the last 500 characters of a Jenkins block header",
    r"(?:(?:docker-)?compose(?:\.[\w-]+)?|[\w-]*stack[\w-]*)\.ya?ml": "full-matched on a file name (≤ 255 bytes)",
    r" {0,3}(=+|-+) *\Z": "matched (anchored) on one Markdown line",
    r"(?:every|each|per|after|older\s+than|valid\s+for|within\s+the\s+last|expires?\s+(?:in|after)|ttl\s+of|"
    r"for\s+the\s+last)\s+(?:\S+\s+)?$": "searched on the 40 characters before a time (lexicon.has_duration)",
    r" {0,3}([-*_])(?: *\1){2,} *\Z": "matched (anchored) on one Markdown line",
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


def _seconds(pattern: re.Pattern, text: str, repeats: int = 2) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        pattern.search(text)
        for _match in pattern.finditer(text):
            pass
        best = min(best, time.perf_counter() - start)
    return best


def test_the_enumeration_finds_the_patterns():
    assert len(PATTERNS) > 150
    assert set(BOUNDED) <= set(PATTERNS), set(BOUNDED) - set(PATTERNS)


def test_every_pattern_stays_linear():
    slow = []
    for source, pattern in PATTERNS.items():
        if source in BOUNDED:
            continue
        for trigger in _triggers(source):
            small = _seconds(pattern, trigger * 2_000 + "!")
            if small < 0.002:
                continue
            large = _seconds(pattern, trigger * 4_000 + "!")
            if large > 0.015 and large > 3 * small:
                slow.append(f"{source!r} on {trigger!r}×n: {small:.4f}s -> {large:.4f}s")
                break
    assert not slow, "\n".join(slow)


def test_a_quadratic_pattern_would_be_caught():
    pattern = re.compile(r"^\s*import\s+(\w+)", re.M)  # the shape a Java scanner had
    # larger inputs and the best of five runs: a machine busy with other work can't hide the 4× growth
    small = _seconds(pattern, "\n" * 4_000 + "!", repeats=5)
    large = _seconds(pattern, "\n" * 8_000 + "!", repeats=5)
    assert large > 3 * small


@pytest.mark.parametrize("source", list(BOUNDED))
def test_bounded_patterns_in_use(source):
    pattern = PATTERNS[source]
    worst = 0.0
    for trigger in _triggers(source):
        if source.startswith(("(^|/)", "([A-Za-z_]")):
            text = (trigger * 500)[:500] if source.startswith("([A-Za-z_]") else "/".join(
                [(trigger * 255)[:255]] * 16)  # a 4 KB path of 255-byte names
            worst = max(worst, _seconds(pattern, text))
        elif source.startswith("(?:(?:docker"):
            worst = max(worst, _seconds_full(pattern, (trigger * 255)[:255]))
        else:
            line = trigger * 20_000 + "x"
            start = time.perf_counter()
            pattern.match(line)
            worst = max(worst, time.perf_counter() - start)
    assert worst < 0.05, f"{source!r}: {worst:.3f}s on its bounded input ({BOUNDED[source]})"


def _seconds_full(pattern: re.Pattern, text: str) -> float:
    start = time.perf_counter()
    pattern.fullmatch(text)
    return time.perf_counter() - start


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
