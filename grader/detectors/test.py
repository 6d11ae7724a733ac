"""Test: test files with real assertions, and a pipeline that runs them."""

from __future__ import annotations

import re

from grader.detectors import Params, detector
from grader.detectors.common import found, plural
from grader.evidence import buildfiles, testfiles, testtools
from grader.evidence.ci import no_pipeline_message, read_pipelines
from grader.evidence.ci.queries import (
    only_guessed,
    step_evidence,
    step_with,
    tool_steps,
    where_it_belongs,
)
from grader.evidence.resolve import folder_of
from grader.evidence.shell import normalise, unwrap
from grader.model import Finding, Location
from grader.patterns import lazy
from grader.submission import Submission
from grader.yamlload import mapping


def _summary(files):
    real = sum(len(f.real_tests) for f in files)
    total = sum(len(f.tests) for f in files)
    langs = sorted({f.language for f in files if f.real_tests})
    return real, total, langs


@detector(
    "test-files",
    title="Tests with real assertions",
    looks_for="At least `min_tests` test functions that each hold a real assertion: pytest and "
    "unittest (read with Python's `ast`), Jest/Mocha/Vitest, Go, JUnit, RSpec and bats test "
    "files. Trivially true assertions (`assert True`, `expect(true).toBe(true)`, "
    "`assertTrue(true)`) and empty tests don't count.",
    why="Automated tests are the safety net that lets every commit flow to production: only an "
    "assertion that can fail tests anything.",
    params={"min_tests": {"type": "integer", "minimum": 1, "maximum": 10000}},
    defaults={"min_tests": 3},
)
def test_files(sub: Submission, p: Params) -> Finding:
    files = testfiles.scan(sub)
    real, total, langs = _summary(files)
    evidence = testfiles.locations(files)
    if not files:
        return Finding.failed("no test files found (e.g. tests/test_*.py, *.test.js, *_test.go)")
    if real == 0:
        where = [Location(f.path, f.tests[0][1] if f.tests else 1) for f in files[:3]]
        return Finding.failed(
            f"{plural(len(files), 'test file')} with {plural(total, 'test')}, but none asserts "
            "anything that can fail (trivial or missing assertions)",
            where,
        )
    return Finding.ratio(
        real / p["min_tests"],
        f"{plural(real, 'test')} with real assertions ({', '.join(langs)}) in "
        f"{plural(len([f for f in files if f.real_tests]), 'file')}"
        + (f"; {total - real} without a real assertion" if total > real else ""),
        evidence,
    )


@detector(
    "ci-runs-tests",
    title="Pipeline runs the tests",
    looks_for="A step of an automatic pipeline that runs a test command (`pytest`, `npm test`, "
    "`go test`, `mvn test`, `gradle test`, `rspec`, `bats`, `node --test`...), directly or through a "
    "Makefile target, a package.json script, a script, a local action, the RUN lines of an image "
    "build (`docker build --target test`) or what an image built here starts when it is run (`docker run`, "
    "`docker compose run`/`up --exit-code-from`: its ENTRYPOINT and CMD or the service's `command:`, seeing "
    "only the folder the image is built from) — and real tests of its own ecosystem behind it: "
    "`npm test` with only Python tests in the repository, or a test command with no tests to run, "
    "doesn't count; nor does one whose failure is ignored (`|| true`) or told to skip the tests "
    "(`-DskipTests`). A job that calls another repository's workflow or action named for testing "
    "(`org/shared/.github/workflows/unit-tests.yml@v2`) or given a test command counts, the repository's "
    "real tests behind it (the called file is never fetched); one named only generically (`ci.yml`: CI "
    "run elsewhere) earns `elsewhere_credit`.",
    why="Tests that never run in CI protect nothing; fast feedback means every push runs them "
    "and a failure stops the pipeline.",
    params={"elsewhere_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"elsewhere_credit": 0.5},
)
def ci_runs_tests(sub: Submission, p: Params) -> Finding:
    if not read_pipelines(sub):
        return Finding.failed(no_pipeline_message(sub))
    hits = list(step_with(read_pipelines(sub), "test"))
    files = testfiles.scan(sub)
    real, total, _ = _summary(files)
    if not hits:
        if real:
            return Finding.failed(f"{plural(real, 'real test')} exist, but no automatic pipeline step runs them",
                                  where_it_belongs(read_pipelines(sub)))
        return Finding.failed("no automatic pipeline step runs tests", where_it_belongs(read_pipelines(sub)))
    by_language: dict[str, int] = {}
    for f in files:
        by_language[f.language] = by_language.get(f.language, 0) + len(f.real_tests)
    unmatched = guessed = None
    for pipe, job, _, step in hits:
        for cmd in step.commands_in("test") or [None]:
            where, what = (cmd.at(pipe.path), cmd.text) if cmd else step_evidence(pipe, step, "test")
            langs = _ecosystem(what)  # the tests this runner runs, from where it runs
            folder = folder_of(cmd) if cmd else None
            behind = sum(len(f.real_tests) for f in files if (langs is None or f.language in langs)
                         and (not folder or f.path.startswith(folder + "/")))
            if behind and only_guessed(step, "test"):  # CI run in another repository, named generically
                guessed = guessed or (job, where, what, behind)
                continue
            if behind:
                said = f" {what.removeprefix('runs ')}" if what.startswith("runs in ") else f": {what}"
                return Finding.passed(f"job `{job.id}` runs the tests{said} ({plural(behind, 'real test')})", [where])
            unmatched = unmatched or (job, where, what, langs, folder)
    if guessed:
        job, where, what, behind = guessed
        return Finding.ratio(p["elsewhere_credit"], f"job `{job.id}` {what}, which may run the "
                             f"{plural(behind, 'real test')} — nothing it names or is given says it tests: run the "
                             "tests in a step of this repository (or call a workflow that says it tests)", [where])
    assert unmatched is not None  # every step that tests has a command or an action that does
    job, where, what, langs, folder = unmatched
    if real and folder:
        return Finding.failed(f"job `{job.id}` runs `{what}` in `{folder}/`, but there are no real tests there to run "
                              f"(the {plural(real, 'real test')} of the repository are elsewhere)", [where])
    if real and langs:
        others = ", ".join(sorted(lang for lang, n in by_language.items() if n))
        return Finding.failed(f"job `{job.id}` runs `{what}`, but there are no real {'/'.join(sorted(langs))} tests behind "
                              f"it (the real tests are {others}, and nothing runs them)", [where])
    return Finding.failed(f"job `{job.id}` runs `{what}`, but there are no real tests behind it", [where])


# Which test files a runner runs (None: any, e.g. make check or a runner we don't place).
_ECOSYSTEMS = (
    (lazy(r"^(?:python\d?(?:\.\d+)? -m (?:pytest|unittest)|pytest|py\.test|tox|nox|(?:\./)?manage\.py test)\b"), {"python"}),
    (lazy(r"^(?:npm|yarn|pnpm|bun|npx|jest|vitest|mocha|ava|tape|node|deno|react-scripts|react-app-rewired|"
                r"craco|ng|vue-cli-service|karma|playwright|cypress|nx|turbo|lerna|gulp|grunt)\b"), {"javascript"}),
    (lazy(r"^go (?:test|vet)\b"), {"go"}),
    (lazy(r"^(?:\./)?(?:mvnw?|gradlew?|ant)\b"), {"java"}),
    (lazy(r"^cargo\b"), {"rust"}),
    (lazy(r"^(?:rspec|rake|bundle exec (?:rspec|rake))\b"), {"ruby"}),
    (lazy(r"^bats\b"), {"bats", "shell"}),
    (lazy(r"^newman\b"), {"postman"}),
    (lazy(r"^(?:\S*/)?(?:phpunit|pest)\b|^php (?:artisan test|\S*/(?:phpunit|pest))\b|^composer (?:run-script )?test\b"),
     {"php"}),
)


def _ecosystem(text: str) -> set[str] | None:
    # what a runner starts decides first (`npx newman run` runs Postman tests, not JavaScript's)
    for candidate in (unwrap(text), normalise(text)):
        for rx, langs in _ECOSYSTEMS:
            if rx.match(candidate):
                return langs
    return None


_SEC_CMDS = {
    r"^snyk (test|monitor|code test|container test|iac test)\b": "Snyk",
    r"^trivy (image|fs|repo|config|k8s|filesystem|rootfs|sbom)\b": "Trivy",
    r"^grype\b": "Grype",
    r"^pip-audit\b": "pip-audit",
    r"^npm audit\b": "npm audit",
    r"^(yarn|pnpm) (npm )?audit\b": "yarn/pnpm audit",
    r"^(zap-(baseline|full-scan|api-scan)\.py)\b|owasp/zap|zaproxy/zap": "OWASP ZAP",
    r"^bandit\b": "Bandit",
    r"^gosec\b": "gosec",
    r"^semgrep (ci|scan|--config)": "Semgrep",
    r"^safety (check|scan)\b": "Safety",
    r"^osv-scanner\b": "OSV-Scanner",
    r"^(checkov|tfsec)\b": "IaC scanning",
    r"^dependency-check(\.sh)?\b": "OWASP Dependency-Check",
}


_SEC_ACTIONS = {
    "snyk/actions": "Snyk", "aquasecurity/trivy-action": "Trivy", "anchore/scan-action": "Grype",
    "pypa/gh-action-pip-audit": "pip-audit", "github/codeql-action/init": "CodeQL",
    "github/codeql-action/analyze": "CodeQL", "zaproxy/action-baseline": "OWASP ZAP",
    "zaproxy/action-full-scan": "OWASP ZAP", "zaproxy/action-api-scan": "OWASP ZAP",
    "returntocorp/semgrep-action": "Semgrep", "semgrep/semgrep-action": "Semgrep",
    "securego/gosec": "gosec", "actions/dependency-review-action": "Dependency review",
    "dependency-check/dependency-check_action": "OWASP Dependency-Check",
}


def _security_templates(pipes):
    """Vendor security templates a pipeline includes (GitLab's ``Security/SAST.gitlab-ci.yml``...)."""
    for pipe in pipes:
        for template, line in pipe.templates:
            if template.startswith(("Security/", "Jobs/SAST", "Jobs/Dependency-Scanning")):
                yield (f"GitLab {template.split('/')[-1].split('.')[0]}", Location(pipe.path, line), template)
                return


@detector(
    "security-scan",
    title="Security scanning",
    looks_for="A security scan wired in: a CI step that runs Snyk, OWASP ZAP, Trivy, Grype, pip-audit, "
    "npm audit, Bandit, gosec, Semgrep, CodeQL (`github/codeql-action`) or GitLab's security templates; "
    "or dependency updates configured with Dependabot (`.github/dependabot.yml` with `updates`) or "
    "Renovate (`renovate.json`).",
    why="Shifting security left: known vulnerabilities in your code and dependencies are caught on "
    "every change, not in production.",
)
def security_scan(sub: Submission, p: Params) -> Finding:
    hits = tool_steps(read_pipelines(sub), _SEC_CMDS, _SEC_ACTIONS)
    hits += [h for h in (buildfiles.dependabot(sub), buildfiles.renovate(sub), *_security_templates(read_pipelines(sub))) if h]
    if hits:
        return found("security scan", hits)
    return Finding.failed("no security scanning in CI and no Dependabot or Renovate config")


_LOAD_CI = {r"^k6 run\b": "k6", r"^jmeter\b.*\s-n\b": "JMeter", r"^locust\b.*--headless": "Locust",
            r"^artillery run\b": "Artillery", r"gatling(:test|Run|\.sh)": "Gatling", r"^mvnw? .*gatling:test": "Gatling"}


_LOAD_ACTIONS = {"grafana/k6-action": "k6", "grafana/run-k6-action": "k6", "rbhadti94/apache-jmeter-action": "JMeter",
                 "artilleryio/action-cli": "Artillery"}


@detector(
    "load-test",
    title="Load and performance tests",
    looks_for="A load test that can run: a JMeter test plan (`.jmx` with a thread group and samplers), a "
    "Gatling simulation, a k6 script (imports `k6/http`, exports a default function), a Locust file "
    "(an `HttpUser` with `@task`s) or an Artillery scenario (`config.target` + `scenarios`). Full "
    "credit when CI runs it (`k6 run`, `jmeter -n`, `locust --headless`, `artillery run`, Gatling), "
    "half when it only exists.",
    why="Performance tests tell you the checkout still answers in 500 ms at 1,000 requests a second "
    "before your users find out it doesn't.",
)
def load_test(sub: Submission, p: Params) -> Finding:
    files = testtools.load_test_files(sub)
    ran = tool_steps(read_pipelines(sub), _LOAD_CI, _LOAD_ACTIONS)
    if ran:
        return found("load test run in CI", ran + files)
    if files:
        return found("load test", files, 0.5, " (not run by CI)")
    return Finding.failed("no load or performance test found (JMeter, Gatling, k6, Locust, Artillery)")


@detector(
    "e2e-tests",
    title="End-to-end / UI tests",
    looks_for="End-to-end tests that drive the application: Cypress specs (`cypress/e2e` or "
    "`cypress/integration` with `cy.visit`/`cy.get`), Playwright tests (importing `@playwright/test` or "
    "Python's `playwright`, using `page.`), or Selenium WebDriver tests (`driver.get`).",
    why="A few end-to-end tests of the critical paths (add to cart, check out) prove the pieces work "
    "together the way a user sees them.",
)
def e2e_tests(sub: Submission, p: Params) -> Finding:
    hits = testtools.e2e_test_files(sub)
    if hits:
        return found("end-to-end tests", hits)
    return Finding.failed("no end-to-end tests found (Cypress, Playwright, Selenium)")


def _threshold_in_text(sub: Submission, rel, pattern, tool):
    text = sub.read_text(rel) or ""
    for m in re.finditer(pattern, text, re.M):
        try:
            value = float(m.group("n"))
        except (IndexError, ValueError):
            continue
        if value > 0:
            return (tool, Location(rel, text.count("\n", 0, m.start()) + 1), f"{value:g}%")
    return None


# the files coverage-threshold reads, by name (any folder)
_COVERAGE_CONFIGS = ("pytest.ini", "setup.cfg", "tox.ini", "pyproject.toml", ".coveragerc", "package.json", ".nycrc",
                     ".nycrc.json", "pom.xml", "codecov.yml", ".codecov.yml",
                     *(f"{tool}.config.{ext}" for tool in ("jest", "vitest", "vite")
                       for ext in ("js", "ts", "mjs", "cjs", "json")))


@detector(
    "coverage-threshold",
    title="Coverage threshold",
    looks_for="A coverage threshold that fails the build: `--cov-fail-under=N` in a CI command or pytest "
    "config, `fail_under` in coverage.py config, Jest's `coverageThreshold`, Vitest `thresholds`, nyc "
    "`check-coverage`, a JaCoCo `<minimum>` rule, or a Codecov `target` — with a value above zero.",
    why="A threshold keeps test coverage from silently eroding: a change that drops it fails fast.",
)
def coverage_threshold(sub: Submission, p: Params) -> Finding:
    hits = tool_steps(read_pipelines(sub), {r"--cov-fail-under[= ]?[1-9]": "pytest-cov", r"--coverage\.thresholds?\.": "Vitest",
                          r"^nyc .*--check-coverage": "nyc"})
    for rel in sub.named(*_COVERAGE_CONFIGS):
        name = rel.rsplit("/", 1)[-1].lower()
        hit = None
        if name in ("pytest.ini", "setup.cfg", "tox.ini", "pyproject.toml", ".coveragerc"):
            hit = (_threshold_in_text(sub, rel, r"--cov-fail-under[= ](?P<n>\d+(\.\d+)?)", "pytest-cov")
                   or _threshold_in_text(sub, rel, r"^\s*fail_under\s*=\s*(?P<n>\d+(\.\d+)?)", "coverage.py"))
        elif re.match(r"^(jest|vitest|vite)\.config\.(js|ts|mjs|cjs|json)$", name):
            hit = _threshold_in_text(sub, rel, r"(coverageThreshold|thresholds)\s*:?\s*\{[^}]*?(lines|statements|branches|functions)\s*:\s*(?P<n>\d+)",
                                     "Jest" if name.startswith("jest") else "Vitest")
        elif name == "package.json":
            data = sub.json_object(rel) or {}
            jest = mapping(data.get("jest"))
            glob = (jest.get("coverageThreshold") or {}).get("global") if isinstance(jest.get("coverageThreshold"), dict) else None
            if isinstance(glob, dict) and any(isinstance(v, (int, float)) and v > 0 for v in glob.values()):
                hit = ("Jest", Location(rel, 1), "coverageThreshold")
        elif name in (".nycrc", ".nycrc.json"):
            data = sub.json_object(rel) or {}
            if data.get("check-coverage") and any(isinstance(data.get(k), (int, float)) and data[k] > 0 for k in ("lines", "statements", "branches")):
                hit = ("nyc", Location(rel, 1), "check-coverage")
        elif name == "pom.xml":
            text = sub.read_text(rel) or ""
            if "jacoco" in text and re.search(r"<minimum>\s*0?\.\d*[1-9]", text):
                hit = ("JaCoCo", Location(rel, 1), "minimum")
        elif name in ("codecov.yml", ".codecov.yml"):
            hit = _threshold_in_text(sub, rel, r"^\s*target:\s*(?P<n>\d+(\.\d+)?)%?", "Codecov")
        if hit:
            hits.append(hit)
    if hits:
        return found("coverage threshold", hits)
    return Finding.failed("no coverage threshold that fails the build")


@detector(
    "quality-gate",
    title="Code-quality gate (SonarQube / SonarCloud)",
    looks_for="SonarQube or SonarCloud wired in: a CI step that runs the scanner (`sonarsource/*` actions, "
    "`sonar-scanner`, `mvn sonar:sonar`, `gradle sonar`) — full credit — or a `sonar-project.properties` "
    "with a `sonar.projectKey` only — half.",
    why="A quality gate stops code with new bugs, vulnerabilities or untested lines from being merged.",
)
def quality_gate(sub: Submission, p: Params) -> Finding:
    ran = tool_steps(read_pipelines(sub), {r"^sonar-scanner\b": "SonarQube", r"^(\./)?mvnw? .*sonar:sonar": "SonarQube",
                         r"^(\./)?gradlew? .*\bsonar(qube)?\b": "SonarQube"},
                   {"sonarsource/sonarcloud-github-action": "SonarCloud", "sonarsource/sonarqube-scan-action": "SonarQube",
                    "sonarsource/sonarqube-quality-gate-action": "SonarQube quality gate"})
    props = []
    for rel in sub.named("sonar-project.properties"):
        text = sub.read_text(rel) or ""
        m = re.search(r"^\s*sonar\.projectKey\s*[=:]\s*\S", text, re.M)
        if m:
            cloud = "sonarcloud.io" in text or "sonar.organization" in text
            props.append(("SonarCloud" if cloud else "SonarQube", Location(rel, text.count("\n", 0, m.start()) + 1), rel))
    if ran:
        return found("quality gate", ran + props)
    if props:
        return found("quality gate configured", props, 0.5, " (no CI step runs the scanner)")
    return Finding.failed("no SonarQube/SonarCloud configuration or CI step")

