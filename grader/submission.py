"""A submission: a read-only, bounded view of a learner's folder, or of a commit's files read
straight from its git objects (a :class:`~grader.git.tree.CommitTree`: the same index, the same
caps, the same problems, nothing copied).

* The file index is built by walking the tree without following symlinks; only regular
  files are listed (FIFOs, sockets and devices are never opened). ``.git``,
  ``node_modules``, virtualenvs and vendored trees are skipped.
* Files are read at most once per run, up to a size cap, with ``O_NOFOLLOW``; text is
  decoded as UTF-8 (a BOM is dropped, CRLF becomes LF). Parsed YAML/JSON is cached per path.
* A file that can't be read or parsed is recorded in :attr:`Submission.problems` with the
  reason; the grading goes on.
"""

from __future__ import annotations

import bisect
import fnmatch
import json
import os
import posixpath
import re
import stat
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from grader import yamlload
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.git import GitFacts, PendingGit


class Files(Protocol):
    """Files read where they are instead of from a folder: a commit's, from its git objects
    (:class:`grader.git.tree.CommitTree`), or a zip archive's (:class:`grader.archives.ZipFiles`)."""

    order: list[str]  # the regular files

    def size(self, rel: str) -> int | None: ...  # None: no such regular file

    def is_dir(self, rel: str) -> bool: ...

    def read(self, rel: str) -> bytes: ...  # whole; raises TreeProblem or ArchiveError saying why not

MAX_FILES = 100_000
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", "vendor", "third_party", "bower_components",
        ".terraform", "site-packages", ".idea", ".gradle", "target", ".next", ".cache",
    }
)
YAML_SUFFIXES = (".yml", ".yaml")
# YAML kept as a Jinja template (Ansible's `roles/monitoring/templates/prometheus.yml.j2`): read
# with its `{{ expressions }}` as placeholders and its `{% statements %}` lines left blank.
JINJA_YAML_SUFFIXES = (".yml.j2", ".yaml.j2", ".yml.jinja2", ".yaml.jinja2", ".yml.jinja", ".yaml.jinja")
_JINJA_EXPR = lazy(r"\{\{[^{}\n]{0,400}\}\}")
_JINJA_STMT = lazy(r"\{%[^\n]{0,400}?%\}|\{#[^\n]{0,400}?#\}")


def jinja_placeholders(text: str) -> str:
    """A Jinja-templated YAML text as plain YAML, line for line: each expression becomes the
    word ``JINJA``; a line holding only statements or comments becomes blank."""
    out = []
    for line in text.split("\n"):
        bare = _JINJA_STMT.sub("", line)
        out.append("" if line.strip() and not bare.strip() else _JINJA_EXPR.sub("JINJA", bare))
    return "\n".join(out)


class Submission:
    """A learner's folder, read lazily and at most once per file."""

    def __init__(self, root: str | os.PathLike, *, max_files: int = MAX_FILES,
                 max_file_bytes: int = MAX_FILE_BYTES, git_root: str | os.PathLike | None = None,
                 git_rev: str | None = None, pull_request: bool = False, tree: Files | None = None):
        self.root = os.path.abspath(root)
        self.tree = tree  # the files graded when they are not the folder's (a commit's, a zip's)
        # where the history is read from: the repository whose committed files are in ``root``
        self.git_root = os.path.abspath(git_root) if git_root is not None else self.root
        self.git_rev = git_rev  # the commit whose history is read (a deadline's), else HEAD
        self.pull_request = pull_request  # graded in a CI run for a pull request (its merge commit is not the learner's)
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes
        self.problems: dict[str, str] = {}
        self._text: dict[str, str | None] = {}
        self._yaml: dict[str, list | None] = {}
        self._json: dict[str, object] = {}
        self._memo: dict[object, object] = {}
        self._git_pending: PendingGit | None = None

    def memo(self, key: str, value=None):
        """A per-run cache for derived evidence: ``memo(k)`` reads, ``memo(k, v)`` stores v."""
        if value is None:
            return self._memo.get(key)
        self._memo[key] = value
        return value

    # -- the file index -------------------------------------------------------------
    @cached_property
    def files(self) -> tuple[str, ...]:
        """Relative POSIX paths of the regular files, sorted."""
        if self.tree is not None:
            return self._tree_files(self.tree)
        found: list[str] = []
        pending: list[tuple[str, str, int]] = [(str(self.root), "", 0)]
        truncated = False
        while pending:
            abs_dir, rel_dir, depth = pending.pop()
            try:
                entries = list(os.scandir(abs_dir))
            except OSError as exc:
                self.problems[rel_dir or "."] = f"folder can't be listed ({exc.strerror})"
                continue
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    if entry.is_symlink():
                        continue  # never followed, in or out of the submission
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name in SKIP_DIRS or depth >= MAX_DEPTH:
                            continue
                        if os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
                            continue  # a virtualenv under another name
                        pending.append((entry.path, rel, depth + 1))
                    elif entry.is_file(follow_symlinks=False):
                        if len(found) >= self.max_files:
                            truncated = True
                            break
                        found.append(rel)
                except OSError:
                    continue
            if truncated:
                self.problems["."] = (
                    f"more than {self.max_files} files: only the first {self.max_files} were read"
                )
                break
        found.sort()
        return tuple(found)

    def _tree_files(self, tree: Files) -> tuple[str, ...]:
        """The regular files of ``tree`` as the folder walk would list them: the same folders
        skipped (by name, virtualenvs, deeper than :data:`MAX_DEPTH`), the same file budget.
        Each folder is judged once, for all its files."""
        venvs = {p[: -len("/pyvenv.cfg")] for p in tree.order if p.endswith("/pyvenv.cfg")}
        kept: dict[str, bool] = {}
        found: list[str] = []
        for path in tree.order:
            folder = path.rpartition("/")[0]
            keep = kept.get(folder)
            if keep is None:
                folders = folder.split("/") if folder else []
                keep = kept[folder] = not (
                    len(folders) > MAX_DEPTH or any(name in SKIP_DIRS for name in folders)
                    or (venvs and any("/".join(folders[:i]) in venvs for i in range(1, len(folders) + 1))))
            if not keep:
                continue
            if len(found) >= self.max_files:
                self.problems["."] = f"more than {self.max_files} files: only the first {self.max_files} were read"
                break
            found.append(path)
        found.sort()
        return tuple(found)

    @cached_property
    def file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    def exists(self, rel: str) -> bool:
        return rel in self.file_set

    @cached_property
    def _lower(self) -> tuple[str, ...]:
        return tuple(f.lower() for f in self.files)

    @property
    def lower_files(self) -> tuple[str, ...]:
        """:attr:`files` in lower case, in the same order (made once)."""
        return self._lower

    def glob(self, *patterns: str) -> list[str]:
        """Files whose relative path matches any pattern (fnmatch, case-insensitive; ``*``
        crosses ``/``). Only files under a pattern's literal prefix are tested."""
        regex = re.compile("|".join(fnmatch.translate(p) for p in patterns), re.IGNORECASE)
        index = self._sorted_lower
        found = set()
        for pattern in patterns:
            prefix = re.split(r"[*?\[]", pattern, maxsplit=1)[0].lower()
            i = bisect.bisect_left(index, (prefix, ""))
            while i < len(index) and index[i][0].startswith(prefix):
                if regex.match(index[i][1]):
                    found.add(index[i][1])
                i += 1
        return sorted(found)

    @cached_property
    def _sorted_lower(self) -> list[tuple[str, str]]:
        return sorted(zip(self._lower, self.files, strict=True))

    @cached_property
    def _by_extension(self) -> dict[str, list[int]]:
        """The files' places in :attr:`files`, by the lower-case text from the last dot of their
        path (a file ending with ``.yml.j2`` or ``_test.go`` is under ``.j2`` or ``.go``)."""
        index: dict[str, list[int]] = {}
        for i, low in enumerate(self._lower):
            dot = low.rfind(".")
            if dot >= 0:
                index.setdefault(low[dot:], []).append(i)
        return index

    def by_suffix(self, *suffixes: str) -> list[str]:
        key = ("suffix",) + tuple(s.lower() for s in suffixes)
        cached = self._memo.get(key)
        if cached is None:
            wanted = key[1:]
            if all("." in s for s in wanted):  # only the files under their extensions can end so
                places: set[int] = set()
                for ext in {s[s.rfind("."):] for s in wanted}:
                    places.update(self._by_extension.get(ext, ()))
                files, lower = self.files, self._lower
                cached = [files[i] for i in sorted(places) if lower[i].endswith(wanted)]
            else:
                cached = [f for f, low in zip(self.files, self._lower, strict=True) if low.endswith(wanted)]
            self._memo[key] = cached
        return cached  # type: ignore[return-value]  # a list, as stored just above

    def expect(self, rels: list[str]) -> None:
        """The files a scan is about to read, in its order: a commit's are then read from git a
        few at a time (see :meth:`grader.git.tree.CommitTree.expect`). Reads nothing itself."""
        ahead = getattr(self.tree, "expect", None)
        if ahead is not None:
            ahead([rel for rel in rels if rel not in self._text])


    # -- reading --------------------------------------------------------------------
    def read_bytes(self, rel: str, limit: int | None = None) -> bytes | None:
        limit = self.max_file_bytes if limit is None else limit
        if self.tree is not None:
            return self._read_blob(self.tree, rel, limit)
        path = os.path.join(self.root, rel)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        flags |= getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            self.problems[rel] = f"can't be opened ({exc.strerror})"
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                self.problems[rel] = "not a regular file"
                return None
            if info.st_size > limit:
                self.problems[rel] = f"larger than {limit // 1000} kB: not parsed"
                return None
            chunks = []
            remaining = limit + 1
            while remaining > 0:
                chunk = os.read(fd, min(remaining, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
            data = b"".join(chunks)
            if len(data) > limit:
                self.problems[rel] = f"larger than {limit // 1000} kB: not parsed"
                return None
            return data
        except OSError as exc:
            self.problems[rel] = f"can't be read ({exc.strerror})"
            return None
        finally:
            os.close(fd)

    def _read_blob(self, tree: Files, rel: str, limit: int) -> bytes | None:
        from grader.archives import ArchiveError
        from grader.git.tree import TreeProblem

        size = tree.size(rel)
        if size is None and "/." in f"/{rel}":  # "./x", "a/../b": the path a folder would open
            rel = posixpath.normpath(rel)
            size = tree.size(rel)
        if size is None:
            self.problems[rel] = "not a regular file" if tree.is_dir(rel) else "can't be opened (No such file or directory)"
            return None
        if size > limit:
            self.problems[rel] = f"larger than {limit // 1000} kB: not parsed"
            return None
        try:
            return tree.read(rel)
        except (TreeProblem, ArchiveError) as exc:
            self.problems[rel] = f"can't be read ({exc})"
            return None

    def read_text(self, rel: str) -> str | None:
        """The file's text (UTF-8, LF line endings), or None when unreadable."""
        if rel in self._text:
            return self._text[rel]
        text = None
        data = self.read_bytes(rel)
        if data is not None:
            if b"\x00" in data[:8192]:
                self.problems[rel] = "binary content, not text"
            else:
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    self.problems[rel] = f"not UTF-8 text (byte {exc.start})"
                else:
                    if "\r" in text:
                        text = text.replace("\r\n", "\n").replace("\r", "\n")
        self._text[rel] = text
        return text

    def yaml_docs(self, rel: str) -> list | None:
        """The YAML documents of a file (cached), or None when unreadable or invalid."""
        if rel in self._yaml:
            return self._yaml[rel]
        docs = None
        text = self.read_text(rel)
        template = rel.lower().endswith(JINJA_YAML_SUFFIXES)
        if text is not None:
            try:
                docs = yamlload.load_all(jinja_placeholders(text) if template else text)
            except yamlload.YamlError as exc:
                if not template:  # a template may render to YAML where its source is not
                    self.problems[rel] = f"invalid YAML: {exc}"
        self._yaml[rel] = docs
        return docs

    def yaml_docs_quiet(self, rel: str) -> list | None:
        """Like :meth:`yaml_docs` but a parse failure is not a problem worth reporting.

        For files that are YAML by name but may be templates (Helm's ``{{ }}``).
        """
        had = rel in self.problems
        docs = self.yaml_docs(rel)
        if docs is None and not had and "{{" in (self._text.get(rel) or ""):
            self.problems.pop(rel, None)
        return docs

    def json_data(self, rel: str):
        """A JSON file's value (cached), or None when unreadable or invalid."""
        if rel in self._json:
            return self._json[rel]
        value = None
        text = self.read_text(rel)
        if text is not None:
            try:
                value = json.loads(text)
            except (ValueError, RecursionError) as exc:
                self.problems[rel] = f"invalid JSON: {str(exc)[:120]}"
        self._json[rel] = value
        return value

    def json_object(self, rel: str) -> dict | None:
        """A JSON file's object, or None (unreadable, invalid, or not an object)."""
        data = self.json_data(rel)
        return data if isinstance(data, dict) else None

    def named(self, *names: str) -> list[str]:
        """Files with one of these names, in any folder (case-insensitive), in :attr:`files`' order:
        only the files that end with one of them (the suffix index) are looked at."""
        wanted = {n.lower() for n in names}
        return [f for f in self.by_suffix(*sorted(wanted)) if f.rsplit("/", 1)[-1].lower() in wanted]

    def yaml_files(self) -> list[str]:
        return self.by_suffix(*YAML_SUFFIXES, *JINJA_YAML_SUFFIXES)

    # -- git --------------------------------------------------------------------------
    def start_git(self, started: PendingGit | None = None) -> None:
        """Start reading git in the background (the commands run while other checks work).
        ``started``: the same reading, started earlier by the caller (:class:`grader.sources.EarlyGit`),
        used when it reads this submission's history (the same repository, commit and pull-request
        reading); its caller still closes it."""
        if self._git_pending is None and "git" not in self.__dict__:
            if (started is not None and started.root == self.git_root and started.rev == self.git_rev
                    and started.pull_request == self.pull_request):
                self._git_pending = started
                return
            from grader.git import PendingGit

            self._git_pending = PendingGit(self.git_root, self.git_rev, pull_request=self.pull_request)

    @cached_property
    def git(self) -> GitFacts:
        self.start_git()
        pending, self._git_pending = self._git_pending, None
        assert pending is not None  # started just now: `git` is not read yet
        return pending.finish()

    def close(self) -> None:
        """End any git command still running and remove its temporary folder."""
        if self._git_pending is not None:
            self._git_pending.close()
            self._git_pending = None
