"""JUnit XML: one testsuite per phase, one testcase per check. Failures (fail, partial) and
errors carry the message, the hint and the location; skips are ``<skipped>``. The shape GitLab,
Jenkins and the common GitHub test-report actions read."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from grader.model import Report
from grader.report.common import file_location, groups, num
from grader.report.text import clean


def _xml(text) -> str:
    """Text XML 1.0 can hold: control characters (other than tab/newline) shown escaped."""
    return clean(text, single_line=False)


def render(report: Report, **_options: object) -> str:
    suites = ET.Element("testsuites", name="loopcheck", tests="0", failures="0", errors="0",
                        skipped="0", time="0")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for phase, checks in groups(report):
        counts = {"tests": len(checks),
                  "failures": sum(c.status in ("fail", "partial") and not c.bonus for c in checks),
                  "errors": sum(c.status == "error" and not c.bonus for c in checks),
                  "skipped": sum(c.status == "skip" or (c.bonus and c.status != "pass") for c in checks)}
        suite = ET.SubElement(suites, "testsuite", {"name": f"loopcheck.{phase.id}",
                                                    **{k: str(v) for k, v in counts.items()}, "time": "0"})
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="score", value=f"{num(phase.score)}/{num(phase.max_score)}")
        if getattr(phase, "bonus_checks", ()):
            ET.SubElement(props, "property", name="bonus", value=f"{num(phase.bonus_score)}/{num(phase.bonus_max)}")
        for check in checks:
            case = ET.SubElement(suite, "testcase", name=f"{check.id}: {_xml(check.title)}",
                                 classname=f"loopcheck.{phase.id}", time="0")
            where = file_location(check)
            if where is not None:
                case.set("file", _xml(where.path))
                if where.line:
                    case.set("line", str(where.line))
            body = "\n".join([
                _xml(check.message), f"Fix: {_xml(check.hint)}",
                *(f"At: {_xml(str(e))}" for e in check.evidence[:5]),
                f"Score: {num(check.score)}/{num(check.max_score)}",
            ])
            if check.bonus and check.status != "pass":
                ET.SubElement(case, "skipped", message=f"bonus not earned: {_xml(check.message)}")
            elif check.status in ("fail", "partial"):
                el = ET.SubElement(case, "failure", message=_xml(check.message), type=check.status)
                el.text = body
            elif check.status == "error":
                el = ET.SubElement(case, "error", message=_xml(check.message), type="error")
                el.text = body
            elif check.status == "skip":
                ET.SubElement(case, "skipped", message=_xml(check.message))
            else:
                out = ET.SubElement(case, "system-out")
                out.text = body
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
