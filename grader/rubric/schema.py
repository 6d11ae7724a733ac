"""JSON Schema of a rubric file (draft 2020-12). Detector params are checked separately,
against each detector's own schema."""

from grader.model import PHASES

CHECK_ID = r"^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9-]*$"
TASK_ID = r"^[a-z][a-z0-9-]*$"
_POINTS = {"type": "number", "minimum": 0, "maximum": 100}  # 0: shown as evidence, worth nothing itself
# Repository evidence that earns a check's credit: another check of the rubric whose credit
# counts for this one — for the listed parts only, when the check is made of parts.
_EVIDENCE = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["check"],
        "additionalProperties": False,
        "properties": {
            "check": {"type": "string", "pattern": CHECK_ID},
            "parts": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
            "claims": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        },
    },
}

_CHECK = {
    "type": "object",
    "required": ["id", "title", "kind", "points", "hint"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": CHECK_ID},
        "title": {"type": "string", "minLength": 1},
        "kind": {"type": "string", "minLength": 1},
        "points": _POINTS,
        "hint": {"type": "string", "minLength": 1},
        "why": {"type": "string"},
        "docs": {"type": "string"},
        "params": {"type": "object"},
        "bonus": {"type": "boolean"},
        "task": {"type": "string", "pattern": TASK_ID},
        "evidence": _EVIDENCE,
    },
}

_TASK = {
    "type": "object",
    "required": ["id", "title", "points"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": TASK_ID},
        "title": {"type": "string", "minLength": 1},
        "points": {"type": "number", "minimum": 0, "maximum": 1000},
        "bonus": {"type": "boolean"},
        "checks": {"type": "array", "items": _CHECK},
    },
}

_OVERRIDE = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "points": _POINTS,
        "bonus": {"type": "boolean"},
        "hint": {"type": "string", "minLength": 1},
        "why": {"type": "string"},
        "docs": {"type": "string"},
        "params": {"type": "object"},
        "task": {"type": "string", "pattern": TASK_ID},
        "evidence": _EVIDENCE,
    },
}

_PHASE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "checks": {"type": "array", "items": _CHECK},
    },
}

RUBRIC_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "loopcheck rubric",
    "type": "object",
    "required": ["id", "title", "version"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9.-]*$"},
        "title": {"type": "string", "minLength": 1},
        "version": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "extends": {"type": "string", "minLength": 1},
        "pass_mark": {"type": "number", "minimum": 0, "maximum": 100},
        "phases": {
            "type": "object",
            "propertyNames": {"enum": list(PHASES)},
            "additionalProperties": _PHASE,
        },
        "tasks": {"type": "array", "items": _TASK},
        "overrides": {
            "type": "object",
            "propertyNames": {"pattern": CHECK_ID},
            "additionalProperties": _OVERRIDE,
        },
        "drop": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    },
    "if": {"not": {"required": ["extends"]}},
    "then": {
        "required": ["id", "title", "version", "pass_mark", "phases"],
        "properties": {"overrides": False, "drop": False},
    },
}
