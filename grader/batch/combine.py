"""``loopcheck merge``: the gradebooks (or ``--jsonl`` results files) of several shards combined
into one gradebook; two results of one submission that disagree are refused."""

from __future__ import annotations

from grader.batch.gradebook import Gradebook
from grader.batch.results import Result, merge
from grader.errors import LoopcheckError


def is_gradebook(path: str) -> bool:
    """An SQLite file (by its first bytes), not a results file."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def combine(book: Gradebook, files: list[str]) -> None:
    """Copy into ``book`` (open, locked) every result of ``files`` it does not hold yet; the
    book itself, if named among them, is left out."""
    from grader.outputs import same_file

    sources = [f for f in files if not same_file(f, book.path)]
    books = [f for f in sources if is_gradebook(f)]
    jsonls = [f for f in sources if f not in books]
    merged = merge(jsonls) if jsonls else {}
    for path in books:
        with Gradebook(path, create=False) as other:
            if not other.count():
                raise LoopcheckError(f"{path}: no results in it")
            _check_conflicts(merged, other.latest(), path)
            book.merge_from(other)
    stored = book.latest()
    for rid, res in merged.items():
        if rid not in stored or stored[rid].key() != res.key():
            book.add(res)


def _check_conflicts(merged: dict[str, Result], other: dict[str, Result], path: str) -> None:
    clash = [rid for rid, res in other.items() if rid in merged and merged[rid].key() != res.key()]
    if clash:
        raise LoopcheckError(f"conflicting results for the same submission: {', '.join(clash[:5])} ({path})")
