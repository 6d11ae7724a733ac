"""A commit read straight from its git objects (grader/git/tree.py) is the same submission as its
files checked out: the same index (folders skipped, virtualenvs, depth, the file budget), the
same bytes, the same problems; blobs are read on demand through one ``git cat-file --batch``,
never over the size asked for; a missing, corrupt or borrowed (alternates) object is a problem of
that file and the grading goes on."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from conftest import Repo
from grader.git import run as gitrun
from grader.sources import opened
from grader.submission import MAX_DEPTH, Submission

FILES: dict[str, str | bytes] = {
    "README.md": "# service\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n",
    "src/app.py": "print('hi')\r\n",
    "node_modules/left-pad/index.js": "module.exports = 1\n",
    "pkg/vendor/lib.go": "package lib\n",
    "env/pyvenv.cfg": "home = /usr/bin\n",
    "env/lib/site.py": "x = 1\n",
    "env2/lib/pyvenv.cfg.bak": "not a venv\n",
    "big.bin": b"\0" * 1_200_000,
    "binary.dat": b"\x00\x01\x02",
    "latin.txt": "caf\xe9\n".encode("latin-1"),
    "/".join(f"d{i}" for i in range(MAX_DEPTH)) + "/kept.txt": "at the deepest folder read\n",
    "/".join(f"d{i}" for i in range(MAX_DEPTH + 1)) + "/deeper.txt": "one folder too deep\n",
}


@pytest.fixture
def committed(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    os.symlink("README.md", repo.path / "link.md")
    repo.commit("Add the service", FILES)
    (repo.path / "untracked.txt").write_text("not committed\n")
    return repo


def checkout(repo: Repo, dest: Path) -> Path:
    """The commit's files as a plain folder (a fresh clone without its .git)."""
    repo.git("clone", "--quiet", str(repo.path), str(dest))
    return dest


def test_the_commit_read_from_its_objects_is_the_same_submission_as_its_checkout(committed, tmp_path):
    folder = Submission(checkout(committed, tmp_path / "checkout"))
    with opened(str(committed.path)) as source:
        assert source.tree is not None and any("untracked.txt" in n for n in source.notes)
        assert any("link.md: not a regular file" in n for n in source.notes)  # as an export said
        sub = Submission(source.folder, tree=source.tree)
        assert sub.files == folder.files and "untracked.txt" not in sub.files
        assert "env/lib/site.py" not in sub.files and "env2/lib/pyvenv.cfg.bak" in sub.files
        assert any(f.endswith("kept.txt") for f in sub.files) and not any(f.endswith("deeper.txt") for f in sub.files)
        for rel in [*sub.files, "link.md", "missing.md", "src", "./README.md"]:
            assert sub.read_text(rel) == folder.read_text(rel), rel
        # a link is not written out by an export, nor read from the objects: no such file
        assert sub.problems.pop("link.md") == "can't be opened (No such file or directory)"
        folder.problems.pop("link.md")
        assert sub.problems == folder.problems
        assert "larger than 1000 kB" in sub.problems["big.bin"]


def test_blobs_are_read_on_demand_through_one_cat_file(committed, monkeypatch):
    started = []
    real = gitrun.start

    def counting(args, **kwargs):
        started.append(args[0])
        return real(args, **kwargs)

    monkeypatch.setattr(gitrun, "start", counting)
    with opened(str(committed.path)) as source:
        sub = Submission(source.folder, tree=source.tree)
        assert source.tree is not None and source.tree.read_bytes == 0  # listed, nothing read yet
        texts = [sub.read_text(rel) for rel in sub.files]
        assert sub.read_bytes("big.bin") is None  # over the cap: never asked of git
        assert source.tree.read_bytes == sum(len(FILES[r]) if r in FILES else 0 for r in sub.files if r != "big.bin")
    assert started.count("cat-file") == 1 and all(t is None or isinstance(t, str) for t in texts)


def test_the_file_budget_is_the_submissions_own(committed):
    with opened(str(committed.path)) as source:
        sub = Submission(source.folder, tree=source.tree, max_files=3)
        assert len(sub.files) == 3
        assert sub.problems["."] == "more than 3 files: only the first 3 were read"


def _object_path(repo: Repo, rel: str) -> Path:
    sha = repo.git("rev-parse", f"HEAD:{rel}")
    return repo.path / ".git" / "objects" / sha[:2] / sha[2:]


def test_a_missing_blob_grades_the_folder_with_a_note_as_its_export_did(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit("Add the service", {"a.txt": "first\n", "b.txt": "second\n"})
    (repo.path / "untracked.txt").write_text("x\n")
    path = _object_path(repo, "a.txt")
    sha = path.parent.name + path.name
    path.unlink()
    with opened(str(repo.path)) as source:
        assert source.tree is None
        assert source.notes == [f"graded the folder as it is: its commit can't be read (error: cannot read '{sha}')"]


def test_corrupt_blobs_are_problems_of_their_file_and_the_rest_is_read(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit("Add the service", {"b.txt": "second\n", "c.txt": "third\n"})
    (repo.path / "untracked.txt").write_text("x\n")
    corrupt = _object_path(repo, "b.txt")
    corrupt.chmod(0o644)
    corrupt.write_bytes(zlib.compress(b"blob 7\0second\n")[:-6])  # its header reads, its content does not
    with opened(str(repo.path)) as source:
        sub = Submission(source.folder, tree=source.tree)
        assert sub.read_text("b.txt") is None and sub.problems["b.txt"].startswith("can't be read")
        assert "/tmp" not in sub.problems["b.txt"]  # the shadow directory is not named
        assert sub.read_text("c.txt") == "third\n"  # git started again after the corrupt object


def test_a_blob_only_in_borrowed_objects_is_never_read(tmp_path):
    other = Repo(tmp_path / "other")
    other.commit("Add the secret", {"secret.txt": "SECRET-IN-ANOTHER-REPOSITORY\n"})
    other.git("clone", "--quiet", "--shared", str(other.path), str(tmp_path / "borrower"))
    borrower = Repo.__new__(Repo)
    borrower.path, borrower.tick = tmp_path / "borrower", 100
    borrower.commit("Add the readme", {"README.md": "# x\n"})
    (borrower.path / "untracked.txt").write_text("x\n")
    with opened(str(borrower.path)) as source:
        # the commit's tree names a blob that lives only in the borrowed objects: git can't see it
        # through the shadow directory, so the commit can't be read and the folder is graded, as before
        assert source.tree is None
        assert any(n.startswith("graded the folder as it is: its commit can't be read") for n in source.notes)


def test_a_check_stopped_midway_leaves_the_next_read_whole(committed, monkeypatch):
    with opened(str(committed.path)) as source:
        sub = Submission(source.folder, tree=source.tree)
        batch = source.tree._batch  # type: ignore[union-attr]

        def stopped(_deadline):
            raise KeyboardInterrupt  # what a check's timer raises: a BaseException, midway

        monkeypatch.setattr(batch, "_line", stopped)
        with pytest.raises(KeyboardInterrupt):
            sub.read_bytes("README.md")
        monkeypatch.undo()
        assert sub.read_text("src/app.py") == "print('hi')\n" and batch.starts == 2


def test_a_tree_nothing_can_be_listed_from_grades_the_folder_with_a_note(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit("Add the service", {"a.txt": "first\n"})
    (repo.path / "untracked.txt").write_text("x\n")
    tree_sha = repo.git("rev-parse", "HEAD^{tree}")
    (repo.path / ".git" / "objects" / tree_sha[:2] / tree_sha[2:]).unlink()
    with opened(str(repo.path)) as source:
        assert source.tree is None
        assert any(n.startswith("graded the folder as it is: its commit can't be read") for n in source.notes)


def _exchanges(tree, monkeypatch) -> list[int]:
    """The number of blobs asked for in each exchange with ``cat-file``, as they are asked (a
    window asked for ahead included: its answers are read when one of its files is)."""
    sizes: list[int] = []
    real = tree._batch.send

    def counting(items, **kwargs):
        sizes.append(len(items))
        return real(items, **kwargs)

    monkeypatch.setattr(tree._batch, "send", counting)
    return sizes


def test_files_expected_are_read_a_window_at_a_time_and_the_same(tmp_path, monkeypatch):
    files = {f"docs/page{i:03}.md": f"# Page {i}\n" * (i % 7 + 1) for i in range(250)}
    files["docs/huge.md"] = "# Huge\n" + "x" * 300_000 + "\n"  # larger than a read-ahead takes: on its own
    repo = Repo(tmp_path / "repo")
    repo.commit("Add the pages", files)
    (repo.path / "untracked.txt").write_text("x\n")
    folder = Submission(checkout(repo, tmp_path / "checkout"))
    with opened(str(repo.path)) as source:
        sub = Submission(source.folder, tree=source.tree)
        exchanges = _exchanges(source.tree, monkeypatch)
        assert sub.read_text("docs/page000.md") == "# Page 0\n"  # read before: not asked for again
        wanted = [rel for rel in sub.files if rel != "docs/page007.md"]  # one the scan skips
        sub.expect(wanted)
        assert exchanges == [1]  # the one read alone; expecting reads nothing
        exchanges.clear()
        for rel in wanted:
            assert sub.read_text(rel) == folder.read_text(rel), rel
        assert sub.read_text("docs/page007.md") == folder.read_text("docs/page007.md")  # not planned: alone
        assert source.tree.read_bytes == sum(len(text.encode()) for text in files.values())
    # 250 files in a few exchanges (the huge one alone), each within a pipe's smallest buffer
    assert sum(exchanges) == len(files) - 1 and len(exchanges) < 12 and exchanges[-1] == 1
    assert max(exchanges) * 41 <= 4096


def test_a_corrupt_blob_read_ahead_is_its_own_files_problem_as_if_read_alone(tmp_path):
    files = {f"f{i}.txt": f"file {i}\n" for i in range(10)}
    repo = Repo(tmp_path / "repo")
    repo.commit("Add the files", files)
    (repo.path / "untracked.txt").write_text("x\n")
    missing = _object_path(repo, "f2.txt")
    corrupt = _object_path(repo, "f5.txt")
    corrupt.chmod(0o644)
    corrupt.write_bytes(zlib.compress(f"blob {len(files['f5.txt'])}\0file 5\n".encode())[:-6])
    read_alone = {}
    for ahead in (False, True):
        with opened(str(repo.path)) as source:
            assert source.tree is not None
            missing.rename(missing.with_suffix(".gone"))  # listed with its size, then gone
            try:
                sub = Submission(source.folder, tree=source.tree)
                if ahead:
                    sub.expect(sorted(files))
                texts = {rel: sub.read_text(rel) for rel in sorted(files)}
                starts = source.tree._batch.starts  # type: ignore[union-attr]
            finally:
                missing.with_suffix(".gone").rename(missing)
        if not ahead:
            read_alone = {"texts": texts, "problems": dict(sub.problems), "starts": starts}
    assert texts == read_alone["texts"] and sub.problems == read_alone["problems"] and starts == read_alone["starts"]
    assert texts["f2.txt"] is None and "missing" in sub.problems["f2.txt"]
    assert texts["f5.txt"] is None and sub.problems["f5.txt"].startswith("can't be read")
    assert texts["f9.txt"] == "file 9\n" and starts == 2  # git started again after the corrupt object


def test_the_next_window_is_asked_for_while_the_files_read_are_checked(tmp_path, monkeypatch):
    files = {f"docs/page{i:03}.md": f"# Page {i}\n" for i in range(250)}
    repo = Repo(tmp_path / "repo")
    repo.commit("Add the pages", files)
    (repo.path / "untracked.txt").write_text("x\n")
    with opened(str(repo.path)) as source:
        sub = Submission(source.folder, tree=source.tree)
        exchanges = _exchanges(source.tree, monkeypatch)
        sub.expect(sorted(files))
        assert sub.read_text("docs/page000.md") == "# Page 0\n"
        assert exchanges == [99, 99]  # the first window read, the next one asked for already
        assert sub.read_text("docs/page099.md") == "# Page 99\n"  # its answers read now, the third asked
        assert exchanges == [99, 99, 52]
        assert all(sub.read_text(rel) == text for rel, text in files.items())
        assert exchanges == [99, 99, 52] and source.tree._batch.starts == 1  # type: ignore[union-attr]


def test_a_check_stopped_with_a_window_asked_ahead_reads_its_files_again(tmp_path, monkeypatch):
    files = {f"f{i:03}.txt": f"file {i}\n" for i in range(150)}
    repo = Repo(tmp_path / "repo")
    repo.commit("Add the files", files)
    (repo.path / "untracked.txt").write_text("x\n")
    with opened(str(repo.path)) as source:
        sub = Submission(source.folder, tree=source.tree)
        batch = source.tree._batch  # type: ignore[union-attr]
        sub.expect(sorted(files))
        assert sub.read_text("f000.txt") == "file 0\n" and batch.asked == 51  # the rest asked for ahead

        def stopped(_deadline):
            raise KeyboardInterrupt  # what a check's timer raises: a BaseException, midway

        monkeypatch.setattr(batch, "_line", stopped)
        with pytest.raises(KeyboardInterrupt):
            sub.read_bytes("f120.txt")
        monkeypatch.undo()
        assert batch.git is None and batch.asked == 0  # the conversation ended with its answers
        assert {rel: sub.read_text(rel) for rel in files} == files and batch.starts == 2
