"""Rubrics: YAML files, validated by JSON Schema, with ``extends`` resolved.

Load with :func:`load` (a bundled name or a file path). Bundled rubrics are trusted (the
test suite validates them), so they skip schema validation at run time; any other file is
validated in full, and every problem is reported as ``file:line: key.path: message``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

from grader import detectors, yamlload
from grader.errors import LoopcheckError, RubricError
from grader.model import PHASE_TITLES, PHASES

DEFAULT_RUBRIC = "exercise-4.1"
MAX_RUBRIC_BYTES = 1_000_000
MAX_EXTENDS_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Evidence:
    """Another check whose credit counts for this one (for ``parts`` only, when given); when the
    learner's text ``claims`` it and the repository fails it, the instructor is told."""

    check: str
    parts: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    phase: str | None  # None: the check belongs to a task only
    title: str
    kind: str
    points: float
    hint: str
    params: dict = field(default_factory=dict)
    docs: str | None = None
    why: str | None = None
    bonus: bool = False  # extra credit: added to the total only, never to the phase
    task: str | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskDef:
    id: str
    title: str
    points: float
    bonus: bool = False


@dataclass(frozen=True, slots=True)
class Rubric:
    id: str
    title: str
    version: str
    pass_mark: float
    phases: dict  # phase id -> tuple[Check, ...], in loop order
    phase_titles: dict
    source: str
    description: str = ""
    extends: str | None = None
    tasks: tuple[TaskDef, ...] = ()
    task_checks: dict = field(default_factory=dict)  # task id -> tuple[Check, ...] in no phase
    # check id -> its points in the rubric this one extends (an exercise keeps the repository
    # checks at 0 points; their weight within a phase is still the base rubric's)
    base_points: dict = field(default_factory=dict)

    @property
    def checks(self) -> list[Check]:
        return [c for p in PHASES for c in self.phases[p]] + [c for t in self.tasks for c in self.task_checks.get(t.id, ())]

    def task_of(self, task_id: str) -> list[Check]:
        """Every check of a task: those in phases, then those in the task only."""
        return [c for c in self.checks if c.task == task_id]

    @property
    def total_points(self) -> float:
        """The points of the core checks (bonus checks are extra)."""
        return round(sum(c.points for c in self.checks if not c.bonus), 4)

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def to_dict(self) -> dict:
        def check(c: Check) -> dict:
            out = {"id": c.id, "title": c.title, "kind": c.kind, "points": c.points, "hint": c.hint,
                   "params": c.params, "docs": c.docs, "bonus": c.bonus}
            if c.task:
                out["task"] = c.task
            if c.evidence:
                out["evidence"] = [{"check": e.check, "parts": list(e.parts), "claims": list(e.claims)} for e in c.evidence]
            return out

        out = {
            "id": self.id, "title": self.title, "version": self.version, "pass_mark": self.pass_mark,
            "phases": {p: {"title": self.phase_titles[p], "checks": [check(c) for c in self.phases[p]]} for p in PHASES},
        }
        if self.tasks:
            out["tasks"] = [{"id": t.id, "title": t.title, "points": t.points, "bonus": t.bonus,
                             "checks": [check(c) for c in self.task_checks.get(t.id, ())]} for t in self.tasks]
        return out

    @property
    def sha256(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def bundled_dir() -> str:
    here = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    installed = os.path.join(here, "bundled_rubrics")
    return installed if os.path.isdir(installed) else os.path.join(os.path.dirname(here), "rubrics")


def bundled_names() -> list[str]:
    d = bundled_dir()
    if not os.path.isdir(d):
        return []
    return sorted(name[: -len(".yaml")] for name in os.listdir(d) if name.endswith(".yaml"))


def _is_file_ref(ref: str) -> bool:
    return ref.endswith((".yml", ".yaml")) or os.sep in ref or "/" in ref


def load(ref: str | None = None, *, validate: bool | None = None) -> Rubric:
    """A rubric by bundled name (``exercise-4.1``) or by file path."""
    ref = ref or DEFAULT_RUBRIC
    if _is_file_ref(ref) or os.path.isfile(ref):
        return _load_file(ref, validate=True if validate is None else validate, chain=())
    path = os.path.join(bundled_dir(), f"{ref}.yaml")
    if not os.path.isfile(path):
        names = ", ".join(bundled_names())
        raise LoopcheckError(f"no bundled rubric named {ref!r} (bundled: {names}); give a file path for your own")
    return _load_file(path, validate=bool(validate), chain=())


def _read(path: str):
    try:
        if os.stat(path).st_size > MAX_RUBRIC_BYTES:
            raise RubricError([f"{path}: larger than {MAX_RUBRIC_BYTES // 1000} kB"])
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise LoopcheckError(f"rubric file not found: {path}") from None
    except IsADirectoryError:
        raise LoopcheckError(f"rubric path is a folder, not a file: {path}") from None
    except UnicodeDecodeError:
        raise RubricError([f"{path}: not UTF-8 text"]) from None
    except OSError as exc:
        raise LoopcheckError(f"rubric can't be read: {path}: {exc.strerror}") from None
    try:
        docs = yamlload.load_all(text)
    except yamlload.YamlError as exc:
        raise RubricError([f"{path}:{exc.line or 1}: invalid YAML: {exc.message}"]) from None
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise RubricError([f"{path}:1: a rubric is one YAML mapping (id, title, version, phases...)"])
    return docs[0]


def _line_at(doc, path_parts) -> int:
    node, line = doc, getattr(doc, "line", 1)
    for part in path_parts:
        try:
            if isinstance(node, dict):
                line = node.line_of(part) if hasattr(node, "line_of") else line
                node = node[part]
            elif isinstance(node, list):
                line = node.line_of(part) if hasattr(node, "line_of") else line
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return line or 1


def _key_path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _validate_schema(raw, path: str) -> list[str]:
    import jsonschema

    from grader.rubric.schema import RUBRIC_SCHEMA

    validator = jsonschema.Draft202012Validator(RUBRIC_SCHEMA, format_checker=jsonschema.FormatChecker())
    problems = []
    for err in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path))):
        parts = list(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = err.schema.get("properties", {})
            extras = [k for k in err.instance if k not in allowed]
            if extras:  # point at the unexpected key itself
                key = extras[0]
                problems.append(f"{path}:{_line_at(raw, parts + [key])}: {_key_path(parts + [key])}: "
                                f"unknown key {key!r} (allowed: {', '.join(allowed)})")
                continue
        problems.append(f"{path}:{_line_at(raw, parts)}: {_key_path(parts)}: {_short(err)}")
    return problems


def _short(err) -> str:
    msg = err.message
    if err.validator == "additionalProperties":
        return msg.replace("Additional properties are not allowed", "unknown key(s)")
    if len(msg) > 200:
        msg = msg[:200] + "..."
    return msg


def check_regex(pattern: str) -> str | None:
    """None when ``pattern`` is a usable rubric pattern, else why not. Rubric patterns run on
    RE2 (:mod:`grader.patterns`), linear in the text whatever their shape, so any pattern RE2
    compiles is safe; what RE2 lacks (backreferences, lookaround) is refused with its reason."""
    from grader import patterns

    return patterns.check(pattern)


def _load_file(path: str, *, validate: bool, chain: tuple) -> Rubric:
    real = os.path.realpath(path)
    if real in chain:
        raise RubricError([f"{path}:1: extends: the rubric extends itself (through {' -> '.join(chain)})"])
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise RubricError([f"{path}:1: extends: more than {MAX_EXTENDS_DEPTH} levels"])
    raw = _read(path)
    problems = _validate_schema(raw, path) if validate else []
    if problems:
        # Report what resolving finds too (unknown kinds, bad params...), as far as it can go.
        try:
            _resolve(raw, path, validate=validate, chain=chain + (real,))
        except RubricError as exc:
            problems += [p for p in exc.problems if p not in problems]
        except Exception:  # noqa: BLE001 - the schema problems already say why it can't be read
            pass
        raise RubricError(problems)
    return _resolve(raw, path, validate=validate, chain=chain + (real,))


def _resolve(raw: dict, path: str, *, validate: bool, chain: tuple) -> Rubric:
    """A rubric file's data (already schema-checked) as a :class:`Rubric`: its base rubric's
    checks, less those it drops, with its overrides, its own phases' and tasks' checks; every
    problem found is raised together, each at its file:line."""
    ext = raw.get("extends")
    base = _base_rubric(raw, path, ext, validate=validate, chain=chain) if ext else None
    draft = _Draft.starting_from(base, path)
    draft.drop(raw)
    draft.override(raw, ext)
    draft.add_phase_checks(raw)
    draft.add_task_checks(raw)
    if not base:
        missing = [p for p in PHASES if p not in (raw.get("phases") or {})]
        if missing:
            draft.problems.append(f"{path}:{_line_at(raw, ['phases'])}: phases: missing {', '.join(missing)}")
    checks, task_checks = draft.built(validate)
    draft.check_task_totals(checks, task_checks)
    if draft.problems:
        raise RubricError(draft.problems)
    pass_mark = raw.get("pass_mark", base.pass_mark if base else 80)
    return Rubric(
        id=str(raw["id"]), title=str(raw["title"]), version=str(raw["version"]),
        pass_mark=float(pass_mark), phases=checks, phase_titles=draft.titles, source=str(path),
        description=str(raw.get("description") or ""), extends=ext,
        tasks=tuple(TaskDef(t["id"], str(t["title"]), float(t["points"]), bool(t["bonus"])) for t in draft.tasks),
        task_checks=task_checks,
        base_points={**base.base_points, **{c.id: c.points for c in base.checks}} if base else {},
    )


def _base_rubric(raw: dict, path: str, ext: str, *, validate: bool, chain: tuple) -> Rubric:
    """The rubric ``extends`` names: a file beside this one, or a bundled rubric."""
    try:
        if _is_file_ref(ext):
            target = os.path.join(os.path.dirname(path), ext)
            return _load_file(target, validate=True, chain=chain)
        target = os.path.join(bundled_dir(), f"{ext}.yaml")
        if not os.path.isfile(target):
            raise LoopcheckError("missing")
        return _load_file(target, validate=validate, chain=chain)
    except RubricError:
        raise
    except LoopcheckError:
        raise RubricError([f"{path}:{_line_at(raw, ['extends'])}: extends: unknown rubric {ext!r} "
                           f"(bundled: {', '.join(bundled_names())})"]) from None


@dataclass
class _Draft:
    """A rubric being resolved: its checks as the plain dicts a rubric file gives, by phase and
    by task, and the problems found so far."""

    path: str
    phases: dict[str, list[dict]]
    titles: dict[str, str]
    tasks: list[dict]
    task_only: dict[str, list[dict]]
    known: dict[str, tuple[str | None, dict]]  # check id -> (its phase, or None for a task's; the check)
    problems: list[str] = field(default_factory=list)
    seen_lines: dict = field(default_factory=dict)  # check id -> the line this file declares it on

    @classmethod
    def starting_from(cls, base: Rubric | None, path: str) -> _Draft:
        """The base rubric's checks (as plain dicts) when extending, else nothing."""
        phases: dict[str, list[dict]] = {p: [] for p in PHASES}
        titles = dict(PHASE_TITLES)
        tasks: list[dict] = []
        task_only: dict[str, list[dict]] = {}
        if base:
            titles.update(base.phase_titles)
            for p in PHASES:
                phases[p] = [_as_entry(c, base.id) for c in base.phases[p]]
            for t in base.tasks:
                tasks.append({"id": t.id, "title": t.title, "points": t.points, "bonus": t.bonus, "_line": 0})
                task_only[t.id] = [_as_entry(c, base.id) for c in base.task_checks.get(t.id, ())]
        known: dict[str, tuple[str | None, dict]] = {c["id"]: (p, c) for p in PHASES for c in phases[p]}
        known.update({c["id"]: (None, c) for t in task_only for c in task_only[t]})
        return cls(path, phases, titles, tasks, task_only, known)

    def drop(self, raw: dict) -> None:
        for i, check_id in enumerate(raw.get("drop") or []):
            if check_id not in self.known:
                self.problems.append(f"{self.path}:{_line_at(raw, ['drop', i])}: drop[{i}]: no check {check_id!r} "
                                     "to drop")
                continue
            where, _dropped = self.known.pop(check_id)
            if where is None:
                for tid in self.task_only:
                    self.task_only[tid] = [x for x in self.task_only[tid] if x["id"] != check_id]
            else:
                self.phases[where] = [x for x in self.phases[where] if x["id"] != check_id]

    def override(self, raw: dict, ext: str | None) -> None:
        for check_id, change in (raw.get("overrides") or {}).items():
            line = _line_at(raw, ["overrides", check_id])
            if check_id not in self.known:
                self.problems.append(f"{self.path}:{line}: overrides.{check_id}: no such check in "
                                     f"{ext or 'this rubric'}")
                continue
            _, c = self.known[check_id]
            for key, value in change.items():
                if key == "params":
                    c["params"] = {**c["params"], **value}
                else:
                    c[key] = value
            c["_line"] = line

    def add_phase_checks(self, raw: dict) -> None:
        for p, body in (raw.get("phases") or {}).items():
            if p not in self.phases:
                continue
            if isinstance(body, dict) and body.get("title"):
                self.titles[p] = str(body["title"])
            for i, check in enumerate((body or {}).get("checks") or []):
                line = _line_at(raw, ["phases", p, "checks", i])
                cid = check.get("id")
                if cid in self.known or cid in self.seen_lines:
                    first = self.seen_lines.get(cid)
                    where = f"line {first}" if first else f"rubric {self.known[cid][1].get('_from') or '?'}"
                    self.problems.append(f"{self.path}:{line}: phases.{p}.checks[{i}].id: duplicate check id "
                                         f"{cid!r} (also at {where})")
                    continue
                if isinstance(cid, str) and not cid.startswith(p + "."):
                    self.problems.append(f"{self.path}:{line}: phases.{p}.checks[{i}].id: {cid!r} must start "
                                         f"with '{p}.'")
                self.seen_lines[cid] = line
                entry = dict(check)
                entry.setdefault("params", {})
                entry["_line"] = line
                entry["_path"] = f"phases.{p}.checks[{i}]"
                self.phases[p].append(entry)

    def add_task_checks(self, raw: dict) -> None:
        for i, task in enumerate(raw.get("tasks") or []):
            tline = _line_at(raw, ["tasks", i])
            if any(t["id"] == task.get("id") for t in self.tasks):
                self.problems.append(f"{self.path}:{tline}: tasks[{i}].id: duplicate task id {task.get('id')!r}")
                continue
            self.tasks.append({"id": task["id"], "title": task["title"], "points": task["points"],
                               "bonus": bool(task.get("bonus", False)), "_line": tline})
            self.task_only[task["id"]] = []
            for j, check in enumerate(task.get("checks") or []):
                line = _line_at(raw, ["tasks", i, "checks", j])
                cid = check.get("id")
                if cid in self.known or cid in self.seen_lines:
                    self.problems.append(f"{self.path}:{line}: tasks[{i}].checks[{j}].id: duplicate check id {cid!r}")
                    continue
                self.seen_lines[cid] = line
                entry = dict(check)
                entry.setdefault("params", {})
                entry.setdefault("task", task["id"])
                entry["_line"] = line
                entry["_path"] = f"tasks[{i}].checks[{j}]"
                self.task_only[task["id"]].append(entry)
                self.known[cid] = (None, entry)

    def built(self, validate: bool) -> tuple[dict[str, tuple], dict[str, tuple]]:
        """Every check as a :class:`Check` (by phase, by task): a known kind, and params valid
        for that kind's schema."""
        task_ids = {t["id"] for t in self.tasks}
        all_ids = set(self.known) | {c["id"] for p in PHASES for c in self.phases[p]}
        registry = detectors.registry()

        def build(c: dict, phase: str | None) -> Check | None:
            return self._check(c, phase, registry, validate=validate, task_ids=task_ids, all_ids=all_ids)

        checks: dict[str, tuple] = {p: tuple(x for c in self.phases[p] if (x := build(c, p))) for p in PHASES}
        task_checks = {t: tuple(x for c in self.task_only[t] if (x := build(c, None))) for t in self.task_only}
        return checks, task_checks

    def _check(self, c: dict, phase: str | None, registry: dict, *, validate: bool, task_ids: set,
               all_ids: set) -> Check | None:
        where = f"{self.path}:{c.get('_line') or 1}: {c.get('_path') or 'overrides.' + str(c.get('id'))}"
        det = registry.get(str(c.get("kind")))
        if det is None:
            self.problems.append(f"{where}.kind: unknown kind {c.get('kind')!r} "
                                 f"(known: {', '.join(sorted(registry))})")
            return None
        if validate:  # bundled rubrics are validated by the test suite
            self.problems.extend(_check_params(det, c.get("params") or {}, where))
        if c.get("task") and c["task"] not in task_ids:
            self.problems.append(f"{where}.task: no task {c['task']!r} (tasks: {', '.join(sorted(task_ids)) or 'none'})")
        evidence = []
        for k, ev in enumerate(c.get("evidence") or []):
            if ev.get("check") not in all_ids:
                self.problems.append(f"{where}.evidence[{k}].check: no check {ev.get('check')!r} in this rubric")
            evidence.append(Evidence(str(ev.get("check")), tuple(ev.get("parts") or ()), tuple(ev.get("claims") or ())))
        return Check(
            id=c["id"], phase=phase, title=str(c["title"]), kind=c["kind"], points=float(c["points"]),
            hint=str(c["hint"]), params=dict(c.get("params") or {}), docs=c.get("docs"),
            why=c.get("why"), bonus=bool(c.get("bonus", False)), task=c.get("task"), evidence=tuple(evidence),
        )

    def check_task_totals(self, checks: dict[str, tuple], task_checks: dict[str, tuple]) -> None:
        for declared in self.tasks:
            total = sum(c.points for p in PHASES for c in checks[p] if c.task == declared["id"]) + \
                sum(c.points for c in task_checks.get(declared["id"], ()))
            if abs(total - float(declared["points"])) > 1e-6:
                self.problems.append(f"{self.path}:{declared['_line'] or 1}: tasks: task {declared['id']!r} declares "
                                     f"{declared['points']:g} points but its checks add up to {total:g}")


def _as_entry(c: Check, origin: str) -> dict:
    """A resolved check as the plain dict a rubric file would give, to extend or override."""
    entry: dict = dict(id=c.id, title=c.title, kind=c.kind, points=c.points, hint=c.hint, params=dict(c.params),
                       docs=c.docs, why=c.why, bonus=c.bonus, _line=0, _from=origin)
    if c.task:
        entry["task"] = c.task
    if c.evidence:
        entry["evidence"] = [{"check": e.check, "parts": list(e.parts), "claims": list(e.claims)} for e in c.evidence]
    return entry


def _check_params(det, params: dict, where: str) -> list[str]:
    import jsonschema

    out = []
    validator = jsonschema.Draft202012Validator(det.params_schema(), format_checker=jsonschema.FormatChecker())
    for err in validator.iter_errors(params):
        key = _key_path(["params", *err.absolute_path])
        out.append(f"{where}.{key}: {_short(err)} (kind {det.kind})")
    for key, spec in det.params.items():
        if spec.get("format") == "regex" and isinstance(params.get(key), str):
            reason = check_regex(params[key])
            if reason:
                out.append(f"{where}.params.{key}: {reason}")
    return out
