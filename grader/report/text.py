"""Making text from a submission safe to show."""

from __future__ import annotations

from grader.patterns import lazy

# C0 controls (ESC, CR, BEL...), DEL, C1 controls, bidirectional overrides, and what XML 1.0
# cannot hold (lone surrogates, U+FFFE, U+FFFF).
_CONTROL = lazy("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def shown_name(name: str) -> str:
    """A file or folder name as text any output can hold: bytes that are not UTF-8 (kept by
    Python as lone surrogates) shown as ``\\xe9`` escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def escape_controls(text: str) -> str:
    """Control characters (and what XML can't hold) shown as escapes, nothing else changed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def clean(text, *, single_line: bool = True) -> str:
    """Text with control characters shown as escapes (``\\x1b``), never executed by a terminal.

    With ``single_line``, newlines and tabs become spaces too. ``::`` gets a zero-width space
    between its colons, so a line of ours can never be read as a CI workflow command
    (``::set-output``, ``::add-mask``) when the report is printed in a CI log."""
    text = "" if text is None else str(text)
    if single_line:
        text = text.replace("\n", " ").replace("\t", " ")
    text = text.replace("::", ":\u200b:")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)
