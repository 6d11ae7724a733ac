"""SARIF 2.1.0 for code scanning: one rule per check (with its help text), one result per
check that is not a full pass; level by status (fail → error, partial → warning, error → note).
A check worth 0 points (the repository's evidence, which earns nothing on its own) has a rule
at note level and no result: there is nothing to fix about it.

GitHub code scanning refuses a whole upload when a result has no location, so every result has
one: where the evidence is, else the repository's root file (``README.md``) — the file a
missing thing is reported against. Paths are relative to the repository as checked out: the
``prefix`` option puts the graded folder's place in the workspace before them."""

from __future__ import annotations

import json
from urllib.parse import quote

from grader.model import Report
from grader.report.common import evidence_only, num, prefixed


def uri(path: str) -> str:
    """A path as the URI reference SARIF's ``artifactLocation.uri`` must be (RFC 3986): every
    byte but the unreserved characters and ``/`` percent-encoded — spaces, ``%``, ``#``, ``?``,
    non-ASCII (as UTF-8) and bytes that were not UTF-8 (as the bytes they were)."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"fail": "error", "partial": "warning", "error": "note"}


ROOT_FILE = "README.md"


def render(report: Report, *, prefix: str = "", **_options: object) -> str:
    rules: list[dict] = []
    index: dict[str, int] = {}
    for phase, check in report.checks():
        index[check.id] = len(rules)
        rules.append({
            "id": check.id,
            "name": "".join(part.title() for part in check.id.replace(".", "-").split("-")),
            "shortDescription": {"text": f"{phase.title}: {check.title}"},
            "fullDescription": {"text": check.looks_for or check.title},
            "help": {"text": f"{check.hint}\n\nWhy it matters: {check.why}".strip(),
                     "markdown": f"**Fix:** {check.hint}\n\n**Why it matters:** {check.why}"},
            **({"helpUri": check.docs} if check.docs else {}),
            "defaultConfiguration": {"level": "note" if evidence_only(check) else "error"},
            "properties": {"phase": phase.id, "kind": check.kind, "points": check.max_score},
        })
    results = []
    for phase, check in report.checks():
        if check.status not in _LEVEL or check.bonus or evidence_only(check):
            continue
        result = {
            "ruleId": check.id,
            "ruleIndex": index[check.id],
            "level": _LEVEL[check.status],
            "message": {"text": f"{check.message} Fix: {check.hint}"},
            "properties": {"status": check.status, "score": check.score, "max_score": check.max_score,
                           "phase": phase.id},
        }
        locations = []
        for where in [e for e in check.evidence if e.is_file][:5]:
            physical: dict = {"artifactLocation": {"uri": uri(prefixed(where.path.rstrip("/") or ROOT_FILE, prefix)),
                                                   "uriBaseId": "%SRCROOT%"}}
            if where.line:
                physical["region"] = {"startLine": where.line}
            locations.append({"physicalLocation": physical})
        if not locations:  # nothing to point at: the repository's root file carries it
            locations.append({"physicalLocation": {"artifactLocation": {"uri": uri(prefixed(ROOT_FILE, prefix)),
                                                                        "uriBaseId": "%SRCROOT%"}}})
        result["locations"] = locations
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "loopcheck", "version": report.tool_version, "semanticVersion": report.tool_version,
                "informationUri": "https://github.com/loopcheck/loopcheck", "rules": rules,
            }},
            "automationDetails": {"id": f"loopcheck/{report.rubric_id}/"},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The graded repository"}}},
            "results": results,
            "properties": {"score": report.score, "max_score": report.max_score, "percent": report.percent,
                           "passed": report.passed, "summary": f"{num(report.score)}/{num(report.max_score)}"},
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
