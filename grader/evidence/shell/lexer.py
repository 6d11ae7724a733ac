"""The shell lexer: a script split into the simple commands that would run, never executing it.

A pipeline step's script counts only for the commands that would execute: a command in a
shell comment, inside a here-document, or after a top-level ``exit`` doesn't count. The split is
linear in the script's length (every pattern here is one pass; a quote that is never closed
runs to the end), and ``tests/test_shell_differential.py`` checks it against a real bash parser.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shlex
from dataclasses import dataclass

from grader.model import Location
from grader.patterns import lazy

# assignments before a command, of any shape: `A=1`, `A="a b"`, `A=$(cmd)`, `A=${{ vars.X }}` (a CI
# expression with spaces), several in a row
_ENV_ASSIGN = lazy(r"^(?:[A-Za-z_][A-Za-z0-9_]*=(?:\"[^\"]*\"|'[^']*'|\$\([^()]*\)|\$\{\{[^}]*\}\}\S*|\S*)\s+)+")
# (what a condition runs is run: `if curl -f ...`, `until kubectl rollout status ...`)
_PREFIXES = lazy(r"^(?:(?:sudo|time|exec|command|nohup|env|then|do|else|if|elif|while|until|!)\s+(?:-\S+\s+)*)+")
NOT_RUN = lazy(r"^(?:echo|printf|:|true|false|#|cat\s*<<|read)\b")
_SPLIT = lazy(r"&&|\|\||;|\|(?!\|)|(?<![<>&])&(?![&>])")  # (not the `&` of `2>&1`, `>&2`, `&>`)
# Compound commands open and close: an `exit` inside one ends the script only when it runs.
_OPENS = frozenset({"if", "case", "for", "while", "until", "select"})
_CLOSES = frozenset({"fi", "esac", "done"})
_BRACE_OPEN = lazy(r"(?:^|[\s;&|(])\{(?=\s|$)")
_BRACE_CLOSE = lazy(r"(?:^|[\s;&|])\}(?=[\s;&|)]|$)")
# What after `||` makes a failure harmless: `|| true`, `|| :`, `|| exit 0`, `|| echo ...`.
_ALWAYS_OK = lazy(r"^(?:true|:|exit\s+0|/bin/true)\s*$|^(?:echo|printf)\b")


@dataclass(frozen=True, slots=True)
class Command:
    text: str  # one simple command, as written (comments removed)
    line: int  # 1-based line in the pipeline file (or in ``path``)
    path: str = ""  # the file it is in when not the pipeline's (a script, Makefile, package.json)
    via: tuple[str, ...] = ()  # the places that lead to it from the pipeline, outermost first
    ignored: bool = False  # its failure is ignored (`cmd || true`): it can't stop the pipeline
    resolved: bool = False  # what it runs was read from the repository (and follows it)
    remote: bool = False  # runs on another machine the pipeline logs into (`ssh host '...'`)
    scope: str | None = None  # the folder whose files it sees, run in an image built from there ("": all)

    def at(self, pipeline_path: str) -> Location:
        """Where the command is, with the chain that reaches it."""
        return Location(self.path or pipeline_path, self.line, self.via)


def _strip_comment(line: str) -> str:
    """Drop a shell comment: '#' at the start of a word, outside quotes."""
    quote = None
    prev = " "
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "#" and prev in " \t;|&(":
            return line[:i]
        prev = ch
    return line


# A quote that is never closed runs to the end: every quote is one match, so it stays linear.
_QUOTED = lazy(r"'[^']*(?:'|\Z)|\"(?:[^\"\\]|\\.)*(?:\"|\\?\Z)")


def _mask_quotes(text: str) -> str:
    """Replace quoted text by placeholders so separators inside strings don't split."""
    return _QUOTED.sub(lambda m: "_" * len(m.group()), text)


def _trim_group(piece: str) -> str:
    """A command without the grouping around it (`(cd app && make)`, `{ build; }`): leading `(`/`{`
    and closing `)`/`}` that nothing in it opened go; `${VERSION}` and `$(date)` stay whole."""
    text = piece.strip()
    while text[:1] in ("(", "{"):
        text = text[1:].lstrip()
    while text[-1:] in (")", "}") and text.count(text[-1]) > text.count("(" if text[-1] == ")" else "{"):
        text = text[:-1].rstrip()
    return text


def split_script(script: str, first_line: int, _depth: int = 0) -> list[Command]:
    """The simple commands a shell script would run, each with its line number (and those an
    ``ssh`` in it runs on the remote host, marked ``remote``).

    A line-by-line state machine: a here-document's body is skipped (or, after ``ssh host``,
    read as what runs there), ``depth`` counts open compound commands (an ``exit`` inside one
    is conditional, a top-level one ends the script), and the span of each shell function's
    body is kept so that calls of wrapper functions read as what they run."""
    out: list[Command] = []
    if not isinstance(script, str):
        return out
    lines = script.split("\n")
    i = 0
    depth = 0  # open compound commands (if/case/loops/braces): an exit inside them is conditional
    in_heredoc = None
    functions: dict[str, tuple[int, int]] = {}  # name -> the span of ``out`` its body holds
    opened: tuple[str, int, int, bool] | None = None  # a function whose body is being read
    one_line: tuple[str, int] | None = None
    while i < len(lines):
        start = i
        if in_heredoc:
            if lines[i].strip() == in_heredoc:
                in_heredoc = None
            i += 1
            continue
        logical, i = _logical_line(lines, i)
        heredoc = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", logical)
        stripped = logical.strip()
        if heredoc and _depth < 2 and _SSH.match(normalise(stripped)):
            # `ssh host <<EOF` ... `EOF`: the lines between run on the host
            body_start = i
            while i < len(lines) and lines[i].strip() != heredoc.group(1):
                i += 1
            out.append(Command(stripped, first_line + start))
            out.extend(dataclasses.replace(c, remote=True)
                       for c in split_script("\n".join(lines[body_start:i]), first_line + body_start, _depth + 1))
            i += 1
            continue
        if heredoc:
            in_heredoc = heredoc.group(1)
        if not stripped:
            continue
        head = _FUNC_HEAD.match(stripped) if "(" in stripped or stripped.startswith("function") else None
        if head:
            name, body = head.group(1) or head.group(2), (head.group(3) or "").strip()
            if body.startswith("{") and _BRACE_CLOSE.search(_mask_quotes(body)):  # name() { cmd "$@"; }
                one_line = (name, len(out))
                stripped = body[1:].rstrip().removesuffix("}").rstrip().rstrip(";")
            else:
                opened = (name, len(out), depth, False)
        masked = _mask_quotes(stripped)
        at_top = depth == 0
        depth = _depth_after(depth, masked)
        out.extend(_line_commands(stripped, masked, first_line + start, _depth))
        if one_line:
            functions[one_line[0]] = (one_line[1], len(out))
            one_line = None
        if opened:
            name, at, level, deeper = opened
            if depth > level:
                opened = (name, at, level, True)
            elif deeper and depth <= level:  # the function's closing brace
                functions[name] = (at, len(out))
                opened = None
        if at_top and re.match(r"^exit\b", stripped):
            break
    return _call_functions(out, functions) if functions else out


def _logical_line(lines: list[str], i: int) -> tuple[str, int]:
    """Line ``i`` without its comment, with the lines its trailing backslashes continue onto;
    and the index of the line after it."""
    logical = _strip_comment(lines[i])
    while logical.rstrip().endswith("\\") and i + 1 < len(lines):
        i += 1
        logical = logical.rstrip()[:-1] + " " + _strip_comment(lines[i]).strip()
    return logical, i + 1


def _depth_after(depth: int, masked: str) -> int:
    """The count of open compound commands after a line (its quotes masked): braces, and
    ``if``/``case``/loops opened or ``fi``/``esac``/``done`` closed by its commands."""
    depth += len(_BRACE_OPEN.findall(masked)) - len(_BRACE_CLOSE.findall(masked))
    for part in _SPLIT.split(masked):
        first = part.strip().lstrip("(").split(" ", 1)[0]
        depth += (first in _OPENS) - (first in _CLOSES)
    return max(depth, 0)


def _line_commands(stripped: str, masked: str, line: int, _depth: int) -> list[Command]:
    """The simple commands of one logical line (split at ``&&``, ``||``, ``;``, ``|``, ``&``
    outside quotes), a failure made harmless by ``|| true`` marked ``ignored``, and what an
    ``ssh`` among them runs on the host."""
    out: list[Command] = []
    pos = 0
    pieces: list[tuple[str, str]] = []  # (command, the separator after it)
    for match in list(_SPLIT.finditer(masked)) + [None]:
        end = match.start() if match else len(masked)
        piece = stripped[pos:end].strip()
        pos = match.end() if match else len(masked)
        pieces.append((_trim_group(piece), match.group() if match else ""))
    for index, (piece, sep) in enumerate(pieces):
        if not piece:
            continue
        after = pieces[index + 1][0] if index + 1 < len(pieces) else ""
        ignored = sep == "||" and bool(_ALWAYS_OK.match(after))
        out.append(Command(piece, line, ignored=ignored))
        remote = remote_command(piece) if _depth < 2 and "ssh" in piece else None
        if remote:
            out.extend(dataclasses.replace(c, line=line, remote=True)
                       for c in split_script(remote, 1, _depth + 1))
    return out


# A shell function definition: `name() {`, `function name {`, `function name() { ...; }`.
_FUNC_HEAD = lazy(r"^(?:function\s+([A-Za-z_][\w.-]*)\s*(?:\(\s*\))?|([A-Za-z_][\w.-]*)\s*\(\s*\))\s*(\{.*)?$")
_ALL_ARGS = lazy(r'"\$@"|"\$\{@\}"|"\$\*"|\$\{@\}|\$@|\$\*')
_SHIFT = lazy(r"^shift(?:\s+(\d+))?\s*$")


def _call_functions(out: list[Command], functions: dict[str, tuple[int, int]]) -> list[Command]:
    """Calls of the script's own wrapper functions read as what they run: a function whose
    body runs its arguments (`compose() { docker compose -f prod.yml "$@"; }`, a `retry` that
    shifts its count off and runs `"$@"`) makes `compose up -d` the `docker compose` command and
    `retry 5 2 curl -f ...` the `curl`."""
    wrappers: dict[str, tuple[str, int]] = {}
    for name, (start, end) in functions.items():
        shifts = 0
        for cmd in out[start:end]:
            text = normalise(cmd.text)
            moved = _SHIFT.match(text)
            if moved:
                shifts += int(moved.group(1) or 1)
            elif _ALL_ARGS.search(text):
                wrappers[name] = (text, shifts)
                break
    if not wrappers:
        return out
    inside = [False] * len(out)  # the definitions themselves are not calls
    for start, end in functions.values():
        inside[start:end] = [True] * (end - start)
    result = []
    for index, cmd in enumerate(out):
        word, _, rest = normalise(cmd.text).partition(" ")
        wrapper = wrappers.get(word)
        if wrapper and not inside[index]:
            template, shifts = wrapper
            args = " ".join(rest.split()[shifts:])
            m = _ALL_ARGS.search(template)
            if m:
                cmd = dataclasses.replace(cmd, text=template[:m.start()] + args + template[m.end():])
        result.append(cmd)
    return result


_SSH = lazy(r"^(?:sshpass\b.*?\s)?ssh\s+(.*)$")
_SSH_VALUE_OPTIONS = frozenset("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w".split())


def remote_command(text: str) -> str | None:
    """The command line ``ssh [options] HOST COMMAND...`` runs on the host (None when it is not
    such a command, or opens a shell)."""
    m = _SSH.match(normalise(text))
    if not m:
        return None
    words = shell_words(m.group(1))
    if words is None:  # an unclosed quote: nothing certain runs there
        return None
    i = 0
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in _SSH_VALUE_OPTIONS else 1
    rest = words[i + 1:]
    return " ".join(rest) if rest else None


# The longest command line split into words as the shell would: shlex builds a word one
# character at a time, so its time grows with the square of a word's length.
MAX_WORDS_TEXT = 10_000


def shell_words(text: str) -> list[str] | None:
    """The words of a command line as the shell splits them, quotes removed; None when a quote
    is never closed, or the line is longer than :data:`MAX_WORDS_TEXT` (too long to split in
    bounded time: a line of generated data, not a command someone wrote)."""
    if len(text) > MAX_WORDS_TEXT:
        return None
    try:
        return shlex.split(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 16)
def normalise(command: str) -> str:
    text = _ENV_ASSIGN.sub("", command.strip())
    text = _PREFIXES.sub("", text)
    return re.sub(r"\s+", " ", text)
