"""Grading a whole class: discover ─► prepare ─► pool ─► results.

* :mod:`~grader.batch.discover` turns folders, archives, bundles, URLs and rosters into
  :class:`~grader.batch.discover.Task` s with unique ids;
* :mod:`~grader.batch.prepare` (in a worker) fingerprints a task, unpacks or clones it and
  grades it into a :class:`~grader.batch.results.Result`;
* :mod:`~grader.batch.pool` runs the workers, each submission bounded in time and memory;
* :mod:`~grader.batch.results` is the typed result (JSON Lines too) and the similarity pairs;
* :mod:`~grader.batch.gradebook` stores every result in an SQLite gradebook, for ``--resume``,
  ``merge``, a student's history, the exports and the class report.

The class CSV and summary are rendered by :mod:`grader.report.grades`.
"""

from __future__ import annotations

from grader.batch.discover import Task, discover, duplicates, redact, shard
from grader.batch.pool import run
from grader.batch.results import Result, load_jsonl, merge, similar_pairs, similarity

__all__ = ["Result", "Task", "discover", "duplicates", "load_jsonl", "merge", "redact", "run", "shard", "similar_pairs",
           "similarity"]
