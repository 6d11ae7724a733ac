"""Load tests (JMeter, Gatling, k6, Locust, Artillery) and end-to-end tests (Cypress,
Playwright, Selenium) recognised by what their files contain. Each finder returns
``(tool, Location, path)`` hits."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.evidence import codescan
from grader.model import Location
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission


# every file load_test_files may take, by its suffix (the suffix index lists them)
_LOAD_TEST_SUFFIXES = (".jmx", ".js", ".ts", ".py", ".scala", ".java", ".kt", ".yml", ".yaml")


def load_test_files(sub: Submission):
    hits = []
    for rel in sub.by_suffix(*_LOAD_TEST_SUFFIXES):
        low = rel.lower()
        if low.endswith(".jmx"):
            text = sub.read_text(rel) or ""
            if "<jmeterTestPlan" in text and "ThreadGroup" in text and "Sampler" in text:
                hits.append(("JMeter", Location(rel, 1), rel))
        elif low.endswith((".js", ".ts")) and ("k6" in low or "load" in low or "perf" in low or "/k6/" in low):
            text = sub.read_text(rel) or ""
            if re.search(r"""from\s+['"]k6(/http)?['"]""", text) and re.search(r"export\s+default\s+(async\s+)?function", text):
                hits.append(("k6", Location(rel, 1), rel))
        elif low.endswith(".py") and ("locust" in low or "load" in low or "perf" in low):
            text = sub.read_text(rel) or ""
            if re.search(r"^from locust import|^import locust", text, re.M) and re.search(r"class \w+\((Fast)?HttpUser|User\)", text) and "@task" in text:
                hits.append(("Locust", Location(rel, 1), rel))
        elif low.endswith((".scala", ".java", ".kt")) and "simulation" in low:
            text = sub.read_text(rel) or ""
            if re.search(r"extends\s+Simulation\b|:\s*Simulation\(\)", text) and "setUp(" in text:
                hits.append(("Gatling", Location(rel, 1), rel))
        elif low.endswith((".yml", ".yaml")) and ("artillery" in low or "load" in low or "perf" in low):
            doc = (sub.yaml_docs_quiet(rel) or [None])[0]
            config = doc.get("config") if isinstance(doc, dict) else None
            if isinstance(config, dict) and config.get("target") and isinstance(doc.get("scenarios"), list):
                hits.append(("Artillery", Location(rel, 1), rel))
    return hits


_COMMENTS = {"python": lazy(r"#[^\n]*"), "js": lazy(r"//[^\n]*|/\*.*?\*/", re.S),
             "go": lazy(r"//[^\n]*|/\*.*?\*/", re.S), "java": lazy(r"//[^\n]*|/\*.*?\*/", re.S)}


def _code(sub: Submission, rel: str) -> str:
    """A source file's text with its comments blanked (line numbers kept)."""
    text = sub.read_text(rel) or ""
    rx = _COMMENTS.get(codescan.language_of(rel) or "")
    return rx.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text) if rx else text


def e2e_test_files(sub: Submission):
    hits = []
    for rel in codescan.source_candidates(sub):
        low = rel.lower()
        if codescan.language_of(rel) is None:
            continue
        raw = sub.read_text(rel) or "" if ("cypress/" in low or any(k in low for k in ("e2e", "spec", "test", "ui"))) else ""
        if not any(k in raw for k in ("cy.", "playwright", "selenium", "openqa")):
            continue  # none of the tools is even named: nothing to read closely
        if ("cypress/e2e/" in low or "cypress/integration/" in low) and re.search(r"\.cy\.|\.spec\.|\.js$|\.ts$", low):
            text = _code(sub, rel)
            if re.search(r"\bcy\.(visit|get|request|contains)\(", text):
                hits.append(("Cypress", Location(rel, 1), rel))
                continue
        if any(k in low for k in ("e2e", "spec", "test", "ui")):
            text = _code(sub, rel)
            if re.search(r"""from\s+['"]@playwright/test['"]|from playwright\.(sync|async)_api import""", text) and "page." in text:
                hits.append(("Playwright", Location(rel, 1), rel))
            elif re.search(r"""from selenium import webdriver|require\(['"]selenium-webdriver['"]\)|from ['"]selenium-webdriver['"]|import org\.openqa\.selenium""", text) \
                    and re.search(r"\.get\(|\.findElement|find_element", text):
                hits.append(("Selenium", Location(rel, 1), rel))
    return hits
