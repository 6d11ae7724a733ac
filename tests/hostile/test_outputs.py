"""Output that cannot be hijacked: names from the submission in every format (promise: "text
from the submission is escaped for each format")."""

from __future__ import annotations

import dataclasses
import re
from xml.etree import ElementTree as ET

from test_formats import fixture_report

from grader.model import Location
from grader.report import render

NASTY = "k8s/a\x1b]0;pwned\x07\uffff\ud800b @octocat www.evil.example https://evil.example/x.yml"


def _with_nasty_name():
    report = fixture_report()
    phases = []
    for p in report.phases:
        checks = tuple(dataclasses.replace(c, evidence=(Location(NASTY, 3),), message=f"see {NASTY}")
                       if c.status == "fail" else c for c in p.checks)
        phases.append(dataclasses.replace(p, checks=checks))
    return dataclasses.replace(report, phases=tuple(phases))


def test_github_commands_carry_no_terminal_escapes():
    out = render("github", _with_nasty_name())
    assert "\x1b" not in out and "\x07" not in out and "\\x1b" in out


def test_junit_is_valid_xml_whatever_the_name():
    root = ET.fromstring(render("junit", _with_nasty_name()))
    assert root.tag == "testsuites"


def test_markdown_mentions_and_links_nothing():
    out = re.sub(r"`[^`\n]*`", "", render("markdown", _with_nasty_name()))  # code spans link nothing
    assert "@octocat" not in out and "www.evil" not in out and "https://evil" not in out
    assert "\x1b" not in out


def test_the_table_escapes_control_characters():
    out = render("table", _with_nasty_name(), verbose=True)
    assert "\x1b" not in out and "\x07" not in out
