"""A zip archive is read in place (grader/archives.py's ZipFiles), member by member, as the same
submission its unpacking gave: the same root folder, files, bytes, problems and skipped entries;
nothing is written; a zip holding a git repository is still unpacked (git reads a folder); the
caps hold (entries, each member's size as declared, a member that says less than it holds)."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from grader import archives
from grader.errors import LoopcheckError
from grader.sources import opened
from grader.submission import Submission

pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name")  # a duplicate entry is made on purpose


def _info(name: str, mode: int = stat.S_IFREG | 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info


@pytest.fixture
def handed_in(tmp_path) -> Path:
    path = tmp_path / "ada_exercise.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("work/", "")
        zf.writestr("work/README.md", "# service\r\n")
        zf.writestr("work/.github/workflows/ci.yml", "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make\n")
        zf.writestr("work/node_modules/x/index.js", "module.exports = 1\n")
        zf.writestr("work/docs/plan.md", "## Plan\n- one\n")
        zf.writestr("work/docs/plan.md", "a second entry of the same name\n")
        zf.writestr(_info("work/link.md", stat.S_IFLNK | 0o777), "README.md")
        zf.writestr("work/../escape.txt", "outside\n")
        zf.writestr("work/big.bin", b"\0" * 1_200_000)
        zf.writestr("__MACOSX/work/._README.md", "junk\n")
    return path


def test_a_zip_read_in_place_is_the_submission_its_unpacking_was(handed_in, tmp_path):
    dest = tmp_path / "unpacked"
    dest.mkdir()
    skipped = archives.extract(str(handed_in), dest)
    unpacked = Submission(archives.submission_root(dest))
    with opened(str(handed_in)) as source:
        assert isinstance(source.tree, archives.ZipFiles)
        sub = Submission(source.folder, tree=source.tree)
        assert sub.files == unpacked.files and "node_modules/x/index.js" not in sub.files
        for rel in [*sub.files, "link.md", "nothing.md", "docs", "node_modules/x/index.js"]:
            assert sub.read_text(rel) == unpacked.read_text(rel), rel
        assert sub.problems == unpacked.problems and "larger than" in sub.problems["big.bin"]
        assert source.notes == [f"{len(skipped)} unsafe archive entries skipped: {'; '.join(skipped[:3])}"]
        assert source.tree.read_bytes < 1000  # the large member was never decompressed


def test_nothing_is_written_where_a_zip_is_read(handed_in, tmp_path, monkeypatch):
    def no_unpacking(*_args, **_kwargs):
        raise AssertionError("unpacked")

    monkeypatch.setattr("grader.sources.extract", no_unpacking)
    with opened(str(handed_in)) as source:
        assert Submission(source.folder, tree=source.tree).read_text("README.md") == "# service\n"


def test_a_zip_holding_a_git_repository_is_unpacked_for_git(tmp_path):
    path = tmp_path / "repo.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("repo/README.md", "# x\n")
        zf.writestr("repo/.git/HEAD", "ref: refs/heads/main\n")
    with opened(str(path)) as source:
        assert source.tree is None and (Path(source.folder) / "README.md").is_file()


def test_a_member_holding_more_than_it_says_is_not_read_past_it(tmp_path):
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("README.md", "# a readme longer than it says\n")
    data = path.read_bytes()
    honest = len("# a readme longer than it says\n").to_bytes(4, "little")
    path.write_bytes(data.replace(honest, (4).to_bytes(4, "little")))  # both headers now say 4 bytes
    with opened(str(path)) as source:
        sub = Submission(source.folder, tree=source.tree)
        assert sub.read_text("README.md") is None and sub.problems["README.md"].startswith("can't be read")


def test_the_entry_cap_holds_in_place(tmp_path, monkeypatch):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(30):
            zf.writestr(f"f{i}.txt", "x")
    monkeypatch.setattr(archives.open_zip, "__kwdefaults__", {"max_entries": 10, "until": None})
    with pytest.raises(LoopcheckError, match="more than 10 entries"):
        with opened(str(path)):
            pass


@pytest.mark.parametrize("name", ["a", "a/b", "./a", "a/./b", "a//b", "../a", "a/../b", "/a", "c:x", "..", ".", "./",
                                  "a\\b", "a\\..\\b", "a\x00b", "/".join(["d"] * 64), "/".join(["d"] * 65), "a/",
                                  ".../x", "a/..", "", "//a", ".//./"])
def test_unsafe_names_are_those_unpacking_refuses(name, tmp_path):
    assert archives.unsafe_name(name) == (archives._safe_target(tmp_path, name) is None)
