"""Batch grading: mixed sources, timeouts, hostile archives, resume after a kill, shards,
credential redaction."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from pathlib import Path
from unittest import mock

import pytest

from conftest import SAMPLES, Repo
from grader import batch, git
from grader.cli import main

HANDGRADED = Path(__file__).parent / "handgraded"


def git_env():
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def clone(bundle: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(bundle), str(dest)], check=True, env=git_env(),
                   capture_output=True)
    return dest


def zip_dir(src: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for path in sorted(src.rglob("*")):
            zf.write(path, Path("repo") / path.relative_to(src))
    return dest


class SilentServer:
    """A loopback TCP server that accepts connections and never answers (a hanging remote).
    It stops by itself after ``lifetime`` seconds."""

    def __init__(self, lifetime: float = 30.0):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stop_at = time.monotonic() + lifetime
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while time.monotonic() < self.stop_at:
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
            except OSError:
                continue
        self.close()

    def close(self):
        self.stop_at = 0
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture(scope="module")
def complete_repo(tmp_path_factory):
    return clone(SAMPLES / "complete.bundle", tmp_path_factory.mktemp("c") / "complete")


def read_csv(path) -> list[dict]:
    return list(csv.DictReader(open(path, encoding="utf-8")))


def test_mixed_batch(tmp_path, complete_repo):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copytree(complete_repo, subs / "alice")
    shutil.copy(SAMPLES / "half-done.bundle", subs / "bob.bundle")
    zip_dir(complete_repo, subs / "carol.zip")
    with tarfile.open(subs / "dave.tar.gz", "w:gz") as tf:
        tf.add(complete_repo, arcname="dave-repo")
    shutil.copy(subs / "dave.tar.gz", subs / "erin.tgz")
    (subs / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    with zipfile.ZipFile(subs / "slip.zip", "w") as zf:
        zf.writestr("../../escaped.txt", "gotcha")
        zf.writestr("/tmp/loopcheck-absolute-escape.txt", "gotcha")
        zf.writestr("README.md", "# slip\n")
        info = zipfile.ZipInfo("link")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    other = Repo(tmp_path / "remote-frank")
    other.commit("Add a README for the project", {"README.md": "# frank\n"})
    server = SilentServer()
    roster = tmp_path / "roster.csv"
    roster.write_text("student,repo_url\n"
                      f"frank,file://{other.path}\n"
                      f"grace,http://127.0.0.1:{server.port}/grace.git\n")
    out, jsonl = tmp_path / "grades.csv", tmp_path / "results.jsonl"
    try:
        code = main(["batch", str(subs), str(roster), "--out", str(out), "--jsonl", str(jsonl),
                     "--timeout", "8", "--jobs", "2", "--quiet"])
    finally:
        server.close()
    assert code == 1  # some could not be graded
    rows = {r["id"]: r for r in read_csv(out)}
    assert sorted(rows) == ["alice", "bob", "carol", "corrupt", "dave", "erin", "frank", "grace", "slip"]
    for rid in ("alice", "carol", "dave", "erin"):
        assert rows[rid]["status"] == "graded" and rows[rid]["percent"] == "100.0", rows[rid]
    assert rows["bob"]["status"] == "graded" and float(rows["bob"]["percent"]) < 50
    assert rows["frank"]["status"] == "graded"
    assert rows["grace"]["status"] == "timeout" and "8 s" in rows["grace"]["reason"]
    assert rows["corrupt"]["status"] == "error" and "corrupt" in rows["corrupt"]["reason"]
    assert rows["slip"]["status"] == "graded" and "3 unsafe archive entries skipped" in rows["slip"]["reason"]
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/loopcheck-absolute-escape.txt").exists()
    assert len(batch.load_jsonl(str(jsonl))) == 9
    assert [r["id"] for r in read_csv(out)] == sorted(rows)  # sorted, deterministic


def test_credentials_never_appear(tmp_path, capsys):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens: the clone fails at once
    roster = tmp_path / "roster.csv"
    roster.write_text(f"login,url\nmallory,https://mallory:s3cr3t-t0ken@127.0.0.1:{port}/repo.git\n")
    out, jsonl = tmp_path / "g.csv", tmp_path / "r.jsonl"
    code = main(["batch", str(roster), "--out", str(out), "--jsonl", str(jsonl), "--timeout", "20"])
    captured = capsys.readouterr()
    assert code == 1
    for text in (out.read_text(), jsonl.read_text(), captured.out, captured.err):
        assert "s3cr3t-t0ken" not in text and "mallory:s3" not in text
    assert "***@127.0.0.1" in jsonl.read_text()


def make_class(root: Path, n: int) -> Path:
    root.mkdir(parents=True)
    for i in range(n):
        repo = Repo(root / f"student{i:02d}")
        for j in range(i % 4 + 1):
            repo.commit(f"Add module {j} with its tests",
                        {f"app/m{j}.py": f"X = {j}\n", f"tests/test_m{j}.py": f"def test_m():\n    assert X == {j}\n"})
        if i % 3 == 0:
            repo.tag("v1.0.0", "first")
    return root


def run_batch_process(args, **kw):
    return subprocess.Popen([sys.executable, "-m", "grader", "batch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def test_kill_half_way_then_resume_gives_the_same_rows(tmp_path):
    klass = make_class(tmp_path / "class", 12)
    full_csv = tmp_path / "full.csv"
    proc = run_batch_process([str(klass), "--out", str(full_csv), "--jsonl", str(tmp_path / "full.jsonl"), "--jobs", "1", "-q"])
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    jsonl = tmp_path / "partial.jsonl"
    proc = run_batch_process([str(klass), "--out", str(tmp_path / "never.csv"), "--jsonl", str(jsonl), "--jobs", "1", "-q"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if jsonl.exists() and jsonl.read_text().count("\n") >= 4:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(batch.load_jsonl(str(jsonl)))
    assert 4 <= done_before < 12, "the batch was not interrupted half-way"
    assert not (tmp_path / "never.csv").exists()
    resumed_csv = tmp_path / "resumed.csv"
    proc = run_batch_process([str(klass), "--out", str(resumed_csv), "--jsonl", str(jsonl), "--resume", "--jobs", "2", "-q"])
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert resumed_csv.read_text() == full_csv.read_text()
    lines = [ln for ln in jsonl.read_text().splitlines() if ln.strip()]
    assert len(lines) <= 12 + 1  # the graded ones were not graded again


def test_shards_merge_to_the_single_run(tmp_path, capsys):
    klass = make_class(tmp_path / "class", 9)
    single = tmp_path / "single.csv"
    assert main(["batch", str(klass), "--out", str(single), "-q"]) == 0
    shard_files = []
    for k in (1, 2, 3):
        f = tmp_path / f"results-{k}.jsonl"
        assert main(["batch", str(klass), "--shard", f"{k}/3", "--jsonl", str(f), "-q"]) == 0
        shard_files.append(str(f))
    ids = [set(batch.load_jsonl(f)) for f in shard_files]
    assert not (ids[0] & ids[1]) and not (ids[1] & ids[2]) and len(ids[0] | ids[1] | ids[2]) == 9
    merged = tmp_path / "merged.csv"
    assert main(["merge", *shard_files, "--out", str(merged), "-q"]) == 0
    assert merged.read_text() == single.read_text()


def test_shards_are_stable_under_reordering():
    tasks = [batch.Task(f"s{i}", "dir", f"/x/s{i}") for i in range(50)]
    a = {t.id for t in batch.shard(tasks, "2/4")}
    b = {t.id for t in batch.shard(list(reversed(tasks)), "2/4")}
    assert a == b and 0 < len(a) < 50


def test_merge_refuses_conflicting_duplicates(tmp_path, capsys):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text('{"id": "x", "status": "graded", "fingerprint": "commit:1", "rubric": {"sha256": "r"}, "report": {"score": 5, "max_score": 10, "percent": 50.0, "threshold": 80, "passed": false, "phases": []}}\n')
    b.write_text('{"id": "x", "status": "graded", "fingerprint": "commit:2", "rubric": {"sha256": "r"}, "report": {"score": 9, "max_score": 10, "percent": 90.0, "threshold": 80, "passed": true, "phases": []}}\n')
    assert main(["merge", str(a), str(b), "--out", str(tmp_path / "m.csv")]) == 2
    assert "conflicting" in capsys.readouterr().err
    assert main(["merge", str(a), str(a), "--out", str(tmp_path / "m.csv"), "-q"]) == 0


@pytest.mark.parametrize("args,needle", [
    (["batch", "/no/such/folder", "--out", "x.csv"], "source not found"),
    (["batch", ".", "--deadline", "next friday", "--out", "x.csv"], "--deadline 'next friday': give a date"),
    (["merge", "a.jsonl"], "give --out grades.csv and/or --gradebook"),
    (["batch", ".", "--out", "x.csv", "--shard", "4/3"], "--shard"),
])
def test_batch_usage_errors(args, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert needle in capsys.readouterr().err


def test_roster_refuses_option_injection(tmp_path, capsys):
    roster = tmp_path / "r.csv"
    roster.write_text("student,url\neve,--upload-pack=touch /tmp/pwned\n")
    assert main(["batch", str(roster), "--out", str(tmp_path / "g.csv")]) == 2
    assert "not a repository" in capsys.readouterr().err


def test_ext_protocol_is_refused(tmp_path):
    marker = tmp_path / "PWNED"
    roster = tmp_path / "r.csv"
    roster.write_text(f"student,url\neve,ext::sh -c touch% {marker}\n")
    code = main(["batch", str(roster), "--out", str(tmp_path / "g.csv"), "-q"])
    assert code in (1, 2) and not marker.exists()


def test_archive_caps(tmp_path):
    from grader.archives import ArchiveError, extract

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"\0" * (5 * 1024 * 1024))
    with pytest.raises(ArchiveError, match="MB"):
        extract(str(bomb), tmp_path / "out1", max_bytes=1024 * 1024)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(50):
            zf.writestr(f"f{i}.txt", "x")
    with pytest.raises(ArchiveError, match="entries"):
        extract(str(many), tmp_path / "out2", max_entries=10)
    tarball = tmp_path / "t.tar"
    with tarfile.open(tarball, "w") as tf:
        for name in ("../up.txt", "ok.txt"):
            data = io.BytesIO(b"x")
            info = tarfile.TarInfo(name)
            info.size = 1
            tf.addfile(info, data)
        link = tarfile.TarInfo("dev")
        link.type = tarfile.CHRTYPE
        tf.addfile(link)
    (tmp_path / "out3").mkdir()
    skipped = extract(str(tarball), tmp_path / "out3")
    assert (tmp_path / "out3" / "ok.txt").exists() and not (tmp_path / "up.txt").exists()
    assert len(skipped) == 2


def test_memory_cap_gives_error_rows_not_tracebacks(tmp_path):
    klass = make_class(tmp_path / "class", 2)
    out = tmp_path / "g.csv"
    proc = run_batch_process([str(klass), "--out", str(out), "--memory-mb", "20", "--timeout", "20", "-q"])
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    rows = read_csv(out)
    assert len(rows) == 2 and all(r["status"] == "error" for r in rows)
    assert all("memory" in r["reason"] or "worker" in r["reason"] for r in rows), rows


def test_fingerprint_never_opens_fifos_or_follows_links(tmp_path):
    sub = tmp_path / "sub"
    (sub / ".git" / "refs" / "heads").mkdir(parents=True)
    os.mkfifo(sub / ".git" / "HEAD")
    with mock.patch.object(os, "open", wraps=os.open) as opened:
        assert git.head_commit(str(sub)) is None
    fifo = str(sub / ".git" / "HEAD")
    flags = [c.args[1] for c in opened.call_args_list if c.args[0] == fifo]
    # a blocking open of a FIFO with no writer would never return: opened only to be told what it is
    assert flags and all(f & os.O_NONBLOCK for f in flags)
    os.unlink(sub / ".git" / "HEAD")
    (sub / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    secret = tmp_path / "secret"
    secret.write_text("a" * 40 + "\n")
    os.symlink(secret, sub / ".git" / "refs" / "heads" / "main")
    assert git.head_commit(str(sub)) is None  # the symlinked ref is not followed


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    klass = make_class(tmp_path / "class", 30)
    jsonl = tmp_path / "r.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "grader", "batch", str(klass), "--jsonl", str(jsonl), "--jobs", "1", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (jsonl.exists() and jsonl.read_text().count("\n") >= 2):
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    assert all(line.startswith("{") for line in jsonl.read_text().splitlines())


def test_a_grader_package_in_the_current_folder_is_never_imported(tmp_path):
    # The worker processes start from Python's forkserver (`python -c ...`), which puts the
    # current folder first on sys.path: a folder named `grader` there (a student's, in the
    # downloads folder the instructor runs from) must not replace loopcheck's own package.
    here = tmp_path / "downloads"
    marker = tmp_path / "PWNED"
    (here / "grader").mkdir(parents=True)
    for name in ("__init__.py", "_preload.py"):
        (here / "grader" / name).write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    klass = make_class(here / "class", 2)
    out = tmp_path / "grades.csv"
    exe = shutil.which("loopcheck", path=os.path.dirname(sys.executable))  # as installed: not `python -m`
    assert exe, "loopcheck is not installed beside this Python"
    proc = subprocess.run([exe, "batch", "class", "--out", str(out), "-q"],
                          cwd=here, capture_output=True, text=True, timeout=120)
    assert not marker.exists(), proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2 and all(r["status"] == "graded" for r in rows)
    assert klass.exists()


def test_near_identical_written_work_is_reported_not_deducted(tmp_path, capsys):
    from grader.report.grades import render_summary

    klass = tmp_path / "class"
    text = (HANDGRADED / "excellent" / "exercises" / "module-01" / "exercise-04" / "task1-loop-mapping.md").read_text()
    other = (HANDGRADED / "docs-only" / "exercises" / "module-01" / "exercise-04" / "task1-loop-mapping.md").read_text()
    for who, body in (("ann", text), ("ben", text.replace("Two days", "Three days")), ("cid", other)):
        folder = klass / who / "exercises" / "module-01" / "exercise-04"
        folder.mkdir(parents=True)
        (folder / "task1-loop-mapping.md").write_text(body)
    out = tmp_path / "grades.csv"
    assert main(["batch", str(klass), "--out", str(out), "--jsonl", str(tmp_path / "r.jsonl")]) in (0, 1)
    summary = capsys.readouterr().out
    assert "Submissions that look alike" in summary and "ann and ben: about 98% the same written work" in summary
    assert "cid" not in summary.split("Submissions that look alike")[1]
    rows = {r["id"]: r for r in csv.DictReader(out.open())}
    assert rows["ann"]["score"] == rows["ben"]["score"]  # reported, not deducted
    results = batch.load_jsonl(str(tmp_path / "r.jsonl"))
    assert batch.similar_pairs(results)[0][:2] == ("ann", "ben")
    assert "look alike" not in render_summary(results)  # the renderer shows only what it is given


@pytest.mark.parametrize("content, needle", [
    ("id,status\nalice,graded\n", ":1: not a loopcheck results line"),
    ('{"id": "a", "status": "graded", "source": "a", "rubric": {}}\nnot json\n', ":2: not a loopcheck results line"),
    ("", "no results in it"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
])
def test_merge_refuses_what_is_not_a_results_file(tmp_path, capsys, content, needle):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main(["merge", str(bad), "--out", str(tmp_path / "g.csv")]) == 2
    assert needle in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


def test_sigterm_stops_the_batch_and_removes_temporary_folders(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    for i in range(12):
        shutil.copy(SAMPLES / "complete.bundle", klass / f"s{i:02}.bundle")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    jsonl = tmp_path / "r.jsonl"
    proc = run_batch_process([str(klass), "--jsonl", str(jsonl), "--jobs", "1", "-q"],
                             env={**os.environ, "TMPDIR": str(tmp)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (jsonl.exists() and jsonl.read_text().count("\n") >= 2):
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    time.sleep(0.2)
    assert [p.name for p in tmp.iterdir() if p.name.startswith(("loopcheck-", "sub-"))] == []


def _zip_of(folder: Path, dest: Path, *, mac_junk: bool = False) -> None:
    with zipfile.ZipFile(dest, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and ".git" not in p.parts:
                zf.write(p, p.relative_to(folder).as_posix())
        if mac_junk:
            zf.writestr("__MACOSX/._task1-loop-mapping.md", b"\x00\x05\x16\x07junk")


def test_lms_downloads_are_graded_per_student(tmp_path, capsys):
    work = HANDGRADED / "docs-only"
    down = tmp_path / "download"
    down.mkdir()
    moodle = down / "Ada Lovelace_123456_assignsubmission_file_"
    moodle.mkdir()
    _zip_of(work, moodle / "ex41.zip", mac_junk=True)
    bundle_dir = down / "Grace Hopper_654321_assignsubmission_file_"
    bundle_dir.mkdir()
    shutil.copy(SAMPLES / "complete.bundle", bundle_dir / "repo.bundle")
    _zip_of(work, down / "lovelaceada_LATE_1234_5678_exercise.zip")  # Canvas
    _zip_of(work, down / "Ex41_hopperg_attempt_2026-11-30-10-00-00_ex41.zip")  # Blackboard
    (down / "Ex41_hopperg_attempt_2026-11-30-10-00-00.txt").write_text("receipt")
    (down / "__MACOSX").mkdir()
    (down / "__MACOSX" / "._x").write_bytes(b"\x00")
    (down / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    out = tmp_path / "grades.csv"
    assert main(["batch", str(down), "--out", str(out), "-q"]) == 0
    rows = {r["id"]: r for r in csv.DictReader(out.open())}
    assert sorted(rows) == ["Ada Lovelace", "Grace Hopper", "hopperg", "lovelaceada"]
    assert all(r["status"] == "graded" and float(r["percent"]) >= 80 for r in rows.values()), rows


def test_an_empty_source_is_an_error_naming_what_was_looked_at(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".DS_Store").write_bytes(b"x")
    assert main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "g.csv")]) == 2
    err = capsys.readouterr().err
    assert "no submissions found in" in err and ".bundle" in err


def test_gradescope_submission_with_a_bundle_inside_is_unpacked(tmp_path, capsys):
    submission = tmp_path / "autograder" / "submission"
    submission.mkdir(parents=True)
    shutil.copy(SAMPLES / "complete.bundle", submission / "my-work.bundle")
    assert main([str(submission), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] and data["submission"]["is_git"]
    assert any("the one archive in" in n for n in data["notes"])


def test_a_temporary_folder_too_long_for_a_socket_still_grades_the_batch(tmp_path):
    """The forkserver listens on a Unix socket under TMPDIR (at most 107 bytes of path): under a
    longer TMPDIR the workers are spawned instead, and every submission is graded (it was an
    internal error, exit 3)."""
    klass = make_class(tmp_path / "class", 2)
    tmp = tmp_path / ("t" * 90)
    tmp.mkdir()
    jsonl = tmp_path / "r.jsonl"
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", str(klass), "--jsonl", str(jsonl), "--jobs", "1",
                           "-q"], capture_output=True, text=True, env={**os.environ, "TMPDIR": str(tmp)})
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert len(rows) == 2 and all(r["status"] == "graded" for r in rows), rows
    assert [p.name for p in tmp.iterdir() if p.name.startswith(("loopcheck-", "sub-"))] == []
