"""The hand-written shell splitter (``grader.evidence.shell.lexer.split_script``) against a real
bash parser, tree-sitter-bash (a test-only dependency: the splitter stays hand-written because
it must be linear, bounded and never execute anything, and it must read the ``${{ ... }}``
templates CI systems substitute before bash runs, which a bash parser rejects).

Why tree-sitter-bash and not bashlex: on the scripts of ``tests/cases`` and on the constructs
CI scripts use, bashlex (a port of bash's own grammar, last released in 2023) raises on
``case``, ``[[ ... ]]``, arrays, ``$(( ... ))``, C-style ``for``, ``select``, ``coproc`` and
``time``; tree-sitter-bash parses every one of them.

Both sides are compared as the multiset of simple commands a script runs, each written as
``normalise`` writes it and cut before its redirections. What the splitter emits on purpose
that is no command (the ``fi``/``done``/``then`` lines, ``for x in ...`` headers, a function's
``name() {`` line, ``[[ ... ]]`` tests) is dropped from its side first: those classify as
nothing; so are the commands it reads as run on a remote host (``ssh host 'cmd'``). Known
divergences, where the splitter is wrong, are listed in ``KNOWN`` and tested to
stay as they are described, so a change that fixes or worsens one is seen.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import tree_sitter
import tree_sitter_bash
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.evidence.shell import normalise, split_script

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
CASES = Path(__file__).parent / "cases"

_NOT_COMMANDS = re.compile(r"^(?:then|do|else|fi|done|esac|\{|\}|;;)$|^(?:for|case|select|function)\s|^\[\[?\s|^\(\(|"
                           r"^[A-Za-z_][\w.-]*\s*\(\s*\)")
_REDIRECT = re.compile(r"\s(?:\d*>>?&?|&>|<<?<?|\d*<)\S*.*$")
_TEMPLATE = re.compile(r"\$\{\{.*?\}\}")


def _key(text: str) -> str:
    text = normalise(text.replace("\\\n", " "))
    return _REDIRECT.sub("", " " + text).strip() if text[:1] not in "<>" else text


def ours(script: str) -> Counter:
    """The splitter's commands (those it reads as run on another machine, after ``ssh host``,
    are its own addition: bash runs ``ssh``)."""
    keys = (_key(c.text) for c in split_script(script, 1) if not c.remote)
    return Counter(k for k in keys if k and not _NOT_COMMANDS.search(k))


def parsed(script: str) -> Counter:
    """The simple commands tree-sitter-bash finds, up to a top-level ``exit`` (what follows one
    never runs); commands inside ``$(...)`` belong to the word that holds them."""
    root = PARSER.parse(script.encode()).root_node
    found: list[str] = []

    def walk(node) -> None:
        if node.type in ("command", "declaration_command"):
            found.append(_key(node.text.decode()))
            return
        if node.type in ("command_substitution", "process_substitution", "heredoc_body"):
            return
        for child in node.children:
            walk(child)

    for statement in root.children:
        walk(statement)
        if statement.type == "command" and statement.text.decode().split()[:1] == ["exit"]:
            break
    return Counter(k for k in found if k)


def parses_cleanly(script: str) -> bool:
    return not PARSER.parse(script.encode()).root_node.has_error


# -- scripts made from the constructs the splitter reads ------------------------------------------
WORDS = st.sampled_from(["make", "test", "deploy", "-f", "k8s/", "./build.sh", "$VERSION", "${TAG}", "app:1.0",
                         "'a; b && c'", '"x | y # z"', '"$(date +%s)"', "--set=a=b", "prod", "a=b", "2"])
TOOLS = st.sampled_from(["make", "npm test", "kubectl apply", "docker build", "pytest", "helm upgrade", "curl -f",
                         "echo", "cd app", "./deploy.sh", "FOO=1 make", "sudo apt-get install", "time make"])


@st.composite
def simple(draw, tools=TOOLS) -> str:
    words = [draw(tools), *draw(st.lists(WORDS, max_size=3))]
    if draw(st.booleans()):
        words.append(draw(st.sampled_from(["> out.log", "2>&1", ">/dev/null 2>&1", "< in.txt"])))
    return " ".join(words)


CONDITIONS = TOOLS.filter(lambda t: "=" not in t)  # (see KNOWN: an assignment after `if`)


@st.composite
def command_list(draw, comment: bool = True) -> str:
    parts = draw(st.lists(simple(), min_size=1, max_size=3))
    seps = [draw(st.sampled_from([" && ", " || ", "; ", " | ", " && \\\n  "])) for _ in parts[1:]]
    text = parts[0] + "".join(sep + part for sep, part in zip(seps, parts[1:], strict=True))
    if comment and draw(st.booleans()):
        text += draw(st.sampled_from(["  # make deploy", " # kubectl apply -f x; rm -rf /"]))
    return text


@st.composite
def statement(draw, depth: int = 0) -> str:
    kinds = ["list", "comment", "heredoc", "exit"] + (["if", "for", "while", "group", "subshell", "function"]
                                                       if depth < 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "list":
        return draw(command_list())
    if kind == "comment":
        return "# " + draw(command_list())
    if kind == "heredoc":
        return "cat <<EOF > notes.txt\n" + draw(command_list()) + "\nEOF"
    if kind == "exit":
        return draw(st.sampled_from(["exit 0", "exit 1"]))
    body = "\n".join(draw(st.lists(statement(depth + 1), min_size=1, max_size=3)))
    if kind == "if":
        tail = "\nelse\n" + draw(command_list()) if draw(st.booleans()) else ""
        return f"if {draw(simple(CONDITIONS))}; then\n{body}{tail}\nfi"
    if kind == "for":
        return f"for x in a b; do\n{body}\ndone"
    if kind == "while":
        return f"while {draw(simple(CONDITIONS))}; do\n{body}\ndone"
    if kind == "group":
        return "{\n" + body + "\n}"
    if kind == "subshell":
        return f"({draw(command_list(comment=False))})"
    return f"build_it() {{\n{body}\n}}"


SCRIPTS = st.lists(statement(), min_size=1, max_size=6).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCRIPTS)
def test_the_splitter_finds_the_commands_bash_would_run(script):
    assert parses_cleanly(script), script
    assert ours(script) == parsed(script), script


# -- the scripts of the test cases ----------------------------------------------------------------
def _case_scripts() -> list[str]:
    scripts = [p.read_text(encoding="utf-8") for p in sorted(CASES.rglob("*.sh"))]

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("run", "script", "commands", "before_script", "after_script"):
                    values = value if isinstance(value, list) else [value]
                    scripts.extend(v for v in values if isinstance(v, str))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted([*CASES.rglob("*.yml"), *CASES.rglob("*.yaml")]):
        try:
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                walk(doc)
        except yaml.YAMLError:
            continue
    # a CI template is one word to bash once the CI system has filled it in
    return [_TEMPLATE.sub(lambda m: "T" * len(m.group()), s) for s in scripts]


# Where the splitter and bash disagree on the cases' scripts: (what, a script that shows it,
# the commands only the splitter sees, the commands only bash sees).
KNOWN = [
    ("an assignment after `if`, `while` or `then` stays in front of the command",
     "if FOO=1 make test; then\n  make deploy\nfi", ["FOO=1 make test"], ["make test"]),
    ("a variable assigned a command's output (`out=$(cmd args)`) leaves `args)` as a command",
     'out=$(./slug --upper hello)\n[ "$out" = "HELLO" ]', ["--upper hello)"], []),
    ("a `case` arm keeps its pattern in front of its command",
     'case "$1" in\n  prod) kubectl apply -f k8s/;;\nesac', ["prod) kubectl apply -f k8s/"], ["kubectl apply -f k8s/"]),
]


def test_the_known_divergences_are_as_described():
    for what, script, only_ours, only_bash in KNOWN:
        mine, theirs = ours(script), parsed(script)
        assert sorted((mine - theirs).elements()) == only_ours, what
        assert sorted((theirs - mine).elements()) == only_bash, what


def test_the_splitter_agrees_with_bash_on_the_case_scripts():
    scripts = [s for s in _case_scripts() if parses_cleanly(s)]
    assert len(scripts) > 300
    differ = []
    for script in scripts:
        if re.search(r"(?m)^\s*case\s|^\s*\w+=\$\([^)]*\s", script):  # the known divergences above
            continue
        mine, theirs = ours(script), parsed(script)
        if mine != theirs:
            differ.append(json.dumps({"script": script[:300], "only ours": sorted((mine - theirs).elements()),
                                      "only bash": sorted((theirs - mine).elements())}))
    assert not differ, "\n".join(differ[:10])
