"""Linear on any text: the scanners that an attack round found exponential or quadratic, on
adversarial inputs of 10,000 and 20,000 repetitions of their trigger — the time may at most
grow 2.5× when the input doubles (promise: "bounded in time whatever the files contain")."""

from __future__ import annotations

import time

import pytest

from grader.detectors.plan import _ITEM
from grader.evidence import helm, jsonnet
from grader.evidence.ci.jenkins import _strip_comments
from grader.evidence.heredocs import _WRITE
from grader.evidence.linters import _cut
from grader.evidence.markdown import content_words
from grader.evidence.shell import split_script
from grader.submission import jinja_placeholders


def _seconds(fn, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - start)
    return best


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
    "jsonnet block comments left open": (jsonnet.objects, "/*", "x"),
    "jsonnet escaped quotes left open": (jsonnet.objects, "'\\'", ""),
    "jsonnet verbatim strings left open": (jsonnet.objects, "@'", "x"),
    "jsonnet text blocks": (jsonnet.objects, "|||\n", "x"),
    "jsonnet deep objects": (jsonnet.objects, "{a: ", ""),
    "heredoc writes without a delimiter": (lambda t: _WRITE.findall(t), "cat > a.yml <<", "x"),
    "heredoc writes of long names": (lambda t: _WRITE.findall(t), "cat >", "x"),
    "jsonnet alert objects": (jsonnet.objects, "{alert: 'A', 'for': 1},", ""),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_scanners_stay_linear(name):
    fn, trigger, tail = ATTACKS[name]
    small = _seconds(fn, trigger * 10_000 + tail)
    large = _seconds(fn, trigger * 20_000 + tail)
    assert large < 2.5 * small + 0.01, f"{name}: {small:.4f}s -> {large:.4f}s"
    assert large < 2.0, f"{name} takes {large:.2f}s on 20,000 repetitions"


def test_a_values_block_used_on_many_lines_is_dumped_once():
    values = {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "100m"}}}
    line = "      {{ toYaml .Values.resources | nindent 8 }}\n"
    small = _seconds(lambda t: helm.render(t, values), line * 2_000)
    large = _seconds(lambda t: helm.render(t, values), line * 4_000)
    assert large < 2.5 * small + 0.01
