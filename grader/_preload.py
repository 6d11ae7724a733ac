"""Imported once by the batch forkserver, so every worker forked from it starts with loopcheck
loaded: detectors registered, the YAML and Markdown parsers imported, the shared rubrics read,
the written-work readers imported (a single run imports them only when a written check runs)."""

from grader import batch, detectors, rubric, scoring  # noqa: F401
from grader.evidence import markdown
from grader.evidence.written import (  # noqa: F401 - imported by the written checks when they run
    fingerprints,
    images,
    judge,
    lexicon,
    metrics,
    names,
    pipeline,
    units,
)

detectors.registry()
markdown._parser()
