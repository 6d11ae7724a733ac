"""grader.fsutil: the private temporary folders and their removal."""

from __future__ import annotations

import os
import stat

from grader import fsutil


def test_private_dir_is_new_and_only_ours(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    a, b = fsutil.private_dir("lc-"), fsutil.private_dir("lc-")
    assert a != b and os.path.dirname(a) == str(tmp_path)
    assert os.path.basename(a).startswith("lc-")
    assert stat.S_IMODE(os.stat(a).st_mode) == 0o700


def test_private_dir_skips_a_missing_tmpdir(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))
    monkeypatch.setenv("TEMP", str(tmp_path))
    assert os.path.dirname(fsutil.private_dir("lc-")) == str(tmp_path)


def test_remove_tree_never_follows_links_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious")
    top = tmp_path / "top"
    (top / "sub" / "deeper").mkdir(parents=True)
    (top / "sub" / "file").write_text("x")
    os.chmod(top / "sub" / "file", 0o444)
    (top / "dirlink").symlink_to(outside, target_is_directory=True)
    (top / "sub" / "filelink").symlink_to(outside / "keep.txt")
    fsutil.remove_tree(str(top))
    assert not top.exists()
    assert (outside / "keep.txt").read_text() == "precious"
    fsutil.remove_tree(str(top))  # already gone: no error


def test_terminal_width_honours_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "123")
    assert fsutil.terminal_width() == 123
    monkeypatch.setenv("COLUMNS", "junk")
    assert fsutil.terminal_width(77) > 0
