"""JSON Schema of a rubric file (draft 2020-12). Detector params are checked separately,
against each detector's own schema."""

from grader.model import PHASES

_CHECK = {
    "type": "object",
    "required": ["id", "title", "kind", "points", "hint"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z]+\.[a-z0-9][a-z0-9-]*$"},
        "title": {"type": "string", "minLength": 1},
        "kind": {"type": "string", "minLength": 1},
        "points": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
        "hint": {"type": "string", "minLength": 1},
        "why": {"type": "string"},
        "docs": {"type": "string"},
        "params": {"type": "object"},
        "bonus": {"type": "boolean"},
    },
}

_OVERRIDE = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "points": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
        "hint": {"type": "string", "minLength": 1},
        "why": {"type": "string"},
        "docs": {"type": "string"},
        "params": {"type": "object"},
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
        "overrides": {
            "type": "object",
            "propertyNames": {"pattern": r"^[a-z]+\.[a-z0-9][a-z0-9-]*$"},
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
