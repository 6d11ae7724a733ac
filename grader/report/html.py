"""HTML pages (the class report, each student's feedback) rendered from Jinja2 templates kept
beside this module (``templates/*.html.j2``), with autoescaping on: whatever a submission holds
is text on the page, never markup."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from grader.patterns import lazy
from grader.report.common import num

_CODE_SPAN = lazy(r"`([^`\n]+)`")


@lru_cache(maxsize=1)
def environment() -> Any:
    """The one Jinja2 environment: templates from the package, every value escaped."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["code_spans"] = code_spans
    env.filters["num"] = num
    return env


def code_spans(text: Any) -> Any:
    """Text with its `code spans` as ``<code>`` elements, everything else escaped."""
    from markupsafe import Markup, escape

    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
