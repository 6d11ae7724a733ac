"""Turning what the user names into a folder to grade: a folder as it is, or a git bundle
cloned into a temporary folder (removed afterwards).

Git runs isolated from system and global config, with no templates (so no hooks), no
terminal prompt, and only the ``file`` transport for the bundle.
"""

from __future__ import annotations

import contextlib
import os
import subprocess

from grader.errors import LoopcheckError
from grader.fsutil import private_dir, remove_tree
from grader.gitfacts import isolated_git_env

CLONE_TIMEOUT = 60.0


def clone_bundle(bundle: str, dest: str) -> None:
    """Clone a git bundle into ``dest`` (which must not exist)."""
    home = private_dir("loopcheck-home-")
    try:
        proc = subprocess.run(
            ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
             "clone", "--quiet", "--template=", "--no-hardlinks", "--", os.path.abspath(bundle), dest],
            stdin=subprocess.DEVNULL, capture_output=True, env={**isolated_git_env(home), "GIT_ALLOW_PROTOCOL": "file"},
            timeout=CLONE_TIMEOUT, cwd=home,
        )
    except subprocess.TimeoutExpired:
        raise LoopcheckError(f"{bundle}: cloning the bundle took longer than {CLONE_TIMEOUT:.0f} s") from None
    finally:
        remove_tree(home)
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1] if lines else f"git exited {proc.returncode}"
        raise LoopcheckError(f"{bundle}: not a readable git bundle ({reason[:200]})")


@contextlib.contextmanager
def opened(path: str):
    """Yield a folder to grade for ``path`` (a folder or a ``.bundle`` file)."""
    if not os.path.exists(path):
        raise LoopcheckError(f"path not found: {path}")
    if os.path.isdir(path):
        yield path
        return
    if os.path.isfile(path) and path.endswith(".bundle"):
        tmp = private_dir("loopcheck-sub-")
        try:
            dest = os.path.join(tmp, os.path.basename(path)[: -len(".bundle")] or "submission")
            clone_bundle(path, dest)
            yield dest
        finally:
            remove_tree(tmp)
        return
    raise LoopcheckError(f"not a folder: {path} (give the repository's folder, or a .bundle file)")
