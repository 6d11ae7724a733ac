"""Beyond the anchors, cheap (issue 27, item 12): Gradescope's Markdown output and per-test
visibility (the notes for the instructor in a hidden test); the Action's opt-in pull-request
comment, posted once and updated after; a badge as a shields.io endpoint JSON."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from test_integrations import run_grade_step

from conftest import SAMPLES
from grader import rubric
from grader.report import render
from grader.scoring import grade


@pytest.fixture(scope="module")
def half():
    from grader.sources import opened

    with opened(str(SAMPLES / "half-done.bundle")) as source:
        return grade(source.folder, rubric.load("exercise-4.1"), git_root=source.git_root, tree=source.tree)


def test_gradescope_writes_markdown_and_hides_the_notes_for_the_instructor(half):
    data = json.loads(render("gradescope", half))
    assert data["output_format"] == "md"
    assert all(t["visibility"] in ("visible", "hidden", "after_due_date", "after_published") for t in data["tests"])
    hidden = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 1 and hidden[0]["name"] == "For the instructor"
    assert "the written work says this is done with ci" in hidden[0]["output"]
    assert hidden[0]["max_score"] == 0 and hidden[0]["score"] == 0
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    failing = next(t for t in visible if t["number"] == "release.mapping")
    assert "**Fix:**" in failing["output"] and "`exercises/module-01/exercise-04/task1-loop-mapping.md:85`" in failing["output"]
    assert all("For the instructor" not in t["output"] for t in visible)


def test_the_badge_is_a_shields_endpoint(half, tmp_path):
    badge = json.loads(render("badge", half))
    assert badge == {"schemaVersion": 1, "label": "loopcheck", "message": "35.5%", "color": "red"}
    from grader.cli import main

    assert main([str(SAMPLES / "complete.bundle"), "-f", "badge", "-o", str(tmp_path / "badge.json")]) == 0
    assert json.loads((tmp_path / "badge.json").read_text())["color"] == "brightgreen"


class FakeGitHub(BaseHTTPRequestHandler):
    comments: list[dict] = []
    calls: list[tuple[str, str, dict | None]] = []

    def _reply(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def do_GET(self):  # noqa: N802
        FakeGitHub.calls.append(("GET", self.path, None))
        assert self.headers["Authorization"] == "Bearer t0ken"
        self._reply(200, FakeGitHub.comments if "page=1" in self.path or "page" not in self.path else [])

    def do_POST(self):  # noqa: N802
        body = self._body()
        FakeGitHub.calls.append(("POST", self.path, body))
        comment = {"id": 42 + len(FakeGitHub.comments), "body": body["body"], "user": {"login": "github-actions[bot]"}}
        FakeGitHub.comments.append(comment)
        self._reply(201, comment)

    def do_PATCH(self):  # noqa: N802
        body = self._body()
        FakeGitHub.calls.append(("PATCH", self.path, body))
        for comment in FakeGitHub.comments:
            if self.path.endswith(f"/comments/{comment['id']}"):
                comment["body"] = body["body"]
        self._reply(200, {})

    def log_message(self, *args):
        pass


@pytest.fixture
def github(tmp_path):
    FakeGitHub.comments, FakeGitHub.calls = [{"id": 7, "body": "LGTM", "user": {"login": "ada"}}], []
    server = HTTPServer(("127.0.0.1", 0), FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}))
    yield {"GITHUB_API_URL": f"http://127.0.0.1:{server.server_port}", "GITHUB_REPOSITORY": "ada/reminders",
           "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}
    server.shutdown()


def test_the_action_posts_one_comment_and_updates_it(tmp_path, github, monkeypatch):
    for key, value in github.items():
        monkeypatch.setenv(key, value)
    proc, outputs, _ = run_grade_step(tmp_path, path=str(SAMPLES / "half-done.bundle"), comment="true",
                                      **{"github-token": "t0ken"})
    assert proc.returncode == 1 and outputs["passed"] == "false"  # below the mark: the step fails, after commenting
    posts = [c for c in FakeGitHub.calls if c[0] == "POST"]
    assert len(posts) == 1 and posts[0][1] == "/repos/ada/reminders/issues/12/comments"
    assert "## loopcheck: 35.5/100" in posts[0][2]["body"]
    proc, _, _ = run_grade_step(tmp_path, path=str(SAMPLES / "complete.bundle"), comment="true",
                                **{"github-token": "t0ken"})
    assert proc.returncode == 0
    assert len([c for c in FakeGitHub.calls if c[0] == "POST"]) == 1  # not a second comment
    patches = [c for c in FakeGitHub.calls if c[0] == "PATCH"]
    assert len(patches) == 1 and patches[0][1] == "/repos/ada/reminders/issues/comments/43"
    assert "## loopcheck: 100/100" in FakeGitHub.comments[1]["body"] and FakeGitHub.comments[0]["body"] == "LGTM"


def test_no_comment_unless_asked_or_outside_a_pull_request(tmp_path, github, monkeypatch):
    for key, value in github.items():
        monkeypatch.setenv(key, value)
    run_grade_step(tmp_path, path=str(SAMPLES / "complete.bundle"), **{"github-token": "t0ken"})
    assert FakeGitHub.calls == []  # the input is off by default
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    proc, _, _ = run_grade_step(tmp_path, path=str(SAMPLES / "complete.bundle"), comment="true",
                                **{"github-token": "t0ken"})
    assert proc.returncode == 0 and FakeGitHub.calls == [] and "not a pull request" in proc.stdout
