"""The facts of a submission's history — commits, tags, HEAD, shallowness — read with a few
plumbing commands started at once in the background (:class:`PendingGit`), on a shadow git
directory."""

from __future__ import annotations

import os
import re
import shutil
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from grader.git import run
from grader.git.run import Git, GitProblem, GitTimeout
from grader.git.shadow import SHA, make_shadow, small_regular
from grader.patterns import lazy

MAX_LOG = 3000  # commits read (newest first)
MAX_FILES_LOG = 500  # of those, the newest whose changed files are read



@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    time: int
    subject: str
    files: tuple[str, ...]
    tree: str = ""  # the commit's tree: two students with the same files have the same tree


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    commit: str | None  # the commit the tag points at (peeled)
    annotated: bool
    reachable: bool


@dataclass(slots=True)
class GitFacts:
    is_git: bool = False
    error: str | None = None  # the repository exists but can't be read (fully)
    # the error's cause is outside the learner's control (git timed out or could not start,
    # loopcheck's own fault): not judged; otherwise what the repository holds, scored 0
    error_outside: bool = False
    shallow: bool = False
    head: str | None = None
    branch: str | None = None
    commits: list[Commit] = field(default_factory=list)  # newest first, up to MAX_LOG
    commit_count: int = 0
    tags: list[Tag] = field(default_factory=list)
    tag_error: str | None = None
    note: str | None = None  # how the history was read, when it is not simply HEAD's
    grafted: frozenset[str] = frozenset()  # a shallow clone's boundary: commits whose parents are missing

    @classmethod
    def read(cls, root: str, *, pull_request: bool = False) -> GitFacts:
        return PendingGit(root, pull_request=pull_request).finish()

    @property
    def reachable_shas(self) -> set[str]:
        return {c.sha for c in self.commits}


class PendingGit:
    """Git facts being read: the git commands start at once (in the background, so they run
    while other checks work) and :meth:`finish` collects them. Always call :meth:`finish` (or
    :meth:`close`): it removes the shadow folder and ends every git process."""

    def __init__(self, root: str, rev: str | None = None, *, pull_request: bool = False):
        self.facts: GitFacts | None = None
        self.shadow: str | None = None
        self.procs: dict[str, Git] = {}
        self._lock = threading.Lock()  # the log's reader may start the count while this is closed
        self._closed = False
        self.root = root
        self.rev = rev
        self.pull_request = pull_request  # a CI run for a pull request: a two-parent HEAD is its merge
        dotgit = os.path.join(root, ".git")
        try:
            info = os.lstat(dotgit)
        except OSError:
            self.facts = GitFacts(is_git=False)
            return
        if stat.S_ISLNK(info.st_mode):
            self.facts = GitFacts(is_git=True, error=".git is a symbolic link; it is not followed")
        elif stat.S_ISREG(info.st_mode):
            self.facts = GitFacts(
                is_git=True,
                error=".git is a file pointing to a git directory elsewhere (a worktree or "
                "submodule); only a repository's own .git folder is read",
            )
        elif not stat.S_ISDIR(info.st_mode):
            self.facts = GitFacts(is_git=False)
        else:
            try:
                self.shadow = make_shadow(dotgit, head=rev)
                _start_all(self.shadow, self.procs, self._long_history)
            except GitProblem as exc:
                self.facts = GitFacts(is_git=True, error=str(exc))
                self.close()
            except OSError as exc:
                self.facts = GitFacts(is_git=True, error=f"git could not be started: {exc.strerror}",
                                      error_outside=True)
                self.close()

    def finish(self) -> GitFacts:
        if self.facts is None and self.shadow is not None:
            facts = GitFacts(is_git=True)
            shallow = os.path.join(self.shadow, "shallow")
            facts.shallow = os.path.exists(shallow)
            if facts.shallow:
                with open(shallow, encoding="ascii", errors="replace") as fh:
                    facts.grafted = frozenset(line.strip() for line in fh if SHA.match(line.strip()))
            with open(os.path.join(self.shadow, "HEAD"), encoding="utf-8", errors="replace") as fh:
                head_text = fh.read().strip()
            if not head_text.startswith("ref: "):  # pinned (a deadline): the branch HEAD names
                head_text = (small_regular(os.path.join(self.root, ".git", "HEAD")) or b"").decode(
                    "utf-8", "replace").strip()
            if head_text.startswith("ref: refs/heads/"):
                facts.branch = head_text[len("ref: refs/heads/"):]
            try:
                self.facts = _collect_facts(facts, self.procs, self.pull_request, self.shadow)
            except GitProblem as exc:
                self.facts = GitFacts(is_git=True, error=str(exc), error_outside=isinstance(exc, GitTimeout))
            finally:
                self.close()
        if self.facts is None:  # closed before it was read
            self.facts = GitFacts(is_git=True, error="git facts were not read", error_outside=True)
        return self.facts

    def _long_history(self) -> None:
        """The log has written :data:`MAX_LOG` commits (called from its reader's thread): the
        history may be longer than the log reads, so its length is counted, now."""
        with self._lock:
            if self._closed or self.shadow is None or "count" in self.procs:
                return
            try:
                self.procs["count"] = _start_count(self.shadow)
            except OSError:
                pass  # counted again when the facts are collected, or the log's length stands

    def close(self) -> None:
        with self._lock:  # no command starts after this
            self._closed = True
            procs, self.procs = self.procs, {}
        for proc in procs.values():  # whatever happened, no git process outlives the read
            proc.close()
        if self.shadow:
            shutil.rmtree(self.shadow, ignore_errors=True)
            self.shadow = None


def _start_all(shadow: str, procs: dict[str, Git], long_history: Callable[[], None]) -> None:
    """Start the history's commands into ``procs`` (raises OSError when git can't be started:
    the caller closes those started). ``long_history`` is called once the log has written
    :data:`MAX_LOG` commits."""

    def start(name: str, *args: str, on_output: Callable[[bytes], None] | None = None) -> None:
        procs[name] = run.start(args, home=shadow, git_dir=shadow)
        procs[name].drain(on_output)  # its output read as it comes: git runs to its end while the checks work

    records = [0]

    def counted(chunk: bytes) -> None:
        # every commit's record starts with \x1e (a subject holding one only counts too many)
        before = records[0]
        records[0] += chunk.count(b"\x1e")
        if before < MAX_LOG <= records[0]:
            long_history()

    start("log", "log", "-z", f"-n{MAX_LOG}", "--format=%x1e%H%x1f%P%x1f%ct%x1f%T%x1f%s", "HEAD", "--",
          on_output=counted)
    start("files", "log", "-z", "--no-renames", "--name-only", f"-n{MAX_FILES_LOG}", "--format=%x1e%H%x1f",
          "HEAD", "--")
    # (no dates: no check reads a tag's; each annotated tag's object is read for its commit)
    start("tags", "for-each-ref", "refs/tags",
          "--format=%(refname:strip=2)%1f%(objecttype)%1f%(objectname)%1f%(*objectname)")
    # Only a history longer than MAX_LOG needs its count (`rev-list --count`): started by the
    # log's reader the moment the log reaches MAX_LOG commits, it runs while the other checks
    # work (~150 ms saved on a large history), and a shorter history never starts it. Which tags
    # are merged is asked only then too (it reads every tag: 20,000 tags cost ~0.3 s of CPU).


def _start_count(shadow: str) -> Git:
    git = run.start(["rev-list", "--count", "HEAD", "--"], home=shadow, git_dir=shadow)
    git.drain()
    return git


def _collect_facts(facts: GitFacts, procs: dict[str, Git], pull_request: bool, shadow: str) -> GitFacts:
    rc, out, err = procs["log"].finish()
    if rc != 0:
        for name in ("files", "tags", "count"):
            if name in procs:
                procs[name].finish()
        if "does not have any commits" in err or "unknown revision" in err or "bad revision" in err:
            raise GitProblem("the repository has no commits (HEAD points to nothing)")
        raise GitProblem(f"git could not read the history: {err[:200]}")
    rc_f, out_f, _ = procs["files"].finish()
    files = _parse_files(out_f) if rc_f == 0 else {}
    facts.commits = _parse_log(out, files)
    truncated = len(facts.commits) >= MAX_LOG
    pr_head = pull_request_head(facts.commits, pull_request)
    if pr_head:
        facts.note = (f"graded the pull request's own commits (head {pr_head[:10]}): the merge commit "
                      f"{facts.commits[0].sha[:10]} that the CI checkout made was left out")
        facts.commits = reachable_from(facts.commits, pr_head)
    facts.head = facts.commits[0].sha if facts.commits else None
    facts.commit_count = len(facts.commits)
    # (the log is finished: its reader has started the count by now if it was to)
    count = procs.get("count")
    if not truncated:
        # The whole history was read: the count follows from it (a count started for a log
        # whose subjects held record separators stops now; close() reaps it).
        if count is not None and count.running():
            count.kill()
    else:
        if count is None:  # its reader could not start it
            try:
                count = procs["count"] = _start_count(shadow)
            except OSError:
                count = None
        if count is not None:
            rc, out, _ = count.finish()
            if rc == 0 and out.strip().isdigit():
                facts.commit_count = int(out.strip())

    rc_t, out_t, err_t = procs["tags"].finish()
    if rc_t != 0:
        facts.tag_error = f"git could not list tags: {err_t[:200]}"
        return facts
    rows = _parse_tags(out_t)
    known = facts.reachable_shas
    reachable = {row[0] for row in rows if row[1] in known}
    if truncated and len(reachable) < len(rows):
        # tags on commits older than the history read: git's answer of which are on this branch
        try:
            procs["merged"] = run.start(["for-each-ref", "--merged=HEAD", "refs/tags", "--format=%(refname)"],
                                        home=shadow, git_dir=shadow)
            rc_m, out_m, _ = procs["merged"].finish()
        except OSError:  # git could not be started again: the tags of the history read, as when git fails
            rc_m, out_m = 1, b""
        if rc_m == 0:
            reachable |= {line[len("refs/tags/"):] for line in out_m.decode("utf-8", "replace").splitlines()}
    facts.tags = [Tag(*row, row[0] in reachable) for row in rows]
    return facts


_PR_MERGE = lazy(r"^Merge [0-9a-f]{40} into [0-9a-f]{40}$")


def pull_request_head(commits: list[Commit], pull_request: bool = False) -> str | None:
    """The pull request's head when HEAD is the merge commit a CI checkout of a pull request
    makes (GitHub: "Merge <head> into <base>", or any two-parent HEAD when the caller says this is
    a pull-request run: ``pull_request``)."""
    if not commits or len(commits[0].parents) != 2:
        return None
    if _PR_MERGE.match(commits[0].subject) or pull_request:
        return commits[0].parents[1]
    return None


def reachable_from(commits: list[Commit], start: str) -> list[Commit]:
    """The commits of ``commits`` reachable from ``start`` through their parents, in order."""
    by_sha = {c.sha: c for c in commits}
    seen: set[str] = set()
    pending = [start]
    while pending:
        sha = pending.pop()
        if sha in seen or sha not in by_sha:
            continue
        seen.add(sha)
        pending.extend(by_sha[sha].parents)
    return [c for c in commits if c.sha in seen]


def _parse_files(raw: bytes) -> dict[str, tuple[str, ...]]:
    out = {}
    for entry in raw.decode("utf-8", "replace").split("\x1e"):
        sha, sep, rest = entry.partition("\x1f")
        if sep:
            out[sha.strip()] = tuple(f.strip("\n") for f in rest.split("\x00") if f.strip("\n"))
    return out


def _parse_log(raw: bytes, files: dict[str, tuple[str, ...]]) -> list[Commit]:
    commits: list[Commit] = []
    for entry in raw.decode("utf-8", "replace").split("\x1e"):
        parts = entry.strip("\x00\n").split("\x1f", 4)
        if len(parts) < 5:
            continue
        sha, parents, when, tree, subject = parts
        try:
            moment = int(when)
        except ValueError:
            moment = 0
        commits.append(Commit(sha, tuple(parents.split()), moment, subject, files.get(sha, ()), tree))
    return commits


def _parse_tags(raw: bytes) -> list[tuple[str, str | None, bool]]:
    """(name, commit, annotated) of each tag."""
    tags: list[tuple[str, str | None, bool]] = []
    for line in raw.decode("utf-8", "replace").splitlines():
        parts = line.split("\x1f")
        if len(parts) != 4:
            continue
        name, objtype, objname, peeled = parts
        annotated = objtype == "tag"
        tags.append((name, (peeled if annotated else objname) or None, annotated))
    return tags


def head_commit(root: str) -> str | None:
    """HEAD's commit, read from the files (no git process): a quick fingerprint. Only regular,
    small files are read (no symlink, FIFO or device is ever opened)."""
    dotgit = os.path.join(root, ".git")

    def read(*parts: str) -> str:
        data = small_regular(os.path.join(dotgit, *parts))
        return data[:65536].decode("utf-8", "replace").strip() if data is not None else ""

    head = read("HEAD")
    if not head.startswith("ref: "):
        return head if re.fullmatch(r"[0-9a-f]{40,64}", head) else None
    ref = head[5:].strip()
    if ".." in ref or not ref.startswith("refs/"):
        return None
    value = read(*ref.split("/"))
    if re.fullmatch(r"[0-9a-f]{40,64}", value):
        return value
    for line in read("packed-refs").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == ref and re.fullmatch(r"[0-9a-f]{40,64}", parts[0]):
            return parts[0]
    return None
