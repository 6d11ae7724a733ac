"""The JSON report: the stable contract (see ``report.schema.json`` beside this file)."""

from __future__ import annotations

import json
from pathlib import Path

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def render(report, **_options) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
