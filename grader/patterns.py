"""Regular expressions that a rubric supplies, run by RE2 (google-re2): its matching time is
linear in the text whatever the pattern, so no rubric pattern meets a learner's line built to
make it backtrack (``(a|aa)+$``, ``\\w*\\w*\\w*!``). RE2 is imported only when a rubric supplies
a pattern of its own; loopcheck's own patterns are Python's ``re``, each enumerated and run on
adversarial texts by the test suite; they are compiled on first use (:func:`lazy`), so a run
compiles only the patterns of the checks it runs.

RE2 has no backreferences (``\\1``) and no lookaround (``(?=``, ``(?<=``): a pattern that uses
them is refused when the rubric is validated, with RE2's reason."""

from __future__ import annotations

import re
from typing import cast


def _re2():
    try:
        import re2
    except ImportError:  # pragma: no cover - a dependency; a broken install says so
        raise ValueError("rubric patterns need the google-re2 package (pip install google-re2)") from None
    return re2


def compile_rubric(pattern: str, *, ignore_case: bool = True):
    """``pattern`` compiled by RE2 (case-insensitive by default); ``.search(text)`` as with
    ``re``. Raises ValueError with RE2's reason when RE2 can't compile it."""
    re2 = _re2()
    options = re2.Options()
    options.log_errors = False  # the reason is in the exception, not printed by RE2 itself
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(f"{reason} (rubric patterns are RE2's syntax: no backreferences or lookaround)") from None


def check(pattern: str) -> str | None:
    """None when RE2 compiles ``pattern``, else why not."""
    try:
        compile_rubric(pattern)
    except ValueError as exc:
        return f"invalid regular expression: {exc}"
    return None


class _Lazy:
    """A regular expression of loopcheck's own (Python's ``re``), compiled the first time one
    of its methods is used — by the check that needs it — rather than when its module is
    imported. Reads as a ``re.Pattern``: ``.pattern`` and ``.flags`` are there without
    compiling; the first ``.search``/``.match``/... compiles once and binds the compiled
    pattern's methods onto this object, so later calls go straight to them."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str):
        # only attributes not set yet arrive here; dunders are the interpreter's probes
        # (copy, pickle), never a reason to compile
        if name.startswith("__"):
            raise AttributeError(name)
        compiled = re.compile(self.pattern, self.flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self.flags!r})"


_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "groups",
            "groupindex", "scanner")


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)`` on first use (see :class:`_Lazy`); typed as the pattern it
    becomes. Not accepted where ``re`` wants a compiled pattern object (``re.sub(lazy(...),``):
    call its own methods."""
    return cast("re.Pattern[str]", _Lazy(pattern, flags))


def compiled(value: object) -> re.Pattern[str] | None:
    """The compiled pattern behind a module-level pattern (compiling a lazy one now), or None
    when ``value`` is not a pattern of loopcheck's: for the tests that enumerate them."""
    if isinstance(value, _Lazy):
        value.search  # noqa: B018 - compiles and binds
        return re.compile(value.pattern, value.flags)
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        return value
    return None
