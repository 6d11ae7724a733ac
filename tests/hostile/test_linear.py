"""Linear on any text: the scanners that an attack round found exponential or quadratic, on
adversarial inputs of n and 2n repetitions of their trigger (1,000 and 2,000, or about
3,000 and 6,000 characters of a long one) — the work may at most grow
2.5× when the input doubles (promise: "bounded in time whatever the files contain"). The work is
the machine instructions a scanner executes, Python and regular-expression engine alike, counted
by valgrind's callgrind: exact, the same on a busy machine as on an idle one. The same cases
timed in seconds: ``benchmarks/linear.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Instructions, instructions_of, valgrind
from grader.detectors.plan import _ITEM
from grader.evidence import helm, jsonnet
from grader.evidence.alerts import selected_metrics
from grader.evidence.ci.jenkins import _strip_comments
from grader.evidence.heredocs import _WRITE
from grader.evidence.linters import _cut
from grader.evidence.markdown import content_words
from grader.evidence.operations import pm2_apps_line
from grader.evidence.shell import classify, split_script
from grader.evidence.wiring import _EXPOSED, _LITERAL
from grader.submission import jinja_placeholders


def _classified(rest: str) -> None:
    """A command line of each of these tools, then ``rest``, classified as the pipeline reader
    does (the per-tool rules themselves are in the regular-expression enumeration)."""
    for tool in ("docker", "docker compose", "kubectl", "mvn", "gradle", "npm", "helm", "terraform", "ssh", "curl"):
        line = f"{tool} {rest}"
        classify.categories(line)
        classify.remote_categories(line)
        classify.is_versioned_build(line)


ATTACKS = {
    "helm template actions": (lambda t: helm.render(t, {}), "{{a}}", "x"),
    "helm unclosed actions": (lambda t: helm.render(t, {}), "{{", "x"),
    "markdown comments": (content_words, "<!--", ""),
    "bracket placeholders": (content_words, "[", ""),
    "angle placeholders": (content_words, "<", ""),
    "acceptance items over blank lines": (lambda t: _ITEM.findall(t), "\n", "x"),
    "shell quotes": (lambda t: split_script(t, 1), '"\\', ""),
    "shell unclosed quotes": (lambda t: split_script(t, 1), "'a", ""),
    "jenkins triple quotes": (_strip_comments, "'''", ""),
    "jenkins unclosed quotes": (_strip_comments, '"a', ""),
    "jenkins escaped quotes": (_strip_comments, '"\\', ""),
    "jenkins single escaped quotes": (_strip_comments, "'\\", ""),
    "shell wrapper functions and their calls": (lambda t: split_script(t, 1), 'f() { docker compose "$@"; }\nf up\n', ""),
    "shell nested function definitions": (lambda t: split_script(t, 1), "function a {\n", "}\n"),
    "jinja expressions": (jinja_placeholders, "{{ x }}", "\n"),
    "jinja unclosed statements": (jinja_placeholders, "{% ", ""),
    "pom comments left open": (lambda t: _cut(t, "<!--", "-->"), "<!--", "x"),
    "command lines of long words": (_classified, "deploy ", "!"),
    "command lines of long options": (_classified, "--x ", "!"),
    "command lines of quotes": (_classified, '"', "!"),
    "pm2 ecosystem apps without a script": (pm2_apps_line, "apps: [{ name: 'a', ", ""),
    "exposition lines without a value": (lambda t: _EXPOSED.findall(t), '"metric_name{le="', ""),
    "string literals left open": (lambda t: _LITERAL.findall(t), '"abc_def', ""),
    "promql selectors and label lists": (selected_metrics, "sum by (le) (rate(x{a=\"b\"}[5m])) + ", "1"),
    "jsonnet block comments left open": (jsonnet.objects, "/*", "x"),
    "jsonnet escaped quotes left open": (jsonnet.objects, "'\\'", ""),
    "jsonnet verbatim strings left open": (jsonnet.objects, "@'", "x"),
    "jsonnet text blocks": (jsonnet.objects, "|||\n", "x"),
    "jsonnet deep objects": (jsonnet.objects, "{a: ", ""),
    "heredoc writes without a delimiter": (lambda t: _WRITE.findall(t), "cat > a.yml <<", "x"),
    "heredoc writes of long names": (lambda t: _WRITE.findall(t), "cat >", "x"),
    "jsonnet alert objects": (jsonnet.objects, "{alert: 'A', 'for': 1},", ""),
}


# Repetitions of a short trigger; a long one is repeated to about 3,000 characters (at least 100
# times). The scanners grow at most 2.07× at these sizes (2.03× at twice them, measured
# 2026-12-08); a quadratic one grows 4×, and its count at n (millions of steps over 3,000
# characters) is far above SLACK.
REPS = 1_000


def reps(trigger: str) -> int:
    return min(REPS, max(100, 3_000 // len(trigger)))


GROWTH = 2.5
SLACK = 1_000_000  # instructions that don't grow with the text (a cache filled once, a regex compiled)
HELM_VALUES = {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "100m"}}}
HELM_LINE = "      {{ toYaml .Values.resources | nindent 8 }}\n"


def quadratic_scan(text: str) -> int:
    """The classic quadratic slip: the rest of the text sliced at every character."""
    n = 0
    for i in range(len(text)):
        n += text[i:].count("x") > 0
    return n


_PROGRAM = f"""
import sys
sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parent.parent)!r}]
from test_linear import ATTACKS, HELM_LINE, HELM_VALUES, REPS, helm, quadratic_scan, reps
for fn, trigger, tail in ATTACKS.values():  # what is done once (imports, compiles) is not measured
    fn(trigger * 10 + tail)
helm.render(HELM_LINE * 10, HELM_VALUES)
quadratic_scan("ab" * 10)
MARK()
for fn, trigger, tail in ATTACKS.values():
    for n in (reps(trigger), 2 * reps(trigger)):
        fn(trigger * n + tail)
        MARK()
for n in (reps(HELM_LINE), 2 * reps(HELM_LINE)):
    helm.render(HELM_LINE * n, HELM_VALUES)
    MARK()
for n in (1_000, 2_000):  # the measure itself (test_the_count_sees_a_quadratic_scanner)
    quadratic_scan("ab" * n)
    MARK()
"""


def START_COUNTING():  # noqa: N802 - the name conftest looks for
    """The callgrind run of this module (started when the session's tests are collected)."""
    return instructions_of("test_linear", lambda folder: Instructions(_PROGRAM, folder=folder))


@pytest.fixture(scope="module")
def work() -> dict[str, tuple[int, int]]:
    """Each scanner's instructions on n and 2n repetitions of its trigger (one callgrind run)."""
    valgrind()
    counts = START_COUNTING().counts()
    names = [*ATTACKS, "helm values", "a quadratic scanner"]
    assert len(counts) == 2 * len(names)
    return {name: (counts[2 * i], counts[2 * i + 1]) for i, name in enumerate(names)}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_scanners_stay_linear(name, work):
    small, large = work[name]
    assert large < GROWTH * small + SLACK, f"{name}: {small:,} -> {large:,} instructions when the input doubles"


def test_a_values_block_used_on_many_lines_is_dumped_once(work):
    small, large = work["helm values"]
    assert large < GROWTH * small + SLACK, f"{small:,} -> {large:,} instructions when the lines double"


def test_the_count_sees_a_quadratic_scanner(work):
    """The measure itself: a scanner that slices the rest of its text at every character (the
    classic quadratic slip) grows 4× when its input doubles, far past the bound (counted in the
    same callgrind run as the scanners, on 1,000 and 2,000 repetitions of ``ab``)."""
    small, large = work["a quadratic scanner"]
    assert large > GROWTH * small + SLACK
