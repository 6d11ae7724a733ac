"""The written work of Exercise 4.1, read wherever and however the learner wrote it.

Every Markdown or plain-text document of the repository is read (:mod:`.documents`); which
task each document or section holds is decided from its name, its headings or, failing those,
its content (:mod:`.placement`). The loop mapping is split into one unit per phase and the
feedback loops into one unit per loop (:mod:`.units`), each with its parts found by their
labels or by what the text says (:mod:`.parts`, :mod:`.lexicon`); the pipeline design and the
success metrics are read for what they say (:mod:`.pipeline`, :mod:`.metrics`); pictures are
deliverables (:mod:`.images`). :mod:`.judge` says whether a part is an answer — placeholders,
the course's own text (:mod:`.fingerprints`) and generic text are not.

Nothing here gives points: :mod:`grader.detectors.written` judges the units.
"""

from __future__ import annotations

from grader.evidence.written.documents import EXERCISE_DIR
from grader.evidence.written.names import ARROW, PHASES, phase_of
from grader.evidence.written.parts import Part, Unit
from grader.evidence.written.placement import Place, placements
from grader.evidence.written.units import intro_text, loop_units, phase_units

__all__ = ["ARROW", "EXERCISE_DIR", "PHASES", "Part", "Place", "Unit", "exercise_files", "intro_text", "loop_units",
           "phase_of", "phase_units", "placements", "where_found"]


def exercise_files(sub) -> list[str]:
    """The documents that hold any of the written work."""
    return list(dict.fromkeys(p.rel for places in placements(sub).values() for p in places))


def where_found(sub) -> dict[int, list[str]]:
    """For each task, where it was found and how ("README.md:25 (by its heading)")."""
    return {task: [f"{p.where()} ({p.how})" for p in places] for task, places in placements(sub).items()}
