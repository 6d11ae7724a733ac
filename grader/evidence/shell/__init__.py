"""Shell commands as they would run: split scripts, drop comments and ``echo`` text, classify.

* :mod:`~grader.evidence.shell.lexer`: a script into its simple commands (:class:`Command`),
  with their lines; never executed, linear in the script's length.
* :mod:`~grader.evidence.shell.tools`: the tool table (what each tool's sub-commands do; the
  runners and wrappers that start another tool).
* :mod:`~grader.evidence.shell.classify`: what a simple command does (install, test, build,
  publish, deploy, verify, rollback, release).
"""

from __future__ import annotations

from grader.evidence.shell.classify import (
    categories,
    inside_container,
    is_versioned_build,
    remote_categories,
    runs_test_script,
    started_by_runner,
    tool_name,
    unwrap,
    versioned_reference,
)
from grader.evidence.shell.lexer import (
    NOT_RUN,
    Command,
    normalise,
    remote_command,
    shell_words,
    split_script,
)

__all__ = ["NOT_RUN", "Command", "categories", "inside_container", "is_versioned_build", "normalise",
           "remote_categories", "remote_command", "runs_test_script", "shell_words", "split_script", "started_by_runner", "tool_name", "unwrap",
           "versioned_reference"]
