"""The class view of a batch: the grades CSV (one row per submission) and the summary (pass
rate, phase means and medians, the checks most often missed). Pure: results in, text out."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter

from grader.model import PHASES
from grader.report.csv_report import safe_cell
from grader.report.text import clean

CSV_HEADER = ["id", "status", *PHASES, "bonus", "score", "max_score", "percent", "passed", "reason"]


def task_ids(results: dict) -> list[str]:
    """The (non-bonus) task ids of the graded reports, in order of first appearance."""
    out: list[str] = []
    for res in results.values():
        for task in (res.report or {}).get("tasks", []):
            if not task.get("bonus") and task["id"] not in out:
                out.append(task["id"])
    return out


def csv_rows(results: dict) -> list[list]:
    """One row per result (a :class:`grader.batch.Result`), sorted by id; the task scores last."""
    tasks = task_ids(results)
    rows = []
    for rid in sorted(results):
        res = results[rid]
        report = res.report or {}
        phases = {p["id"]: p["score"] for p in report.get("phases", [])}
        graded = res.status == "graded"
        rows.append([rid, res.status or "error", *(phases.get(p, "") for p in PHASES),
                     (report.get("bonus") or {}).get("applied", 0.0) if graded else "",
                     report.get("score", "") if graded else "", report.get("max_score", "") if graded else "",
                     report.get("percent", "") if graded else "",
                     ("true" if report.get("passed") else "false") if graded else "",
                     res.reason,
                     *(next((t["score"] for t in report.get("tasks", []) if t["id"] == tid), "") if graded else ""
                       for tid in tasks)])
    return rows


def render_csv(results: dict) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER + task_ids(results))
    for row in csv_rows(results):
        writer.writerow([safe_cell(c) for c in row])
    return buf.getvalue()


def summary(results: dict, similar: list | tuple = ()) -> dict:
    graded = [r for r in results.values() if r.graded]
    failed = [r for r in results.values() if r.status != "graded"]
    phase_pct: dict[str, list[float]] = {p: [] for p in PHASES}
    failing: Counter = Counter()
    for res in graded:
        for phase in res.report["phases"]:
            if phase["max_score"]:
                phase_pct[phase["id"]].append(100.0 * phase["score"] / phase["max_score"])
            for check in phase["checks"]:
                if check["status"] in ("fail", "partial") and not check.get("bonus") and check["max_score"] > 0:
                    failing[(check["id"], check["title"])] += 1
    return {
        "graded": len(graded),
        "failed_to_grade": len(failed),
        "passed": sum(1 for r in graded if r.report["passed"]),
        "phases": {p: (statistics.fmean(v) if v else 0.0, statistics.median(v) if v else 0.0)
                   for p, v in phase_pct.items()},
        "most_failed": failing.most_common(5),
        "similar": list(similar),
        "failures": sorted((r.id, r.status, r.reason) for r in failed),
    }


def together(members, shown: int = 5) -> str:
    """``ann and ben``, ``ann, ben and cid``, ``a, b, c, d, e and 1995 more (2000 students)``."""
    members = list(members)
    if len(members) <= shown:
        return " and ".join([", ".join(members[:-1]), members[-1]]) if len(members) > 1 else "".join(members)
    return f"{', '.join(members[:shown])} and {len(members) - shown} more ({len(members)} students)"


def render_summary(results: dict, similar: list | tuple = ()) -> str:
    """The class summary; ``similar`` lists the groups (ids, score, why) that look alike."""
    s = summary(results, similar)
    total = s["graded"]
    rate = f"{100.0 * s['passed'] / total:.0f}%" if total else "n/a"
    lines = [f"Graded {s['graded']} submission(s); {s['failed_to_grade']} could not be graded.",
             f"Pass rate: {rate} ({s['passed']} of {total})", "",
             f"{'phase':<9} {'mean':>6} {'median':>7}"]
    for phase, (mean, median) in s["phases"].items():
        lines.append(f"{phase:<9} {mean:5.0f}% {median:6.0f}%")
    if s["most_failed"]:
        lines += ["", "Checks most often not passed (a teaching signal):"]
        lines += [f"  {n:>4} × {cid} — {title}" for (cid, title), n in s["most_failed"]]
    if s["similar"]:
        lines += ["", "Submissions that look alike (for you to look at; nothing was deducted):"]
        lines += [f"  {together(members)}: " + (why if score >= 1.0 and "written" not in why
                                                else f"about {100 * score:.0f}% the same written work")
                  for members, score, why in s["similar"][:20]]
    if s["failures"]:
        lines += ["", "Could not be graded:"]
        lines += [f"  {rid}: {status}: {reason}" for rid, status, reason in s["failures"][:20]]
    return "\n".join(clean(line) for line in lines) + "\n"
