"""A badge: the JSON a shields.io endpoint badge reads (``{"schemaVersion": 1, "label",
"message", "color"}``) — the percent, green at or above the pass mark, yellow from half of it,
red below. Serve the file anywhere shields.io can fetch it (a gist, GitHub Pages, a branch) and
show ``https://img.shields.io/endpoint?url=<its URL>``."""

from __future__ import annotations

import json

from grader.model import Report
from grader.report.common import num


def render(report: Report, **_options: object) -> str:
    if report.passed:
        color = "brightgreen"
    elif report.percent >= report.threshold / 2:
        color = "yellow"
    else:
        color = "red"
    badge = {"schemaVersion": 1, "label": "loopcheck", "message": f"{num(report.percent)}%", "color": color}
    return json.dumps(badge, ensure_ascii=False) + "\n"
