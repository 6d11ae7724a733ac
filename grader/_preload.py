"""Imported once by the batch forkserver, so every worker forked from it starts with loopcheck
loaded: detectors registered, the YAML and Markdown parsers imported, the shared rubrics read."""

from grader import batch, detectors, rubric, scoring  # noqa: F401
from grader.evidence import markdown

detectors.registry()
markdown._parser()
