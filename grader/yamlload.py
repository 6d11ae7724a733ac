"""A bounded YAML loader that keeps line numbers.

Builds plain Python values straight from libyaml's event stream (the C parser when
available), without PyYAML's constructor:

* mappings become :class:`YDict` (``.line`` and ``.key_lines``), sequences :class:`YList`
  (``.line`` and ``.item_lines``), so every finding can name ``path:line``;
* mapping keys are kept as the text that was written, so GitHub's ``on:`` stays ``"on"``
  instead of YAML 1.1's boolean ``True``;
* aliases count against a node budget (a "billion laughs" document is refused, not
  expanded), nesting depth is capped, and duplicate keys are an error;
* merge keys (``<<: *defaults``, common in GitLab CI) are honoured.

Anything wrong raises :class:`YamlError` with a line number; callers report the file as
unreadable and go on.
"""

from __future__ import annotations

from typing import Any

import yaml

from grader.patterns import lazy

_Parser: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when it is there

MAX_DEPTH = 200
MAX_NODES = 250_000


class YamlError(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class YDict(dict):
    __slots__ = ("line", "key_lines")

    def __init__(self, line: int = 0):
        super().__init__()
        self.line = line
        self.key_lines: dict = {}

    def line_of(self, key, default: int | None = None) -> int | None:
        return self.key_lines.get(key, default if default is not None else self.line)


class YList(list):
    __slots__ = ("line", "item_lines")

    def __init__(self, line: int = 0):
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        try:
            return self.item_lines[index]
        except IndexError:
            return self.line


def mapping(value) -> dict:
    """``value`` when it is a mapping, else an empty one (for reading optional YAML keys)."""
    return value if isinstance(value, dict) else {}


def item_line(seq, index: int, default: int = 0) -> int:
    """The line of a sequence's item (a YAML list keeps them), else ``default``."""
    return seq.line_of(index) if isinstance(seq, YList) else default


def line_of(value, default: int | None = None) -> int | None:
    return getattr(value, "line", default)


_INT = lazy(r"^[-+]?(0|[1-9][0-9_]*)$")
_INT_OTHER = lazy(r"^[-+]?0(x[0-9a-fA-F_]+|o?[0-7_]+|b[01_]+)$")
_FLOAT = lazy(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_BOOL = {
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    "yes": True, "Yes": True, "YES": True, "no": False, "No": False, "NO": False,
    "on": True, "On": True, "ON": True, "off": False, "Off": False, "OFF": False,
}
_NULL = {"", "~", "null", "Null", "NULL"}
_NUMBER_START = frozenset("+-.0123456789")  # the first character of every match of _INT, _INT_OTHER and _FLOAT


def _scalar(event):
    value = event.value
    tag = event.tag
    if tag and tag not in ("!", "tag:yaml.org,2002:str") and not tag.startswith("tag:yaml.org"):
        return value  # application tags (!reference, !Ref...): keep the text
    if tag == "tag:yaml.org,2002:str" or not event.implicit[0]:
        return value  # quoted or explicitly a string
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if value[0] not in _NUMBER_START:
        return value  # most plain scalars are words: no number pattern can match them
    if _INT.match(value):
        return int(value.replace("_", ""))
    if _INT_OTHER.match(value):
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if _FLOAT.match(value) and any(ch.isdigit() for ch in value):
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    if value in (".inf", ".Inf", "+.inf", "-.inf", ".nan", ".NaN"):
        return value
    return value


class _Frame:
    __slots__ = ("container", "is_map", "key", "key_line", "anchor", "start", "merges")

    def __init__(self, container, is_map, anchor, start):
        self.container = container
        self.is_map = is_map
        self.key = _NO_KEY
        self.key_line = 0
        self.anchor = anchor
        self.start = start
        self.merges = None


_NO_KEY = object()


def load_all(text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> list:
    """Every document of ``text`` as plain values with line numbers.

    A state machine over the parser's events: a stack of the containers being built, the
    anchors of the current document, and the count of nodes so far.

    Raises :class:`YamlError` for syntax errors, duplicate keys, too deep nesting or a
    document that expands (through aliases) beyond ``max_nodes`` nodes (a long string counts
    one node per 80 characters).
    """
    parser = _Parser(text)
    docs: list = []
    stack: list[_Frame] = []
    anchors: dict[str, tuple[object, int]] = {}
    count = 0
    try:
        while True:
            event: Any = parser.get_event()
            if event is None:
                break
            cls = type(event)
            line = event.start_mark.line + 1 if event.start_mark else 0
            if cls is yaml.ScalarEvent:
                value = _scalar(event)
                # a long string weighs by its length (a line of 80 characters ~ a node), so an
                # alias repeated many times can't expand a small file into a huge document
                size = 1 + len(event.value) // 80
                if event.anchor:
                    anchors[event.anchor] = (value, size)
                raw_key = event.value
            elif cls is yaml.AliasEvent:
                if event.anchor not in anchors:
                    raise YamlError(f"unknown alias *{event.anchor}", line)
                value, size = anchors[event.anchor]
                raw_key = value if isinstance(value, str) else None
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                if len(stack) >= max_depth:
                    raise YamlError(f"nested deeper than {max_depth} levels", line)
                is_map = cls is yaml.MappingStartEvent
                container = YDict(line) if is_map else YList(line)
                stack.append(_Frame(container, is_map, event.anchor, count))
                count += 1
                if count > max_nodes:
                    raise YamlError(f"more than {max_nodes} nodes", line)
                continue
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                value = frame.container
                if frame.merges:
                    _apply_merges(value, frame.merges)
                size = count - frame.start
                if frame.anchor:
                    anchors[frame.anchor] = (value, size)
                raw_key = None
                line = value.line
                size = 0  # already counted while building
            elif cls is yaml.DocumentEndEvent:
                continue
            elif cls is yaml.DocumentStartEvent:
                anchors = {}
                continue
            elif cls is yaml.StreamEndEvent:
                break
            else:  # StreamStart
                continue

            count += size
            if count > max_nodes:
                raise YamlError(
                    f"more than {max_nodes} nodes (alias expansion or a huge document)", line
                )
            if stack:
                _place(stack[-1], value, raw_key, line)
            else:
                docs.append(value)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(str(problem), mark.line + 1 if mark else None) from None
    except RecursionError:
        raise YamlError("nesting too deep") from None
    finally:
        parser.dispose()
    return docs


def _place(top: _Frame, value: object, raw_key: object, line: int) -> None:
    """Put a finished value into the open container ``top``: a list's next item, a mapping's
    key (then its value), or a ``<<`` merge to apply when the mapping closes."""
    if not top.is_map:
        top.container.append(value)
        top.container.item_lines.append(line)
    elif top.key is _NO_KEY:
        if raw_key is None:
            raw_key = f"<complex key at line {line}>"
        top.key = raw_key
        top.key_line = line
    else:
        key = top.key
        top.key = _NO_KEY
        if key == "<<":
            if top.merges is None:
                top.merges = []
            top.merges.append(value)
            return
        mapping = top.container
        if key in mapping:
            raise YamlError(f"duplicate key {key!r}", top.key_line)
        mapping[key] = value
        mapping.key_lines[key] = top.key_line


def _apply_merges(mapping: YDict, merges: list) -> None:
    for source in merges:
        sources = source if isinstance(source, list) else [source]
        for src in sources:
            if not isinstance(src, dict):
                raise YamlError("merge key '<<' needs a mapping", mapping.line)
            for key, val in src.items():
                if key not in mapping:
                    mapping[key] = val
                    lines = getattr(src, "key_lines", {})
                    mapping.key_lines[key] = lines.get(key, mapping.line)


def embedded_docs(text: str, *, max_chars: int = 200_000) -> list:
    """The documents of YAML held in a string (a ConfigMap's data, a Helm value), or [] when
    it is too long or not YAML: embedded text is evidence, never an error of its own."""
    if len(text) > max_chars:
        return []
    try:
        return load_all(text)
    except YamlError:
        return []


def load(text: str, **kwargs):
    """The first document of ``text`` (``None`` when there is none)."""
    docs = load_all(text, **kwargs)
    return docs[0] if docs else None
