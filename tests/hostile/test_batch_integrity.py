"""Batch integrity under hostile names and conditions (promises: "one broken submission never
stops or spoils the batch", "credentials never appear", "no traceback reaches a user")."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import SAMPLES
from grader.batch import redact
from grader.cli import main


def test_ids_are_unique_whatever_the_names(tmp_path):
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / "README.md").write_text("# a\n")
    shutil.copy(SAMPLES / "starter.bundle", klass / "alice.bundle")
    with zipfile.ZipFile(klass / "alice~2.zip", "w") as zf:
        zf.writestr("README.md", "# z\n")
    out = tmp_path / "g.csv"
    assert main(["batch", str(klass), "--out", str(out), "-q"]) == 0
    ids = [r["id"] for r in csv.DictReader(out.open())]
    assert len(ids) == 3 and len(set(ids)) == 3, ids


def test_two_batches_writing_the_same_file_never_mix(tmp_path):
    klass = tmp_path / "class"
    for i in range(6):
        (klass / f"s{i}").mkdir(parents=True)
        (klass / f"s{i}" / "README.md").write_text(f"# {i}\n")
    out = tmp_path / "g.csv"
    for _ in range(3):
        procs = [subprocess.Popen([sys.executable, "-m", "grader", "batch", str(klass), "--out", str(out), "-q"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
        for p in procs:
            p.communicate(timeout=120)
            assert p.returncode == 0
        rows = list(csv.DictReader(out.open()))
        assert [r["id"] for r in rows] == [f"s{i}" for i in range(6)]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    # the gradebook beside them was written by one batch at a time: every row whole, none lost
    from grader.batch.gradebook import Gradebook

    with Gradebook(str(tmp_path / "loopcheck-grades.sqlite")) as book:
        assert book.count() == 3 * 2 * 6
        assert all(len(book.history(f"s{i}")) == 6 for i in range(6))


def test_a_full_disk_is_a_clean_error(tmp_path, capsys):
    if not os.path.exists("/dev/full"):
        pytest.fail("this test needs /dev/full (Linux)")
    (tmp_path / "class" / "a").mkdir(parents=True)
    (tmp_path / "class" / "a" / "README.md").write_text("# a\n")
    assert main(["batch", str(tmp_path / "class"), "--jsonl", "/dev/full", "--gradebook",
                 str(tmp_path / "g.sqlite"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "can't write the results to /dev/full" in err and "Traceback" not in err


def test_a_huge_roster_field_is_refused_by_line(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,url\nada," + "x" * 200_000 + "\n")
    assert main(["batch", str(roster), "--out", str(tmp_path / "g.csv")]) == 2
    err = capsys.readouterr().err
    assert f"{roster}:2:" in err and ("longer than" in err or "not a readable CSV row" in err)


def test_a_folder_nested_1500_levels_deep_is_graded(tmp_path):
    klass = tmp_path / "class"
    deep = klass / "nest"
    deep.mkdir(parents=True)
    (deep / "README.md").write_text("# deep\n")
    fd = os.open(deep, os.O_RDONLY)
    try:
        for _ in range(1500):  # one level at a time, relative to the last: no path is too long
            os.mkdir("d", dir_fd=fd)
            nxt = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
    finally:
        os.close(fd)
    out = tmp_path / "g.csv"
    try:
        assert main(["batch", str(klass), "--out", str(out), "-q"]) == 0
        assert list(csv.DictReader(out.open()))[0]["status"] == "graded"
    finally:
        subprocess.run(["rm", "-rf", str(klass)], check=True)  # shutil.rmtree recurses once per level


def test_an_archive_entry_nested_1500_deep_is_skipped_not_fatal(tmp_path):
    archive = tmp_path / "class" / "deep.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("README.md", "# deep\n")
        zf.writestr("/".join(["d"] * 1500) + "/x.txt", "x")
    out = tmp_path / "g.csv"
    assert main(["batch", str(archive.parent), "--out", str(out), "-q"]) == 0
    row = list(csv.DictReader(out.open()))[0]
    assert row["status"] == "graded" and "1 unsafe" in row["reason"]


@pytest.mark.parametrize("url, secret", [
    ("HTTPS://ada:t0ken-1@example.com/ada/ex41.git", "t0ken-1"),
    ("git+https://ada:t0ken-2@example.com/ada/ex41.git", "t0ken-2"),
    ("https://ada:p@ss/w0rd@example.com/ada/ex41.git", "p@ss/w0rd"),
    ("https://ada:pass word3@example.com/ada/ex41.git", "pass word3"),
    ("https://example.com/ada/ex41.git?access_token=t0ken-4", "t0ken-4"),
    ("https://example.com/ada/ex41.git?a=1&private_token=t0ken-5", "t0ken-5"),
])
def test_credentials_in_every_url_form_are_redacted(url, secret):
    shown = redact(f"git could not clone {url}: denied")
    assert secret not in shown and "ada:" not in shown.split("example.com")[0].replace("***", "")
    assert "example.com" in shown or "***@" in shown


def test_a_roster_with_such_urls_leaks_nothing(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,url\n"
                      "ada,HTTPS://ada:t0ken-A@127.0.0.1:9/x.git\n"
                      "bob,https://bob:p@ss/w0rd-B@127.0.0.1:9/x.git\n"
                      "cid,https://127.0.0.1:9/x.git?access_token=t0ken-C\n")
    out, jsonl = tmp_path / "g.csv", tmp_path / "r.jsonl"
    main(["batch", str(roster), "--out", str(out), "--jsonl", str(jsonl), "--timeout", "20"])
    captured = capsys.readouterr()
    for text in (out.read_text(), jsonl.read_text(), captured.out, captured.err):
        for secret in ("t0ken-A", "w0rd-B", "t0ken-C"):
            assert secret not in text
    assert Path(out).exists()
