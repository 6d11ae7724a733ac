"""Finding the submissions: folders, archives, bundles, URLs and roster CSV files, each a
:class:`Task` with a unique id; deterministic shards of them."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader.archives import JUNK, kind_of, lone_archive
from grader.errors import LoopcheckError
from grader.patterns import lazy
from grader.report.text import shown_name

# Everything between a URL's scheme and the last "@" of the line is a credential (a password
# may hold "@", "/" or a space); and secrets passed in the query string.
_CRED = lazy(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]{0,30}://)(?P<cred>[^\n]*)@")
_QUERY_SECRET = lazy(r"(?i)(?P<key>[?&](?:access_token|private_token|oauth_token|token|password|passwd|pwd|"
                           r"secret|key|api_key|apikey|auth)=)[^&\s#]+")
_URL = lazy(r"(?i)^(?:git\+)?(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:[^/\\]")
MAX_ROSTER_BYTES = 20_000_000
MAX_ROSTER_FIELD = 2_000
MAX_ROSTER_COLUMNS = 40
_STUDENT_COLUMNS = ("student", "name", "id", "login", "github_username", "username", "identifier", "email")
_SOURCE_COLUMNS = ("url", "repo", "repository", "repo_url", "git_url", "clone_url", "path", "submission", "source")


def redact(text) -> str:
    """Credentials in URLs (``https://user:token@host``, any scheme's case, ``git+https``, a
    password holding ``@``, ``/`` or spaces, ``?access_token=``) replaced by ``***``."""
    text = _CRED.sub(lambda m: m.group("scheme") + "***@", str(text))
    return _QUERY_SECRET.sub(lambda m: m.group("key") + "***", text)


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    kind: str  # dir | zip | tar | bundle | url
    source: str  # a path, or a URL (credentials kept: it is handed to git, never shown)
    label: str = ""  # what reports show (default: the source, credentials redacted)
    name: str = ""  # the student (default: the id; differs when one student handed in twice)
    columns: tuple[tuple[str, str], ...] = ()  # the roster's other columns, carried into exports

    @property
    def student(self) -> str:
        return self.name or self.id

    @property
    def display(self) -> str:
        return self.label or shown_name(redact(self.source))

    def for_worker(self) -> dict:
        """The task as a worker gets it: local paths made absolute (workers run in a folder of
        their own), shown as they were given."""
        if self.kind == "url":
            return dataclasses.asdict(self)
        return {**dataclasses.asdict(self), "source": os.path.abspath(self.source), "label": self.display}


@dataclass(frozen=True, slots=True)
class Identity:
    """A roster row: who a student is (the roster's columns: Canvas or SIS ids, login, email,
    section...), for the submission it names (a URL or path) or, without one, for a submission
    found elsewhere whose name or folder matches it."""

    who: str  # the roster's student cell
    columns: tuple[tuple[str, str], ...]
    keys: frozenset[str]  # what it is matched by (see :func:`match_key`)
    where: str  # roster.csv:LINE, for messages
    has_source: bool  # the row names its own submission


def discover(sources: list[str], notes: list[str] | None = None) -> list[Task]:
    """The submissions in ``sources``, each with a unique id. Roster rows give their students'
    identities (LMS columns) to the submissions found elsewhere that they match by name or
    folder; what could not be matched, or matched more than one way, is said in ``notes``."""
    tasks: list[Task] = []
    from_roster: set[int] = set()  # positions in ``tasks`` of the submissions a roster row names
    identities: list[Identity] = []
    for source in sources:
        path = Path(source)
        if _URL.match(source):
            tasks.append(Task(_id_from_url(source), "url", source))
        elif not path.exists():
            raise LoopcheckError(f"source not found: {redact(source)}")
        elif path.is_dir() and (path / ".git").exists():
            tasks.append(Task(shown_name(path.resolve().name), "dir", str(path), label=_shown(path.resolve().name)))
        elif path.is_dir():
            tasks.extend(_folder_children(path))
        elif path.suffix.lower() == ".csv":
            rostered, known = _roster(path)
            from_roster.update(range(len(tasks), len(tasks) + len(rostered)))
            tasks.extend(rostered)
            identities.extend(known)
        elif kind := kind_of(source):
            tasks.append(Task(_stem(path.name), kind, str(path), label=_shown(path.name)))
        else:
            raise LoopcheckError(f"{source}: not a folder, archive (.zip, .tar.gz, .tgz), .bundle or roster .csv")
    if not tasks:
        looked = ", ".join(redact(s) for s in sources)
        raise LoopcheckError(f"no submissions found in {looked}: looked for git repositories, folders, "
                             ".zip/.tar.gz/.tgz archives, .bundle files and roster .csv files")
    tasks = _identify(tasks, from_roster, identities, notes if notes is not None else [])
    return unique_ids(tasks)


def match_key(text: str) -> str:
    """A name as it is compared: letters and digits only, case folded (``Lovelace, Ada``,
    ``lovelace_ada`` and Canvas's ``lovelaceada`` are one key)."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


# The roster columns a submission's name or folder is matched against, besides the student's.
_NAME_COLUMNS = ("name", "full name", "fullname", "student name", "sortable name", "display name")
_LOGIN_COLUMNS = ("login", "login id", "sis login id", "username", "user name", "github", "github username",
                  "email", "email address", "folder", "submission folder")


def _identity_keys(who: str, columns: tuple[tuple[str, str], ...]) -> frozenset[str]:
    values = [who]
    for name, value in columns:
        label = name.strip().lower().replace("_", " ")
        if label in _NAME_COLUMNS or label in _LOGIN_COLUMNS:
            values.append(value)
    keys = set()
    for value in values:
        value = value.strip()
        if not value:
            continue
        keys.add(match_key(value))
        if "@" in value:  # an email or login: its local part too
            keys.add(match_key(value.split("@", 1)[0]))
        if value.count(",") == 1:  # "Lovelace, Ada" is also "Ada Lovelace"
            last, first = value.split(",")
            keys.add(match_key(first + last))
    keys.discard("")
    return frozenset(keys)


def _task_keys(task: Task) -> frozenset[str]:
    base = os.path.basename(task.source.rstrip("/"))
    keys = {match_key(task.student), match_key(task.id), match_key(_stem(base))}
    keys.discard("")
    return frozenset(keys)


def _identify(tasks: list[Task], from_roster: set[int], identities: list[Identity], notes: list[str]) -> list[Task]:
    """Each submission found outside a roster takes the identity of the one roster row that
    matches its name or folder: the roster's student as its name, the row's columns added."""
    if not identities:
        return tasks
    by_key: dict[str, list[Identity]] = {}
    for ident in identities:
        for key in ident.keys:
            by_key.setdefault(key, []).append(ident)
    used: set[int] = set()
    ambiguous: list[str] = []
    out = []
    for i, task in enumerate(tasks):
        if i in from_roster:
            out.append(task)
            continue
        found = {id(x): x for key in _task_keys(task) for x in by_key.get(key, [])}
        if len({(x.who, x.columns) for x in found.values()}) > 1:  # rows saying the same count once
            rows = sorted(x.where for x in found.values())
            ambiguous.append(f"{task.display} ({', '.join(rows[:3])})")
        elif found:
            used.update(found)
            ident = next(iter(found.values()))
            names = {n for n, _ in task.columns}
            columns = task.columns + tuple((n, v) for n, v in ident.columns if n not in names)
            task = dataclasses.replace(task, name=ident.who, columns=columns)
        out.append(task)
    if ambiguous:
        notes.append(f"{len(ambiguous)} submission(s) match more than one roster row, so no row's identity was "
                     f"given to them: {_listed(ambiguous)}")
    missing = [f"{x.who} ({x.where})" for x in identities if not x.has_source and id(x) not in used]
    if missing:
        notes.append(f"{len(missing)} roster row(s) without a repository match no submission by name or folder "
                     f"(not handed in?): {_listed(missing)}")
    return out


def _listed(items: list[str], most: int = 10) -> str:
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")


def unique_ids(tasks: list[Task]) -> list[Task]:
    """Every id used once. A student who handed in more than once (a folder and a bundle, two
    roster rows) keeps their name, and each of their submissions is told apart by where it came
    from (``alice [alice.bundle]``), none of them silently first: :func:`duplicates` names them
    for the instructor to choose."""
    counts = Counter(task.id for task in tasks)
    taken = {task.id for task in tasks if counts[task.id] == 1}
    used: set[str] = set()
    unique = []
    for task in tasks:
        if counts[task.id] > 1:
            base = f"{task.id} [{shown_name(os.path.basename(redact(task.source).rstrip('/')) or task.kind)}]"
            new, n = base, 1
            while new in used or new in taken:
                n += 1
                new = f"{base} ({n})"
            task = dataclasses.replace(task, id=new, name=task.student)
        used.add(task.id)
        unique.append(task)
    return unique


def duplicates(tasks: list[Task]) -> dict[str, list[Task]]:
    """Students with more than one submission: name → their tasks."""
    by_name: dict[str, list[Task]] = {}
    for task in tasks:
        by_name.setdefault(task.student, []).append(task)
    return {name: group for name, group in by_name.items() if len(group) > 1}


def _stem(name: str) -> str:
    for ext in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip", ".bundle"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


# How LMS downloads name each student's work; the student is the ``name`` group. Canvas names
# each file <sortable name, lower case, letters and digits only>[_LATE]_<user id>_<attachment
# id>_<file name> (its ContentZipper); an anonymous assignment's files are
# [LATE_]anon_<anonymous id>_<attachment id>_<file name>, with no user id.
_LMS_NAMES = (
    re.compile(r"^(?P<name>.+?)_\d+_assignsubmission_[a-z]+_?$", re.I),  # Moodle: Ada Lovelace_123456_assignsubmission_file_
    re.compile(r"^.+?_(?P<name>[^_]+)_attempt_\d{4}(?:-\d{2}){5}(?:_.*)?$"),  # Blackboard: Ex41_ada_attempt_2026-11-30-10-00-00_x
    re.compile(r"^(?:late_)?(?P<name>anon_[^\W_]+)_\d+_.+$", re.I),  # Canvas, anonymous: anon_x7k2p_5678_ex41.zip
    re.compile(r"^(?P<name>[^\W\d_](?:[^\W_]|-)*?)(?:_late)?_(?P<user>\d+)_\d+_.+$", re.I),  # Canvas: lovelaceada_LATE_1234_5678_ex41.zip
)


def lms_columns(name: str) -> tuple[tuple[str, str], ...]:
    """What an LMS download's name tells beyond the student: Moodle's participant number,
    Canvas's user id (the number after the name: the gradebook's ``ID``)."""
    name = shown_name(name)
    m = _LMS_NAMES[0].match(name)
    if m:
        number = re.search(r"_(\d+)_assignsubmission_", name)
        if number:
            return (("moodle_participant", number.group(1)),)
        return ()
    if _LMS_NAMES[1].match(name) or _LMS_NAMES[2].match(name):
        return ()
    m = _LMS_NAMES[3].match(name)
    if m:
        return (("canvas_user_id", m.group("user")),)
    return ()


def student_of(name: str) -> str:
    """The student an LMS download's folder or file name stands for (else the name itself),
    as text any output can hold (bytes that are not UTF-8 shown escaped)."""
    name = shown_name(name)
    for rx in _LMS_NAMES:
        m = rx.match(name)
        if m:
            return m.group("name").strip()
    return name


def _shown(*parts: str) -> str:
    """A submission's place as the instructor named it, relative to the batch's source (never a
    path of the instructor's own machine: it may reach a student's feedback)."""
    return "/".join(shown_name(p) for p in parts if p)


def _folder_children(folder: Path) -> list[Task]:
    tasks = []
    top = os.path.basename(os.path.abspath(folder))
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name in JUNK or entry.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            inner = None if os.path.lexists(os.path.join(entry.path, ".git")) else lone_archive(entry.path)
            if inner:  # a per-student folder holding the archive or bundle they handed in
                tasks.append(Task(student_of(entry.name), kind_of(inner) or "zip", inner, columns=lms_columns(entry.name),
                                  label=_shown(top, entry.name, os.path.basename(inner))))
            else:
                tasks.append(Task(student_of(entry.name), "dir", entry.path, columns=lms_columns(entry.name),
                                  label=_shown(top, entry.name)))
        elif entry.is_file(follow_symlinks=False) and (kind := kind_of(entry.name)):
            stem = _stem(entry.name)
            tasks.append(Task(student_of(stem), kind, entry.path, columns=lms_columns(stem),
                              label=_shown(top, entry.name)))
    return tasks


def _id_from_url(url: str) -> str:
    tail = redact(url).rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return tail[:-4] if tail.endswith(".git") else tail


def _roster(path: Path) -> tuple[list[Task], list[Identity]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoopcheckError(f"{path}: roster can't be read ({exc})") from None
    if len(text) > MAX_ROSTER_BYTES:
        raise LoopcheckError(f"{path}: the roster is larger than {MAX_ROSTER_BYTES // 1_000_000} MB")
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        for row in reader:
            if any(len(cell) > MAX_ROSTER_FIELD for cell in row):
                raise LoopcheckError(f"{path}:{reader.line_num}: a field is longer than {MAX_ROSTER_FIELD} characters")
            rows.append(row)
    except csv.Error as exc:  # a field over the csv module's own limit, a NUL byte...
        raise LoopcheckError(f"{path}:{reader.line_num}: not a readable CSV row "
                             f"({str(exc).replace(str(csv.field_size_limit()), 'its limit')})") from None
    if not rows:
        raise LoopcheckError(f"{path}: the roster is empty")
    header = [h.strip().lower() for h in rows[0]]
    student = next((header.index(c) for c in _STUDENT_COLUMNS if c in header), None)
    source = next((header.index(c) for c in _SOURCE_COLUMNS if c in header), None)
    if student is None:
        raise LoopcheckError(f"{path}: the roster needs a student column ({', '.join(_STUDENT_COLUMNS[:4])}...), "
                             f"and a repository column ({', '.join(_SOURCE_COLUMNS[:4])}...) for the students "
                             "whose repository it names")
    tasks = []
    identities = []
    extra = [(i, rows[0][i].strip()) for i in range(len(header)) if i not in (student, source) and header[i]][:MAX_ROSTER_COLUMNS]
    for line, row in enumerate(rows[1:], start=2):
        if len(row) <= student or not row[student].strip() or row[student].strip() == "Points Possible":
            continue  # (Canvas's gradebook export, used as a roster, has a Points Possible row)
        who = row[student].strip()
        where = row[source].strip() if source is not None and source < len(row) else ""
        columns = tuple((name, row[i] if i < len(row) else "") for i, name in extra)
        identities.append(Identity(who, columns, _identity_keys(who, columns), f"{path.name}:{line}", bool(where)))
        if not where:  # an identity for a submission found elsewhere (matched by name or folder)
            continue
        if where.startswith("-"):
            raise LoopcheckError(f"{path}:{line}: {redact(where)!r} is not a repository")
        if _URL.match(where):
            tasks.append(Task(who, "url", where, columns=columns))
        else:
            local = (path.parent / where) if not os.path.isabs(where) else Path(where)
            kind = "dir" if local.is_dir() else kind_of(where)
            if kind is None:
                raise LoopcheckError(f"{path}:{line}: {redact(where)!r} is neither a URL nor a folder, archive or bundle")
            tasks.append(Task(who, kind, str(local), columns=columns,
                              label=shown_name(redact(where if not os.path.isabs(where) else os.path.basename(where)))))
    return tasks, identities


def shard(tasks: list[Task], spec: str | None) -> list[Task]:
    """The K-th of N deterministic shards (``K/N``, K from 1), stable under input order."""
    if not spec:
        return tasks
    m = re.fullmatch(r"(\d+)/(\d+)", spec.strip())
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise LoopcheckError(f"--shard {spec!r}: give K/N with 1 <= K <= N, e.g. 2/3")
    k, n = int(m.group(1)), int(m.group(2))
    return [t for t in tasks if int(hashlib.sha256(t.id.encode()).hexdigest(), 16) % n == k - 1]
