"""The per-tool command rules (compiled lazily, so the module-level regex enumeration does not
see them) stay linear on hostile command lines: every tool, followed by long runs of the words
its rules look for, must not take more than three times as long when the line doubles."""

from __future__ import annotations

import time

from grader.evidence.shell import classify, lexer, tools

FILLERS = ("x ", "a", "-d", "-c", "--x ", "deploy ", "$", "http://", ":", "run ", "test ", "-", ".zip ", '"',
           "build ", "up ", "apply ", "-DmuleDeploy ", "node_modules/", "--exclude x ")
TOOLS = sorted(set(tools.RULES) | set(tools.WHOLE)) + [
    "ssh", "sshpass -p x ssh", "timeout 5", "nyc", "coverage run", "docker run", "docker compose", "uv run", "npx"]


def _seconds(text: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):  # the best of several: a busy machine must not fail a linear rule
        classify._categories.cache_clear()  # the rules themselves are measured, not the memo
        lexer.normalise.cache_clear()
        start = time.perf_counter()
        classify.categories(text)
        classify.remote_categories(text)
        classify.is_versioned_build(text)
        lexer.split_script(text, 1)
        best = min(best, time.perf_counter() - start)
    return best


def test_every_tool_rule_stays_linear():
    slow = []
    for tool in TOOLS:
        for filler in FILLERS:
            small = _seconds(f"{tool} {filler * 4_000}!")
            if small < 0.002:
                continue
            large = _seconds(f"{tool} {filler * 8_000}!")
            if large > 0.015 and large > 3 * small:  # a suspect: measured again, longer, before it counts
                small = _seconds(f"{tool} {filler * 4_000}!", repeats=7)
                large = _seconds(f"{tool} {filler * 8_000}!", repeats=7)
            if large > 0.015 and large > 3 * small:
                slow.append(f"{tool!r} + {filler!r}×n: {small:.4f}s -> {large:.4f}s")
    assert not slow, "\n".join(slow)
