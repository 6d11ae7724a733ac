"""Test files and the real assertions in them.

Python is read with :mod:`ast`; JavaScript/TypeScript (Jest, Mocha, Vitest, ava, tape,
node:test), Go, Java (JUnit), C# (xUnit, NUnit, MSTest), Rust, Ruby (RSpec) and shell (bats)
are split into test blocks by their declarations,
comments removed, and each block is searched for an assertion that is not trivially true
(``assert True``, ``assert 1``, ``expect(true).toBe(true)``, ``assertTrue(true)``).
A test counts when it holds at least one real assertion.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.evidence import stubs
from grader.model import Location
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission


@dataclass(slots=True)
class TestFile:
    path: str
    language: str
    tests: list[tuple[str, int, bool]] = field(default_factory=list)  # name, line, real?

    @property
    def real_tests(self) -> list[tuple[str, int, bool]]:
        return [t for t in self.tests if t[2]]


_PY_TEST = lazy(r"(^|/)(test_[^/]*|[^/]*_test)\.py$")
# Jest/Vitest names, and the defaults of ava, tape, Mocha and node:test: test.js, test-*.js,
# and any script under a test/ or tests/ folder.
_JS_TEST = lazy(r"(^|/)([^/]+\.(test|spec|cy)\.[cm]?[jt]sx?|__tests__/[^/]+\.[cm]?[jt]sx?|test\.[cm]?[jt]s|"
                      r"test-[^/]+\.[cm]?[jt]s)$")
_JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
_CS_TEST = lazy(r"Tests?\d*\.cs$")  # (UnitTest1.cs, the xUnit template's name)
_PHP_TEST = lazy(r"(^|/)[^/]+Test\.php$")
_POSTMAN = (".postman_collection.json", ".postman_collection")
_SHELL_NAME = lazy(r"^(?:test[-_].+|.+[-_]test)\.sh$")


def _under_tests(path: str) -> bool:
    """In a ``test/`` or ``tests/`` folder (at any depth)."""
    return "/test/" in "/" + path or "/tests/" in "/" + path
_GO_TEST = lazy(r"_test\.go$")
_JAVA_TEST = lazy(r"(^|/)src/test/.*\.(java|kt)$|(Test|Tests|IT)\.(java|kt)$")
_BATS_TEST = lazy(r"\.bats$")


_TEST_SUFFIXES = (".py", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".go", ".java", ".kt", ".rb", ".bats", ".rs", ".sh",
                  ".cs", ".php", *_POSTMAN)


@functools.lru_cache(maxsize=250_000)
def language_of(path: str) -> str | None:
    if not path.endswith(_TEST_SUFFIXES):
        return None
    # the two commonest, answered as the tests below would (no other test takes a .go or .py)
    if path.endswith(".go"):
        return "go" if path.endswith("_test.go") else None
    if path.endswith(".py"):
        return "python" if _PY_TEST.search(path) else None
    if _PY_TEST.search(path):
        return "python"
    if _JS_TEST.search(path) or (path.endswith(_JS_SUFFIXES) and _under_tests(path)):
        return "javascript"
    if _GO_TEST.search(path):
        return "go"
    if _JAVA_TEST.search(path):
        return "java"
    if path.endswith("_spec.rb") or (path.endswith("_test.rb") and "/test/" in "/" + path[:-len("_test.rb")]):
        return "ruby"
    if _BATS_TEST.search(path):
        return "bats"
    if path.endswith(".rs") and "/tests/" in "/" + path:
        return "rust"
    if path.lower().endswith(_POSTMAN):
        return "postman"  # API tests: the requests' test scripts, run by newman
    if path.endswith(".php") and _PHP_TEST.search(path) and _under_tests(path.lower()):
        return "php"  # PHPUnit and Pest: tests/Unit/CartTest.php, tests/Feature/...
    if path.endswith(".cs") and (_CS_TEST.search(path) or ".Tests/" in path or ".Test/" in path or
                                 _under_tests(path.lower())):
        return "dotnet"
    if path.endswith(".sh") and (_under_tests(path) or _SHELL_NAME.match(path.rsplit("/", 1)[-1])):
        return "shell"
    return None


_TEST_DIR = lazy(r"(^|/)(tests?|spec|__tests__)/")


def is_test_path(path: str) -> bool:
    return language_of(path) is not None or (("test" in path or "spec" in path) and bool(_TEST_DIR.search(path)))


def scan(sub: Submission) -> list[TestFile]:
    cached = sub.memo("testfiles")
    if cached is not None:
        return cached
    found = []
    configured, tails = _configured_matchers(runner_patterns(sub)), tuple(_literal_tail(g) for _l, g in runner_patterns(sub))
    candidates = [(rel, lang) for rel in sub.files
                  if (lang := language_of(rel) or _configured_language(rel, configured, tails)) is not None]
    sub.expect([rel for rel, _ in candidates])
    for rel, lang in candidates:
        text = sub.read_text(rel)
        if text is None:
            continue
        tf = TestFile(rel, lang)
        try:
            tf.tests = _READERS[lang](text)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            sub.problems[rel] = f"can't be parsed as {lang}: {type(exc).__name__}"
            continue
        if tf.tests and stubs.stub_only(sub, rel, lang, text, is_test_path):  # it tests a server of its own, not the project
            tf.tests = [(name, line, False) for name, line, _real in tf.tests]
        found.append(tf)
    declared = _declared(sub)  # what the build system runs as a test is judged as such
    paths = {tf.path for tf in declared}
    found = [tf for tf in found if tf.path not in paths] + declared
    return sub.memo("testfiles", found)


# -- what the runners are configured to collect ---------------------------------------------------
MAX_PATTERNS = 24  # test-file patterns taken from runner configuration
_PY_FILES = lazy(r"(?m)^[ \t]*python_files[ \t]*=[ \t]*(.+)$")
_JEST_MATCH = lazy(r"testMatch\W{0,4}\[([^\]]{0,2000})\]")
_QUOTED_GLOB = lazy(r"[\"']([^\"']{1,200})[\"']")


def runner_patterns(sub: Submission) -> list[tuple[str, str]]:
    """(language, glob) of the test files the runners' own configuration names: pytest's
    ``python_files`` (pytest.ini, setup.cfg, tox.ini, pyproject.toml) and Jest's ``testMatch``
    (package.json, jest.config.*); Django's and unittest's default ``test*.py`` too."""
    cached = sub.memo("runner-patterns")
    if cached is not None:
        return cached
    out: list[tuple[str, str]] = [("python", "test*.py"), ("python", "tests.py")]
    for rel in ("pytest.ini", "setup.cfg", "tox.ini", "pyproject.toml"):
        if sub.exists(rel):
            for m in _PY_FILES.finditer(sub.read_text(rel) or ""):
                for glob in re.split(r"[\s,\[\]\"']+", m.group(1)):
                    if glob.endswith(".py"):
                        out.append(("python", glob))
    for rel in ("package.json", "jest.config.js", "jest.config.ts", "jest.config.cjs", "jest.config.mjs", "jest.config.json"):
        if sub.exists(rel):
            for m in _JEST_MATCH.finditer(sub.read_text(rel) or ""):
                out.extend(("javascript", g.replace("<rootDir>/", "")) for g in _QUOTED_GLOB.findall(m.group(1)))
    return sub.memo("runner-patterns", out[:MAX_PATTERNS])


_Matcher = tuple[str, bool, tuple]  # language, matched against the name alone?, the globs' matchers


def _configured_matchers(patterns: list[tuple[str, str]]) -> list[_Matcher]:
    """Each runner pattern as the matchers :func:`fnmatch.fnmatchcase` would use, made once per
    scan (not once per file): a glob without a folder is matched against the file's name, one
    with folders against its path (``**/`` as any folders, or none)."""
    def matcher(glob: str):
        return re.compile(fnmatch.translate(glob)).match

    out: list[_Matcher] = []
    for lang, glob in patterns:
        if "/" not in glob.replace("**/", ""):
            out.append((lang, True, (matcher(glob.replace("**/", "")),)))
        else:
            out.append((lang, False, (matcher(glob.replace("**/", "*")), matcher(glob.replace("**/", "")))))
    return out


def _literal_tail(glob: str) -> str:
    """What every path a glob matches ends with: its text after the last ``*``, ``?``, ``[`` or ``]``."""
    return glob[max(glob.rfind(c) for c in "*?[]") + 1:]


def _configured_language(path: str, matchers: list[_Matcher], tails: tuple[str, ...] = ()) -> str | None:
    if tails and not path.endswith(tails):  # (the patterns' literal tails: a path ending with none matches none)
        return None
    name = path.rsplit("/", 1)[-1]
    for lang, by_name, tests in matchers:
        subject = name if by_name else path
        if any(test(subject) for test in tests):
            return lang
    return None


# -- tests a build system declares ----------------------------------------------------------------
_AM_TESTS = lazy(r"^\s*TESTS\s*\+?=\s*(.*)$")
_ADD_TEST = lazy(r"\badd_test\s*\(\s*(?:NAME\s+)?([\w.:-]+)", re.I)


def _declared(sub: Submission) -> list[TestFile]:
    """Test programs an automake ``TESTS =`` list or CMake's ``add_test`` declares: each one is
    a test whose exit status is its assertion (a driver of data-driven or golden tests counts
    when it runs something)."""
    out: list[TestFile] = []
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1]
        if name == "Makefile.am":
            folder = rel[: -len(name)]
            text = sub.read_text(rel) or ""
            lines = text.split("\n")
            i = 0
            while i < len(lines):
                m = _AM_TESTS.match(lines[i])
                value = m.group(1) if m else ""
                while m and value.rstrip().endswith("\\") and i + 1 < len(lines):
                    i += 1
                    value = value.rstrip()[:-1] + " " + lines[i]
                for entry in value.split() if m else []:
                    path = folder + entry
                    if "$" in entry or not sub.exists(path):
                        continue
                    script = sub.read_text(path) or ""
                    out.append(TestFile(path, "shell", [(entry, 1, _runs_something(script))]))
                i += 1
        elif name in ("Makefile", "makefile", "GNUmakefile"):
            out.extend(_make_test_scripts(sub, rel))
        elif name == "CMakeLists.txt":
            text = sub.read_text(rel) or ""
            tests = [(m.group(1), text.count("\n", 0, m.start()) + 1, True) for m in _ADD_TEST.finditer(text)]
            if tests:
                out.append(TestFile(rel, "ctest", tests))
    return out


# a Makefile's test target and its recipe (tab-indented lines), and the scripts the recipe runs
_MAKE_TEST = lazy(r"(?m)^(?:tests?|check|unit-?tests?|integration-?tests?|test-\w+)[ \t]*:(?!=)[^\n]*\n((?:\t[^\n]*\n)*)")
_SCRIPT_RUN = lazy(r"(?:^|[\s@;&|])(?:(?:bash|sh)[ \t]+)?(?:\./)?([\w./-]+\.sh)\b")


def _make_test_scripts(sub: Submission, rel: str) -> list[TestFile]:
    """The shell scripts a Makefile's test target runs (`test: prog` / `bash t_prog.sh`): tests,
    judged as test scripts are."""
    folder = rel[: -len(rel.rsplit("/", 1)[-1])]
    text = sub.read_text(rel) or ""
    out = []
    for m in _MAKE_TEST.finditer(text):
        for script in _SCRIPT_RUN.findall(m.group(1)[:10_000])[:20]:
            path = folder + script
            if ".." not in script.split("/") and sub.exists(path) and not language_of(path):
                out.append(TestFile(path, "shell", _read_shell(sub.read_text(path) or "")))
    return out


_SH_NOISE = lazy(r"(?:#.*|set\s+-\w+|exit\s+0|true|:|)")


def _runs_something(script: str) -> bool:
    """A test script that does more than succeed (``exit 0``, ``true``, comments)."""
    return any(not _SH_NOISE.fullmatch(line.strip()) for line in script.split("\n")[:400])


def locations(files: list[TestFile], limit: int = 5) -> list[Location]:
    out = []
    for tf in files:
        for _name, line, real in tf.tests:
            if real:
                out.append(Location(tf.path, line))
                break
        if len(out) >= limit:
            break
    return out


# -- Python ------------------------------------------------------------------------------
def _py_trivial(node: ast.AST) -> bool:
    """True when an asserted expression can't fail: a constant or a comparison of constants."""
    if isinstance(node, ast.Constant):
        return True  # assert True / assert 1 / assert "x" can't fail (assert False can't pass)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return True
    if isinstance(node, ast.Compare):
        parts = [node.left, *node.comparators]
        return all(isinstance(p, ast.Constant) for p in parts)
    if isinstance(node, ast.BoolOp):
        return all(_py_trivial(v) for v in node.values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    return False


_UNITTEST_ASSERT = lazy(r"^(assert[A-Z]\w*|fail[A-Z]?\w*|assert_\w+)$")


def _py_real_assertions(func: ast.AST) -> int:
    count = 0
    for node in ast.walk(func):
        if isinstance(node, ast.Assert):
            if not _py_trivial(node.test):
                count += 1
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else (fn.id if isinstance(fn, ast.Name) else "")
            if name in ("raises", "warns", "approx") or name.startswith("assert_called") or name.startswith("assert_has"):
                count += 1
            elif _UNITTEST_ASSERT.match(name):
                args = node.args
                if name == "fail":
                    continue
                if args and all(isinstance(a, ast.Constant) for a in args):
                    continue  # assertTrue(True), assertEqual(1, 1)
                if args or node.keywords:
                    count += 1
        elif isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in ("raises", "assertRaises", "warns"):
                    count += 1
    return count


def _read_python(text: str) -> list[tuple[str, int, bool]]:
    tree = ast.parse(text)
    tests = []

    def visit_function(fn, owner=None):
        if fn.name.startswith("test"):
            tests.append((f"{owner}.{fn.name}" if owner else fn.name, fn.lineno, _py_real_assertions(fn) > 0))

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            visit_function(node)
        elif isinstance(node, ast.ClassDef):
            bases = {getattr(b, "attr", getattr(b, "id", "")) for b in node.bases}
            if node.name.startswith("Test") or "TestCase" in bases:
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        visit_function(item, node.name)
    return tests


# -- block-based languages -----------------------------------------------------------------
_C_COMMENTS = lazy(r"//[^\n]*|/\*.*?\*/", re.S)
_HASH_COMMENTS = lazy(r"(^|\s)#[^\n]*")
_LITERAL = r"(?:true|false|null|undefined|nil|\d+(?:\.\d+)?|'[^']*'|\"[^\"]*\"|`[^`$]*`)"


def _blank_comments(text: str, pattern: re.Pattern) -> str:
    """Replace comments by spaces, keeping newlines (so line numbers stay right)."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def _blocks(text: str, decl: re.Pattern) -> list[tuple[str, int, str]]:
    """(name, line, body) per test declaration; the body runs to the next declaration."""
    matches = list(decl.finditer(text))
    blocks = []
    line, counted = 1, 0
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        line += text.count("\n", counted, m.start())  # counted once, front to back
        counted = m.start()
        name = next((g for g in m.groups() if g), "test")
        blocks.append((name, line, text[m.end():end]))
    return blocks


def _block_reader(decl: str, real: str, trivial: str | None, comments: re.Pattern):
    compiled: list = []  # compiled on first use: only the languages a submission has

    def read(text: str):
        if not compiled:
            compiled.extend([re.compile(decl, re.M), re.compile(real),
                             re.compile(trivial) if trivial else None])
        decl_rx, real_rx, trivial_rx = compiled
        text = _blank_comments(text, comments)
        out = []
        for name, line, body in _blocks(text, decl_rx):
            hits = [m.group() for m in real_rx.finditer(body)]
            if trivial_rx:
                hits = [h for h in hits if not trivial_rx.match(h)]
            out.append((name.strip().strip("`"), line, bool(hits)))
        return out

    return read


_READERS = {
    "python": _read_python,
    "javascript": _block_reader(
        r"""\b(?:it|test|specify)(?:\.(?:only|concurrent|each\([^)]*\)))?\s*\(\s*['"`]([^'"`]*)""",
        r"""\bexpect\s*\([^;\n]*|\bassert(?:\.\w+)?\s*\([^;\n]*|\.should\.[^;\n]*|\bexpect\.assertions\(\d+\)|"""
        r"""\.should\s*\(\s*['"][^;\n]*|\bcy\.contains\s*\([^;\n]*|"""
        r"""\bt\.(?:is|not|deepEqual|notDeepEqual|true|false|truthy|falsy|throws|throwsAsync|notThrows|"""
        r"""notThrowsAsync|regex|notRegex|snapshot|like|assert|ok|notOk|equal|notEqual|same|notSame|match|"""
        r"""strictEqual|notStrictEqual|deepStrictEqual|error|ifError|rejects|resolves)\s*\([^;\n]*""",
        rf"""(?:expect|assert(?:\.\w+)?)\s*\(\s*{_LITERAL}\s*\)\s*(?:\.\w+\s*\(\s*{_LITERAL}?\s*\))?\s*;?\s*$|assert(?:\.\w+)?\s*\(\s*{_LITERAL}\s*(?:,\s*{_LITERAL}\s*)?\)|"""
        rf"""t\.\w+\s*\(\s*{_LITERAL}\s*(?:,\s*{_LITERAL}\s*)*\)""",
        _C_COMMENTS,
    ),
    "go": _block_reader(
        r"^func\s+(Test\w*)\s*\(\s*\w+\s+\*testing\.T\s*\)",
        r"\b\w+\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(|\b(?:assert|require)\.\w+\s*\([^\n]*",
        rf"(?:assert|require)\.(?:True|False|Equal)\s*\(\s*\w+\s*,\s*{_LITERAL}\s*(?:,\s*{_LITERAL}\s*)?\)",
        _C_COMMENTS,
    ),
    "java": _block_reader(  # JUnit in Java and Kotlin (`fun `login fails on a wrong password`()`)
        r"@(?:Test|ParameterizedTest|RepeatedTest)\b[^{;]*?\b(?:void|fun)\s+(\w+|`[^`\n]{1,200}`)",
        r"\b(?:Assertions\.|Assert\.)?(?:assert\w+|fail)\s*(?:\(|<[\w.<>?, ]{1,200}>\s*[({])[^;]*|"
        r"\b(?:co)?[vV]erify\s*[({][^;]*|\bshould(?:Be|NotBe|Throw|Contain|HaveSize|BeEmpty|NotBeNull)\b[^;\n]*",
        rf"(?:Assertions\.|Assert\.)?assert\w+\s*\(\s*{_LITERAL}\s*(?:,\s*{_LITERAL}\s*)*\)",
        _C_COMMENTS,
    ),
    "ruby": _block_reader(
        r"""^\s*(?:it|specify|scenario|test)\s*\(?\s*['"]([^'"]*)""",
        r"""\bexpect\s*[({][^\n]*|\bassert\w*\s*\(?[^\n]*|\.should\b[^\n]*""",
        rf"""expect\s*\(\s*{_LITERAL}\s*\)\s*\.to\s+(?:eq|be)\s*\(?\s*{_LITERAL}?\s*\)?\s*$|assert\s*\(?\s*{_LITERAL}\s*\)?\s*$""",
        _HASH_COMMENTS,
    ),
}
_READERS["rust"] = _block_reader(
    r"#\[(?:[\w:]+::)?test\]\s*(?:#\[[^\]\n]*\]\s*)*(?:pub\s+)?(?:async\s+)?fn\s+(\w+)",
    r"\b\w*(?:assert|eq|ne)\w*!\s*\([^;]*|\bpanic!\s*\(|\.(?:unwrap_err|expect_err)\s*\(",
    rf"assert!\s*\(\s*true\s*\)|assert_eq!\s*\(\s*{_LITERAL}\s*,\s*{_LITERAL}\s*\)",
    _C_COMMENTS,
)


_READERS["php"] = _block_reader(  # PHPUnit (test* methods, @test, #[Test]) and Pest (test()/it())
    r"""function\s+(test\w*)\s*\(|@test\b[^{;]*?function\s+(\w+)\s*\(|#\[Test\][^{;]*?function\s+(\w+)\s*\(|"""
    r"""^\s*(?:test|it)\s*\(\s*['"]([^'"\n]*)""",
    r"""(?:\$this->|self::|static::|->)assert\w+\s*\([^;]*|\bexpect\s*\([^;]*\)\s*->\s*(?:not->)?to\w+[^;]*|"""
    r"""\$this->expectException\w*\s*\([^;]*""",
    r"""(?:\$this->|self::|static::)assert(?:True|False)\s*\(\s*(?:true|false)\s*\)""",
    lazy(r"//[^\n]*|/\*(?!\*).*?\*/", re.S),  # (a `/** @test */` docblock marks a test: kept)
)


_PM_REAL = lazy(r"\bpm\.(?:expect\s*\(|response\.to\.(?:have|be|not)\b)")
_PM_TRIVIAL = lazy(r"pm\.expect\s*\(\s*(?:true|false|1|0)\s*\)\s*\.to\.(?:be\.)?(?:true|false|ok|equal\s*\(\s*(?:true|false|1|0)\s*\))")


def _read_postman(text: str) -> list[tuple[str, int, bool]]:
    """A Postman collection's tests: each request whose test script holds a `pm.test`, real when
    it asserts on the response (`pm.expect(...)`, `pm.response.to.have.status(200)`)."""
    data = json.loads(text)
    out: list[tuple[str, int, bool]] = []
    pending = [data.get("item")] if isinstance(data, dict) else []
    seen = 0
    while pending and seen < 10_000:  # folders nest items; bounded whatever the file holds
        items = pending.pop()
        for item in items if isinstance(items, list) else []:
            seen += 1
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("item"), list):
                pending.append(item["item"])
            events = item.get("event")
            for event in events if isinstance(events, list) else []:
                if not isinstance(event, dict) or event.get("listen") != "test":
                    continue
                script = event.get("script")
                lines = script.get("exec") if isinstance(script, dict) else None
                code = "\n".join(x for x in lines if isinstance(x, str)) if isinstance(lines, list) else str(lines or "")
                code = _blank_comments(code, _C_COMMENTS)
                if "pm.test" in code:
                    real = [m for m in _PM_REAL.finditer(code) if not _PM_TRIVIAL.match(code, m.start())]
                    out.append((str(item.get("name") or "request"), 1, bool(real)))
    return out


_READERS["postman"] = _read_postman


_READERS["dotnet"] = _block_reader(  # xUnit, NUnit, MSTest
    r"\[(?:Fact|Theory|Test|TestCase|TestMethod|DataTestMethod)\b[^\]\n]*\][^{;]*?\b(?:void|Task)\s+(\w+)\s*\(",
    r"\b(?:Assert|CollectionAssert|StringAssert|ClassicAssert)\.\w+\s*\([^;]*|\.Should\(\)[^;]*|\bExpect\s*\([^;]*",
    rf"(?:Assert|ClassicAssert)\.(?:True|False|IsTrue|IsFalse|Equal|AreEqual)\s*\(\s*{_LITERAL}\s*(?:,\s*{_LITERAL}\s*)?\)",
    _C_COMMENTS,
)


def _read_shell(text: str) -> list[tuple[str, int, bool]]:
    """A test script is one test: real when it compares something and fails on a difference
    (``diff``/``cmp``/``test``/``[ ]``/``grep -q`` with ``set -e``, ``exit 1`` or ``||``)."""
    body = _blank_comments(text, _HASH_COMMENTS)
    compares = re.search(r"(?m)^[ \t]*(?:(?:if|elif|diff|cmp|test)\b|\[\[?[ \t]|grep[ \t]+-\w*q)|\b(?:diff|cmp)[ \t]", body)
    fails = re.search(r"\bexit\s+[1-9]|\bset\s+-\w*e|\|\|\s*(?:exit|fail|false)|\bfalse\b", body)
    return [("script", 1, bool(compares and fails))]


_READERS["shell"] = _read_shell
# bats assertions are line-anchored
_READERS["bats"] = _block_reader(
    r"""^\s*@test\s+['"]([^'"]*)""",
    r"""(?m)^\s*(?:\[\[?\s+[^\n]+\]\]?|assert\w*\b[^\n]*|refute\w*\b[^\n]*|\(\(\s*[^\n]+\)\)|grep\b[^\n]*|test\s+[^\n]+|diff\b[^\n]*)""",
    r"""^\s*(?:\[\[?\s*(?:1|true|0\s*-eq\s*0|1\s*-eq\s*1|"?a"?\s*==?\s*"?a"?)\s*\]\]?|assert\s+true|\(\(\s*1\s*\)\))\s*$""",
    _HASH_COMMENTS,
)

