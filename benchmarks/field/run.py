#!/usr/bin/env python3
"""How well loopcheck's phase scores agree with hand labels on real repositories.

    python benchmarks/field/run.py                      # clone (or reuse) and measure all
    python benchmarks/field/run.py --mirrors /work/.mirror --only podinfo
    python benchmarks/field/run.py --details            # every phase of every repository

Each repository of ``manifest.yml`` is cloned at its commit into ``--work`` (outside the
project: ``~/.cache/loopcheck-field`` by default), from a local mirror when ``--mirrors`` has
one (``<mirrors>/<owner>+<name>/repo``), else from GitHub. loopcheck grades it with the
manifest's rubric, and the agreement with the labels is the *pairwise concordance*: over
every phase and every pair of repositories whose labels differ (none < partial < strong),
the share of pairs that loopcheck's phase percents order the same way (a tie counts half).
The same figure for a plain keyword grep of the files is printed beside it, as the bar to
beat.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PHASES = ("plan", "code", "build", "test", "release", "deploy", "operate", "monitor")
RANK = {"none": 0, "partial": 1, "strong": 2}
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
       "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}

# The baseline: words whose presence in a repository's paths or text a grep would take as a
# sign of each phase (our own list).
KEYWORDS = {
    "plan": ["issue_template", "pull_request_template", "codeowners", "contributing", "roadmap", "milestone"],
    "code": ["lint", "eslint", "ruff", "flake8", "prettier", "pre-commit", "codeql", "sonar", "checkstyle"],
    "build": ["docker build", "dockerfile", "npm run build", "mvn package", "cargo build", "go build", "make build"],
    "test": ["pytest", "jest", "mocha", "go test", "cargo test", "mvn test", "npm test", "unittest", "assert"],
    "release": ["release", "changelog", "semantic-release", "goreleaser", "tags:", "version"],
    "deploy": ["deploy", "kubectl", "helm", "terraform apply", "ansible", "kustomize", "argocd"],
    "operate": ["runbook", "rollback", "livenessprobe", "readinessprobe", "backup", "incident", "on-call"],
    "monitor": ["prometheus", "grafana", "alert", "metrics", "opentelemetry", "servicemonitor", "dashboard"],
}


def checkout(entry: dict, mirrors: Path | None, work: Path) -> Path:
    owner, name = entry["repo"].split("/")
    dest = work / f"{owner}+{name}"
    if dest.exists():
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=dest, env=ENV, capture_output=True, text=True)
        if head.stdout.strip() == entry["commit"]:
            return dest
        subprocess.run(["rm", "-rf", str(dest)], check=True)
    mirror = mirrors / f"{owner}+{name}" / "repo" if mirrors else None
    source = str(mirror) if mirror and mirror.exists() else f"https://github.com/{entry['repo']}.git"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", source, str(dest)], check=True, env=ENV)
    subprocess.run(["git", "checkout", "--quiet", "--detach", entry["commit"]], cwd=dest, check=True, env=ENV)
    return dest


def loopcheck_phases(path: Path, rubric: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-m", "grader", str(path), "--rubric", rubric, "--format", "json",
                           "--no-fail", "--timeout", "120"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"loopcheck failed on {path}: {proc.stderr[-500:]}")
    report = json.loads(proc.stdout)
    return {p["id"]: (100.0 * p["score"] / p["max_score"] if p["max_score"] else 0.0) for p in report["phases"]}


def grep_phases(path: Path) -> dict[str, float]:
    """How many of each phase's keywords the repository's paths and small text files hold."""
    found: dict[str, set[str]] = {p: set() for p in PHASES}
    listing = subprocess.run(["git", "ls-files"], cwd=path, env=ENV, capture_output=True, text=True).stdout
    files = listing.splitlines()[:4000]
    texts = [listing.lower()]
    for rel in files:
        full = path / rel
        try:
            if full.is_file() and not full.is_symlink() and full.stat().st_size < 200_000:
                texts.append(full.read_text(encoding="utf-8", errors="ignore").lower())
        except OSError:
            continue
    blob = "\n".join(texts)
    for phase, words in KEYWORDS.items():
        for word in words:
            if word in blob:
                found[phase].add(word)
    return {p: 100.0 * len(found[p]) / len(KEYWORDS[p]) for p in PHASES}


def concordance(rows: list[tuple[dict, dict]]) -> tuple[float, dict[str, float]]:
    """(pooled, per phase) pairwise concordance of scores with labels."""
    per: dict[str, list[float]] = {p: [] for p in PHASES}
    for phase in PHASES:
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                li, lj = RANK[rows[i][0][phase]], RANK[rows[j][0][phase]]
                if li == lj:
                    continue
                si, sj = rows[i][1][phase], rows[j][1][phase]
                if abs(si - sj) < 1e-9:
                    per[phase].append(0.5)
                else:
                    per[phase].append(1.0 if (si > sj) == (li > lj) else 0.0)
    pooled = [x for v in per.values() for x in v]
    return (sum(pooled) / len(pooled) if pooled else 0.0,
            {p: (sum(v) / len(v) if v else float("nan")) for p, v in per.items()})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=HERE / "manifest.yml")
    parser.add_argument("--mirrors", type=Path, default=os.environ.get("LOOPCHECK_FIELD_MIRRORS"))
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "loopcheck-field")
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--details", action="store_true", help="print every phase of every repository")
    parser.add_argument("--json", type=Path, help="write the scores to this file")
    parser.add_argument("--rubric", help="grade with this rubric instead of the manifest's (e.g. exercise-4.1, "
                        "the default: its phase scores are the loop mapping's, credited from the repository)")
    args = parser.parse_args(argv)
    manifest = yaml.safe_load(args.manifest.read_text())
    if args.rubric:
        manifest["rubric"] = args.rubric
    args.work.mkdir(parents=True, exist_ok=True)
    ours, grep, out = [], [], []
    for entry in manifest["repos"]:
        if args.only and not any(o in entry["repo"] for o in args.only):
            continue
        path = checkout(entry, args.mirrors, args.work)
        scores, baseline = loopcheck_phases(path, manifest.get("rubric", "devops-loop")), grep_phases(path)
        ours.append((entry["labels"], scores))
        grep.append((entry["labels"], baseline))
        out.append({"repo": entry["repo"], "labels": entry["labels"], "loopcheck": scores, "grep": baseline})
        if args.details:
            cells = "  ".join(f"{p[:4]} {entry['labels'][p][:1]}/{scores[p]:3.0f}" for p in PHASES)
            print(f"{entry['repo'][:38]:<38} {cells}")
    total, per = concordance(ours)
    g_total, g_per = concordance(grep)
    print(f"\n{len(ours)} repositories, rubric {manifest.get('rubric')}")
    print(f"{'phase':<8} {'loopcheck':>9} {'grep':>6}")
    for p in PHASES:
        print(f"{p:<8} {per[p]:9.2f} {g_per[p]:6.2f}")
    print(f"{'all':<8} {total:9.2f} {g_total:6.2f}   (pairwise concordance with the hand labels)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
