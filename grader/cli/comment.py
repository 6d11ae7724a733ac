"""``python -m grader.cli.comment SUMMARY.md``: the Action's opt-in pull-request comment — the
Markdown summary posted as one comment on the pull request, and that same comment updated on
every later run (found by a hidden marker), through GitHub's REST API with the token given
(``LC_TOKEN``). Outside a pull request it says so and does nothing; a failure to comment is a
workflow warning, never a failed grade."""

from __future__ import annotations

import json
import os
import sys
import urllib.request

MARKER = "<!-- loopcheck:pull-request-summary -->"
MAX_BODY = 65_000  # GitHub refuses a comment body over 65,536 characters
MAX_PAGES = 20


def _call(method: str, url: str, token: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json", "User-Agent": "loopcheck"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the API URL GitHub gives
        return json.loads(response.read() or b"null")


def _pull_request_number(event_path: str) -> int | None:
    try:
        with open(event_path, encoding="utf-8") as fh:
            event = json.load(fh)
    except (OSError, ValueError):
        return None
    number = (event.get("pull_request") or {}).get("number") or event.get("number")
    return number if isinstance(number, int) else None


def post_or_update(api: str, repository: str, number: int, token: str, text: str) -> str:
    """Post the summary as the pull request's loopcheck comment, or update the one there;
    ``created`` or ``updated``."""
    body = f"{MARKER}\n{text[:MAX_BODY]}"
    base = f"{api.rstrip('/')}/repos/{repository}/issues"
    for page in range(1, MAX_PAGES + 1):
        comments = _call("GET", f"{base}/{number}/comments?per_page=100&page={page}", token) or []
        ours = next((c for c in comments if MARKER in (c.get("body") or "")), None)
        if ours is not None:
            _call("PATCH", f"{base}/comments/{ours['id']}", token, {"body": body})
            return "updated"
        if len(comments) < 100:
            break
    _call("POST", f"{base}/{number}/comments", token, {"body": body})
    return "created"


def main(argv: list[str]) -> int:
    if not os.environ.get("GITHUB_EVENT_NAME", "").startswith("pull_request"):
        print("loopcheck: not a pull request: no comment posted")
        return 0
    number = _pull_request_number(os.environ.get("GITHUB_EVENT_PATH", ""))
    repository, token = os.environ.get("GITHUB_REPOSITORY", ""), os.environ.get("LC_TOKEN", "")
    if number is None or not repository or not token:
        print("::warning title=loopcheck::no pull-request comment: the event, the repository or the token is missing")
        return 0
    try:
        with open(argv[0], encoding="utf-8") as fh:
            text = fh.read()
        done = post_or_update(os.environ.get("GITHUB_API_URL", "https://api.github.com"), repository, number,
                              token, text)
    except (OSError, ValueError) as exc:  # an HTTP error is an OSError (urllib.error.URLError)
        print(f"::warning title=loopcheck::the pull-request comment could not be posted ({exc})")
        return 0
    print(f"loopcheck: pull-request comment {done}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
