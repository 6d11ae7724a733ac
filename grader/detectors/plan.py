"""Plan: issue and pull-request templates, CODEOWNERS, acceptance criteria."""

from __future__ import annotations

import re

from grader import patterns
from grader.detectors import Params, detector
from grader.detectors.common import found, loc, plural
from grader.evidence import markdown
from grader.model import Finding, Location
from grader.patterns import lazy
from grader.submission import Submission
from grader.yamlload import line_of, mapping

_MIN_WORDS = {"type": "integer", "minimum": 1, "maximum": 1000,
              "description": "words of real content a template needs"}


def _strip_front_matter(text: str) -> tuple[str, int]:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[end + 4:], text.count("\n", 0, end + 4)
    return text, 0


def _template_ok(sub: Submission, rel: str, min_words: int) -> tuple[bool, str]:
    if rel.lower().endswith((".yml", ".yaml")):  # GitHub issue forms
        docs = sub.yaml_docs(rel) or []
        doc = docs[0] if docs else None
        if isinstance(doc, dict) and rel.lower().endswith("config.yml"):
            return False, "only the template chooser config"
        body = doc.get("body") if isinstance(doc, dict) else None
        fields = [b for b in body if isinstance(b, dict) and b.get("type") != "markdown"] if isinstance(body, list) else []
        if fields:
            return True, f"issue form with {plural(len(fields), 'field')}"
        return False, "issue form without input fields"
    text = sub.read_text(rel)
    if text is None:
        return False, "unreadable"
    body, _ = _strip_front_matter(text)
    words = markdown.content_words(body)
    # a template's prompts are often HTML comments: the author sees them in the editor, the
    # reader of the issue does not — they are the template's content
    prompts = [w for note in markdown.comments(body) for w in markdown.content_words(note)]
    if len(words) + len(prompts) >= min_words:
        return True, f"{len(words) + len(prompts)} words" + (" (prompts in comments)" if prompts else "")
    return False, f"only {plural(len(words) + len(prompts), 'word')} of content"


def _templates(sub: Submission, patterns, min_words):
    files = sub.glob(*patterns)
    good: list[tuple[str, str]] = []
    weak: list[tuple[str, str]] = []
    for rel in files:
        ok, why = _template_ok(sub, rel, min_words)
        (good if ok else weak).append((rel, why))
    return good, weak


@detector(
    "issue-templates",
    title="Issue templates",
    looks_for="Issue templates with real content: `.github/ISSUE_TEMPLATE/*.md` or issue forms "
    "(`*.yml` with input fields), `.github/ISSUE_TEMPLATE.md` (or the file without extension), or GitLab's "
    "`.gitlab/issue_templates/*.md`. Empty templates don't count.",
    why="Templates make every piece of planned work arrive with the same facts: the problem, "
    "the acceptance criteria, the size. That is how small, clear batches get planned.",
    params={"min_words": _MIN_WORDS},
    defaults={"min_words": 10},
)
def issue_templates(sub: Submission, p: Params) -> Finding:
    good, weak = _templates(
        sub,
        (".github/ISSUE_TEMPLATE/*", ".github/issue_template.md", "issue_template.md",
         "docs/issue_template.md", ".gitlab/issue_templates/*.md",
         # GitHub's older single template may also be a file with no extension
         ".github/issue_template", "issue_template", "docs/issue_template"),
        p["min_words"],
    )
    if good:
        return Finding.passed(
            f"{plural(len(good), 'issue template')}: " + ", ".join(f"{r} ({w})" for r, w in good[:4]),
            [loc(r, 1) for r, _ in good],
        )
    if weak:
        return Finding.failed(
            "issue templates are there but empty: " + ", ".join(f"{r} ({w})" for r, w in weak[:4]),
            [loc(r, 1) for r, _ in weak],
        )
    return Finding.failed("no issue template found")


@detector(
    "pr-template",
    title="Pull-request template",
    looks_for="A pull-request (merge-request) template with real content: "
    "`.github/pull_request_template.md`, `.github/PULL_REQUEST_TEMPLATE/*.md`, "
    "`docs/pull_request_template.md` (or the single file without extension), or GitLab's "
    "`.gitlab/merge_request_templates/*.md`.",
    why="A template turns each pull request into a checklist: what changed, how it was tested, "
    "how it will be monitored and rolled back.",
    params={"min_words": _MIN_WORDS},
    defaults={"min_words": 10},
)
def pr_template(sub: Submission, p: Params) -> Finding:
    good, weak = _templates(
        sub,
        (".github/pull_request_template.md", ".github/PULL_REQUEST_TEMPLATE/*.md",
         "pull_request_template.md", "docs/pull_request_template.md",
         ".gitlab/merge_request_templates/*.md",
         ".github/pull_request_template", "pull_request_template", "docs/pull_request_template"),
        p["min_words"],
    )
    if good:
        return Finding.passed(f"pull-request template {good[0][0]} ({good[0][1]})", [loc(good[0][0], 1)])
    if weak:
        return Finding.failed(f"pull-request template {weak[0][0]} is empty ({weak[0][1]})", [loc(weak[0][0], 1)])
    return Finding.failed("no pull-request template found")


_OWNER = lazy(r"^(@[\w.-]+(/[\w.-]+)?|[^@\s]+@[^@\s]+\.\w+)$")


@detector(
    "codeowners",
    title="CODEOWNERS",
    looks_for="A CODEOWNERS file (`.github/`, `docs/`, `.gitlab/` or the root) with at least one "
    "rule: a path pattern followed by an owner (`@user`, `@org/team` or an e-mail).",
    why="Owners are asked to review the changes to their areas automatically: review is planned, "
    "not left to chance.",
)
def codeowners(sub: Submission, p: Params) -> Finding:
    files = [f for f in sub.files if f.lower() in
             ("codeowners", ".github/codeowners", "docs/codeowners", ".gitlab/codeowners")]
    for rel in files:
        text = sub.read_text(rel) or ""
        for i, line in enumerate(text.split("\n"), 1):
            parts = line.split("#", 1)[0].split()
            if len(parts) >= 2 and all(_OWNER.match(o) for o in parts[1:]):
                return Finding.passed(f"{rel} assigns {parts[0]} to {' '.join(parts[1:])}", [loc(rel, i)])
        return Finding.failed(f"{rel} has no rule of the form `PATTERN @owner`", [loc(rel, 1)])
    return Finding.failed("no CODEOWNERS file found")


_AC_HEADING = lazy(r"acceptance criteria|definition of done|success criteria", re.I)
# The sections of a plan or design document that say what is to be built and why — a plan
# without acceptance criteria is a real plan, only an incomplete one. Not "Requirements" alone
# (in a README that is what to install) nor "Architecture"/"Design" (a description of what
# exists, not of the work planned).
# Use cases only as what a heading is about ("Use cases", "USE CASE 3: ..."), not an example
# of use ("Common use cases" of a module).
_PLAN_HEADING = lazy(r"^\W*use[- ]cases?\b|\b(?:(?:non-?)?functional requirements|"
                     r"requirements? (?:analysis|specification|engineering)|user stor(?:y|ies)|problem statement|"
                     r"non-goals)\b", re.I | re.M)
_PLAN_MIN_WORDS = 12  # a section with a sentence or two of its own, not a heading over a link
_PLAN_MAX_DEPTH = 2  # the project's plan is at its root or a folder or two down, not in a module's notes
_ITEM = lazy(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]*)?(.+)$|^[ \t]*(?:given|when|then|and)\b[ \t]+(.+)$", re.I | re.M)


@detector(
    "acceptance-criteria",
    title="Plan with acceptance criteria",
    looks_for="A Markdown plan, design doc or README with a section headed 'Acceptance criteria' "
    "(or 'Definition of done') holding at least `min_items` real items (list items, checkboxes or "
    "Given/When/Then lines, not placeholders). A plan without such a section earns half: a section "
    "headed as planning (functional or non-functional requirements, a requirements analysis, user "
    "stories, use cases, a problem statement, goals and non-goals) with a few sentences or items of "
    "its own — not an empty heading, and not 'Requirements' alone (what to install). An issue template asks for the criteria instead of "
    "holding them, so it is judged by its structure: a GitHub issue form (`.github/ISSUE_TEMPLATE/*.yml`) "
    "with a `textarea` or `checkboxes` field labelled so (a `markdown` block only shows text), or a "
    "Markdown issue template with such a section that prompts for the items (a list item, a checkbox, "
    "a comment or a line of guidance under the heading).",
    why="'Done' must be testable and agreed before coding starts: deployed and monitored, not "
    "just coded.",
    params={"min_items": {"type": "integer", "minimum": 1, "maximum": 50},
            "heading_pattern": {"type": "string", "format": "regex", "minLength": 1,
                                "description": "regular expression for the section's heading"}},
    defaults={"min_items": 2, "heading_pattern": _AC_HEADING.pattern},
)
def acceptance_criteria(sub: Submission, p: Params) -> Finding:
    # the rubric's own pattern runs on RE2 (linear whatever its shape); ours on re
    heading = (_AC_HEADING if p["heading_pattern"] == _AC_HEADING.pattern
               else patterns.compile_rubric(p["heading_pattern"]))
    best = None
    plans: list[tuple[str, int, str]] = []  # (path, line, title) of planning sections with content
    # the written exercise answers are graded on their own; templates by structure
    candidates = [rel for rel in markdown.prose_files(sub, ".md", ".markdown")
                  if not (rel.startswith("exercises/module-01/exercise-04/task") or _is_issue_template(rel))]
    sub.expect(candidates)
    for rel in candidates:
        text = sub.read_text(rel) or ""
        planning = rel.count("/") <= _PLAN_MAX_DEPTH and bool(_PLAN_HEADING.search(text))
        if not planning and not heading.search(text):
            continue  # no such heading text anywhere: nothing to parse
        root = markdown.document(sub, rel)
        if root is None:
            continue
        for section in root.walk():
            if not section.level:
                continue
            if heading.search(section.title[:500]):
                items = [a or b for a, b in _ITEM.findall(section.all_text())]
                real = [i for i in items if markdown.is_filled(i, 2)]
                if best is None or len(real) > best[2]:
                    best = (rel, section.line, len(real))
            elif planning and _PLAN_HEADING.search(section.title[:500]) and \
                    markdown.is_filled(section.all_text(), _PLAN_MIN_WORDS):
                plans.append((rel, section.line, section.title.strip()[:60]))
    if best and best[2] >= p["min_items"]:
        return Finding.passed(f"acceptance criteria in {best[0]}: {plural(best[2], 'item')}", [loc(best[0], best[1])])
    asked = _criteria_templates(sub, heading)
    if asked:
        rel, line, how = asked[0]
        return Finding.passed(f"the issue template {rel} asks for acceptance criteria ({how})", [loc(rel, line)])
    if best and not plans:  # a thin criteria section earns less than half; a plan beside it, half
        return Finding.ratio(
            0.5 * best[2] / p["min_items"],
            f"the acceptance criteria section in {best[0]} has {plural(best[2], 'real item')} "
            f"(needs {p['min_items']})",
            [loc(best[0], best[1])],
        )
    if plans:
        first = [t for r, _, t in plans if r == plans[0][0]]
        titles = ", ".join(dict.fromkeys(repr(t) for t in first[:3]))
        files = len({r for r, _, _ in plans})
        return Finding.ratio(
            0.5, f"a plan ({titles} in {plans[0][0]}" + (f" and {plural(files - 1, 'other file')}" if files > 1 else "")
            + ") but no 'Acceptance criteria' section saying when the work is done",
            [loc(r, line) for r, line, _ in plans[:3]])
    return Finding.failed("no planning document with an 'Acceptance criteria' section found")


_ISSUE_TEMPLATES = (".github/ISSUE_TEMPLATE/*", ".github/issue_template.md", "issue_template.md",
                    "docs/issue_template.md", ".gitlab/issue_templates/*.md")
_FORM_INPUTS = ("textarea", "checkboxes")


def _is_issue_template(rel: str) -> bool:
    low = rel.lower()
    return low.startswith((".github/issue_template/", ".gitlab/issue_templates/")) or \
        low in (".github/issue_template.md", "issue_template.md", "docs/issue_template.md")


def _criteria_templates(sub: Submission, heading) -> list[tuple[str, int, str]]:
    """(path, line, how) of issue templates that ask for acceptance criteria: an issue form's
    ``textarea``/``checkboxes`` field labelled so, or a Markdown template's section headed so
    that prompts for the items (a template holds placeholders, never the items themselves)."""
    out = []
    for rel in sub.glob(*_ISSUE_TEMPLATES):
        if rel.lower().endswith((".yml", ".yaml")):
            doc = (sub.yaml_docs_quiet(rel) or [None])[0]
            body = doc.get("body") if isinstance(doc, dict) else None
            for field in body if isinstance(body, list) else []:
                attrs = mapping(field.get("attributes") if isinstance(field, dict) else None)
                label = attrs.get("label")
                if isinstance(field, dict) and field.get("type") in _FORM_INPUTS and isinstance(label, str) and heading.search(label[:500]) \
                        and (field["type"] != "checkboxes" or attrs.get("options")):
                    out.append((rel, line_of(field, 1) or 1, f"a {field['type']} field {label.strip()[:60]!r}"))
                    break
        elif rel.lower().endswith((".md", ".markdown")) and heading.search(sub.read_text(rel) or ""):
            root = markdown.document(sub, rel)
            for section in root.walk() if root is not None else ():
                if section.level and heading.search(section.title[:500]) and _prompts(section.all_text()):
                    out.append((rel, section.line, f"a section {section.title.strip()[:60]!r} to fill in"))
                    break
    return out


def _prompts(text: str) -> bool:
    """Does a template's section prompt for its items: a list item or checkbox (even a
    placeholder), a comment, or a line of guidance of a few words?"""
    if _ITEM.search(text) or markdown.comments(text):
        return True
    return len(markdown.content_words(text)) >= 3


_ISSUE_REF = lazy(r"(?<![\w/])(#\d+|GH-\d+|[A-Z][A-Z0-9]{1,9}-\d+)\b")


_PR_LINK = lazy(r"\b(closes|fixes|resolves|related issue|issue link|jira)\b", re.I)


@detector(
    "issue-links",
    title="Work linked to issues",
    looks_for="Commits that reference issues (`#12`, `GH-12`, Jira keys like `SHOP-42`) — at least "
    "`min_commits` — or a pull-request template that asks for the issue (`Closes #`, `Fixes #`, a Jira "
    "field). Half the credit each.",
    why="Linking every change to the issue it serves makes work traceable from plan to production "
    "and back.",
    params={"min_commits": {"type": "integer", "minimum": 1, "maximum": 1000}},
    defaults={"min_commits": 3},
)
def issue_links(sub: Submission, p: Params) -> Finding:
    hits = []
    facts = sub.git
    refs = [c for c in facts.commits if _ISSUE_REF.search(c.subject)] if facts.is_git and not facts.error else []
    if refs:
        kind = "Jira" if any(re.search(r"[A-Z][A-Z0-9]+-\d+", c.subject) for c in refs) else "GitHub Issues"
        hits.append((kind, Location(f"commit {refs[0].sha[:10]}"), refs[0].subject))
    template = None
    for rel in sub.glob(".github/pull_request_template.md", ".github/PULL_REQUEST_TEMPLATE/*.md",
                        "docs/pull_request_template.md", ".gitlab/merge_request_templates/*.md"):
        text = sub.read_text(rel) or ""
        m = _PR_LINK.search(text)
        if m:
            template = ("pull-request template link", Location(rel, text.count("\n", 0, m.start()) + 1), rel)
            hits.append(template)
            break
    if hits:
        commit_part = 0.5 * min(1.0, len(refs) / p["min_commits"])
        return found("issue links", hits, commit_part + (0.5 if template else 0.0),
                      f" ({len(refs)} commit(s) reference issues)")
    return Finding.failed("no commit references an issue and the pull-request template asks for none")

