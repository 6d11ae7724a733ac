"""Caps everywhere a submission enters (promise: "bounded in time, memory and disk whatever is
handed in"): a roster URL is cloned like a bundle (no checkout, capped on disk while it is
fetched, its files exported within the export cap), unpacking and cloning stop at the
grading's time budget, and similarity is grouped by fingerprint first, so its work grows
linearly with the class. Work is counted (bytes, comparisons), never timed."""

from __future__ import annotations

import io
import random
import tarfile
import time
from pathlib import Path

import pytest

from conftest import Repo
from grader import archives, git, rubric
from grader.batch import Result, results
from grader.batch.discover import Task
from grader.batch.prepare import grade_task
from grader.errors import LoopcheckError
from grader.sources import opened


def _folder_bytes(folder: Path) -> int:
    return sum(f.lstat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


@pytest.fixture
def zeros_repo(tmp_path) -> Repo:
    repo = Repo(tmp_path / "remote")
    (repo.path / "zeros.bin").write_bytes(b"\0" * 30_000_000)  # compresses to almost nothing
    repo.commit("Add a large file", {"README.md": "# x\n"})
    return repo


def test_a_roster_url_is_cloned_without_a_checkout(zeros_repo, tmp_path):
    dest = tmp_path / "clone"
    git.clone_url(f"file://{zeros_repo.path}", str(dest), checkout=False, max_bytes=10_000_000)
    assert _folder_bytes(dest) < 1_000_000  # the 30 MB file was not written out


def test_a_roster_url_is_read_from_its_objects_like_a_bundle(zeros_repo, tmp_path, monkeypatch):
    from grader.git import tree

    read = []
    real = tree.CommitTree.read
    monkeypatch.setattr(tree.CommitTree, "read", lambda self, rel: read.append(rel) or real(self, rel))
    task = Task("frank", "url", f"file://{zeros_repo.path}")
    work = tmp_path / "work"
    work.mkdir()
    result = grade_task(task, rubric.load("devops-loop"), str(work))
    assert result.status == "graded" and result.commit
    assert "zeros.bin" not in read  # over the file cap: listed, never read (nor written out)
    assert _folder_bytes(work) == 0  # and nothing left behind


def test_a_roster_repository_larger_than_the_cap_is_stopped_while_it_is_fetched(tmp_path):
    repo = Repo(tmp_path / "remote")
    (repo.path / "noise.bin").write_bytes(random.Random(1).randbytes(6_000_000))  # does not compress
    repo.commit("Add noise", {"README.md": "# x\n"})
    with pytest.raises(LoopcheckError, match="larger than"):
        git.clone_url(f"file://{repo.path}", str(tmp_path / "clone"), checkout=False, max_bytes=2_000_000)


def _bz2_bomb(path: Path, size: int = 20_000_000) -> Path:
    with tarfile.open(path, "w:bz2") as tf:
        info = tarfile.TarInfo("zeros.bin")
        info.size = size
        tf.addfile(info, io.BytesIO(b"\0" * size))
    return path


def test_unpacking_stops_at_the_time_budget(tmp_path):
    bomb = _bz2_bomb(tmp_path / "small.tar.bz2")
    assert bomb.stat().st_size < 100_000
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(archives.ArchiveError, match="time budget"):
        archives.extract(str(bomb), dest, until=time.monotonic())  # the budget is already spent
    assert _folder_bytes(dest) <= archives.CHUNK  # at most one chunk was written


def test_the_time_budget_covers_unpacking_and_cloning_in_single_mode(tmp_path, zeros_repo):
    bomb = _bz2_bomb(tmp_path / "small.tar.bz2", 2_000_000)
    bundle = tmp_path / "work.bundle"
    zeros_repo.git("bundle", "create", str(bundle), "--all")
    for path in (bomb, bundle):
        with pytest.raises(LoopcheckError, match="time budget"):
            with opened(str(path), until=time.monotonic()):
                pass


def _sketches(n: int, shared: int = 0, seed: int = 7) -> dict:
    rng = random.Random(seed)
    common = [f"{i:016x}" for i in range(shared)]  # the template's shingles, shared by everyone
    out = {}
    for i in range(n):
        own = {f"{rng.getrandbits(64):016x}" for _ in range(128 - shared)}
        out[f"s{i:04d}"] = Result(id=f"s{i:04d}", source="", rubric={}, status="graded", report={},
                                  sketch=sorted(set(common) | own)[:128])
    return out


@pytest.fixture
def comparisons(monkeypatch):
    count = {"n": 0}
    real = results.resemblance

    def counting(a, b):
        count["n"] += 1
        return real(a, b)

    monkeypatch.setattr(results, "resemblance", counting)
    return count


def test_a_class_of_identical_students_is_one_group(comparisons):
    n = 500
    same = {f"s{i:04d}": Result(id=f"s{i:04d}", source="", rubric={}, status="graded", report={},
                                commit="c" * 40, tree="t" * 40, sketch=[f"{h:016x}" for h in range(128)])
            for i in range(n)}
    groups = results.similarity(same)
    assert len(groups) == 1 and len(groups[0][0]) == n and groups[0][2] == "the same commit"
    assert comparisons["n"] == 0
    assert len(results.similar_pairs(same)) == n - 1


@pytest.mark.parametrize("shared", [0, 40])
def test_similarity_work_grows_linearly_with_the_class(comparisons, shared):
    n = 500
    results.similarity(_sketches(n, shared))
    assert comparisons["n"] <= results.MAX_POSTING * n  # not n²/2 = 124,750


def test_near_identical_written_work_is_still_found():
    klass = _sketches(50)
    twin = list(klass["s0001"].sketch)
    twin[-10:] = [f"f{i:015x}" for i in range(10)]  # a few words changed
    klass["twin"] = Result(id="twin", source="", rubric={}, status="graded", report={}, sketch=sorted(twin))
    groups = results.similarity(klass)
    assert [g[0] for g in groups] == [("s0001", "twin")] and groups[0][2] == "near-identical written work"
