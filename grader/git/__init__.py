"""The one place git runs: an isolated environment, a timeout on every call, bundles and
URLs cloned, remote heads listed, and the facts of a submission's history.

Git facts are read without trusting the submission's git config.

The submission's ``.git`` folder is never used as the git directory. Instead a private,
temporary *shadow* git directory is assembled that holds our own minimal ``config`` and
links to the submission's object store and refs. So nothing in the submission's
``.git/config`` (``core.fsmonitor``, hooks, ``diff.external``, filters, pagers,
``include.path``, ``gpg.program``...) is ever read, system and global config are ignored,
no hook can run, git's "dubious ownership" refusal does not apply (the shadow folder is
ours), and ``objects/info/alternates`` (which could point outside) is left out.

All of it is read with a handful of plumbing commands started in parallel
(``for-each-ref``, ``log``), each with a timeout. Any failure becomes
:attr:`GitFacts.error`, which the git-based checks report as ``error`` with the reason.

* :mod:`~grader.git.run`: the one way git runs (isolated environment, timeout, output cap or
  file sink);
* :mod:`~grader.git.shadow`: the shadow git directory;
* :mod:`~grader.git.facts`: the history's facts (commits, tags, HEAD);
* :mod:`~grader.git.repos`: bundles and URLs cloned (URLs and remote heads with GitPython),
  the index's files exported, the work tree's changes, the commit graded for a deadline;
* :mod:`~grader.git.tree`: a commit's files read straight from its objects (``ls-tree``, one
  long-lived ``cat-file --batch``).
"""

from __future__ import annotations

from grader.git.facts import MAX_FILES_LOG, MAX_LOG, Commit, GitFacts, PendingGit, Tag, head_commit
from grader.git.repos import (
    CLONE_TIMEOUT,
    EXPORT_MAX_BYTES,
    REMOTE_TIMEOUT,
    AtDeadline,
    NothingCommitted,
    clone_bundle,
    clone_url,
    commit_at,
    export_index,
    index_file_of,
    remote_head,
    worktree_changes,
)
from grader.git.run import GIT_TIMEOUT, MAX_OUTPUT, isolated_git_env
from grader.git.shadow import small_regular

__all__ = ["CLONE_TIMEOUT", "EXPORT_MAX_BYTES", "GIT_TIMEOUT", "MAX_FILES_LOG", "MAX_LOG", "MAX_OUTPUT", "REMOTE_TIMEOUT",
           "AtDeadline", "Commit", "GitFacts", "NothingCommitted", "PendingGit", "Tag", "clone_bundle", "clone_url", "commit_at",
           "export_index", "head_commit", "index_file_of", "isolated_git_env", "remote_head", "small_regular", "worktree_changes"]
