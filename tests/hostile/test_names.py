"""Any bytes in a name: a file or folder name that is not UTF-8 never costs anyone a grade
(promise: "no traceback reaches a user", "one broken submission never stops the batch")."""

from __future__ import annotations

import csv
import json
import os
import xml.etree.ElementTree as ET

from grader.cli import main

LATIN1 = b"caf\xe9"


def _make(folder: bytes, files: dict[bytes, bytes]) -> None:
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(data)


def test_a_latin1_folder_name_in_a_class_costs_no_one_their_grade(tmp_path, capsys):
    klass = os.fsencode(tmp_path / "class")
    _make(os.path.join(klass, LATIN1), {b"README.md": b"# x\n"})
    _make(os.path.join(klass, b"bob"), {b"README.md": b"# y\n"})
    out, jsonl = tmp_path / "g.csv", tmp_path / "r.jsonl"
    assert main(["batch", str(tmp_path / "class"), "--out", str(out), "--jsonl", str(jsonl)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))  # valid UTF-8 throughout
    assert sorted(r["id"] for r in rows) == ["bob", "caf\\xe9"] and all(r["status"] == "graded" for r in rows)
    assert all(json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines())
    assert "Graded 2 submission(s); 0 could not be graded." in capsys.readouterr().out


def test_a_latin1_file_name_in_single_mode_writes_every_format(tmp_path, capsys, monkeypatch):
    repo = os.fsencode(tmp_path / "repo")
    _make(os.path.join(repo, b"k8s"), {LATIN1 + b".yaml": b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n"
                                       b"spec:\n  template:\n    spec:\n      containers:\n        - {name: a, image: a}\n"})
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    outs = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "junit", "sarif", "markdown", "csv")}
    args = [str(tmp_path / "repo"), "-r", "devops-loop", "-f", "github"]
    for fmt, path in outs.items():
        args += ["-f", fmt, "-o", str(path)]
    assert main(args) == 1
    assert capsys.readouterr().out.rstrip().splitlines()[-1].startswith("::notice title=loopcheck total::")
    json.loads(outs["json"].read_text(encoding="utf-8"))
    json.loads(outs["sarif"].read_text(encoding="utf-8"))
    ET.fromstring(outs["junit"].read_text(encoding="utf-8"))
    (tmp_path / "summary.md").read_text(encoding="utf-8")
