"""Turning what the user names into a folder to grade: a folder as it is, or a git bundle
cloned into a temporary folder (removed afterwards) by :func:`grader.git.clone_bundle`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from grader.errors import LoopcheckError
from grader.git import clone_bundle


@contextlib.contextmanager
def opened(path: str):
    """Yield a folder to grade for ``path`` (a folder or a ``.bundle`` file)."""
    if not os.path.exists(path):
        raise LoopcheckError(f"path not found: {path}")
    if os.path.isdir(path):
        yield path
        return
    if os.path.isfile(path) and path.endswith(".bundle"):
        tmp = tempfile.mkdtemp(prefix="loopcheck-sub-")
        try:
            dest = os.path.join(tmp, os.path.basename(path)[: -len(".bundle")] or "submission")
            clone_bundle(path, dest)
            yield dest
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    raise LoopcheckError(f"not a folder: {path} (give the repository's folder, or a .bundle file)")
