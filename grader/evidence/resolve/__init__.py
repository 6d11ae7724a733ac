"""Follow what a pipeline step actually runs through the repository — never running it.

A step that says ``make deploy``, ``npm test``, ``./scripts/release.sh``, ``just check``,
``task lint``, ``tox -e py``, ``nox -s tests``, ``sh -c '...'`` or ``docker build`` runs the
commands of a Makefile target (its prerequisites first), a ``package.json`` script (with its
``pre``/``post`` scripts), a shell script, a ``justfile`` recipe, a ``Taskfile.yml`` task, a tox
environment, a nox session, a Dockerfile's RUN lines. :func:`expand` puts those commands into
the step right after the one that runs them, each with the file and line it is written on and
the chain that leads there (``ci.yml:40 → Makefile:12 → scripts/deploy.sh:7``), so every check
sees them under the step's own condition. A local composite action (``uses:
./.github/actions/deploy``) is read the same way (:func:`composite_commands`), and so is an
image-building action (:func:`image_action_commands`).

One handler module per tool, registered in :data:`~grader.evidence.resolve.walk.HANDLERS`;
what they share (the bounds, the :class:`~grader.evidence.resolve.common.Budget`, the walker
over named targets) is in :mod:`~grader.evidence.resolve.common`.

Bounded: at most :data:`MAX_DEPTH` files deep, :data:`MAX_ADDED` commands added per step, a
file read once (the submission caches it), a cycle (``make a`` ↔ ``make b``, a script that runs
itself) stopped where it closes.
"""

from __future__ import annotations

from grader.evidence.resolve.common import MAX_ADDED, MAX_DEPTH
from grader.evidence.resolve.composite import composite_commands
from grader.evidence.resolve.docker import dockerfile_commands, image_action_commands
from grader.evidence.resolve.walk import HANDLERS, expand, folder_of

__all__ = ["HANDLERS", "MAX_ADDED", "MAX_DEPTH", "composite_commands", "dockerfile_commands", "expand", "folder_of",
           "image_action_commands"]
