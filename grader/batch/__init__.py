"""Grading a whole class: discover ─► prepare ─► pool ─► results.

* :mod:`~grader.batch.discover` turns folders, archives, bundles, URLs and rosters into
  :class:`~grader.batch.discover.Task` s with unique ids;
* :mod:`~grader.batch.prepare` (in a worker) fingerprints a task, unpacks or clones it and
  grades it into a :class:`~grader.batch.results.Result`;
* :mod:`~grader.batch.pool` runs the workers, each submission bounded in time and memory;
* :mod:`~grader.batch.results` stores results as JSON Lines, resumes and merges them.

The class CSV and summary are rendered by :mod:`grader.report.grades`.
"""

from __future__ import annotations

from grader.batch.discover import Task, discover, redact, shard
from grader.batch.pool import run
from grader.batch.results import Result, load_jsonl, merge, similar_pairs

__all__ = ["Result", "Task", "discover", "load_jsonl", "merge", "redact", "run", "shard", "similar_pairs"]
