"""Regular expressions that a rubric supplies, run by RE2 (google-re2): its matching time is
linear in the text whatever the pattern, so no rubric pattern meets a learner's line built to
make it backtrack (``(a|aa)+$``, ``\\w*\\w*\\w*!``). RE2 is imported only when a rubric supplies
a pattern of its own; loopcheck's own patterns are Python's ``re``, each enumerated and run on
adversarial texts by the test suite.

RE2 has no backreferences (``\\1``) and no lookaround (``(?=``, ``(?<=``): a pattern that uses
them is refused when the rubric is validated, with RE2's reason."""

from __future__ import annotations


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
