"""The lesson's toolchain, part 1 (bonus checks): security scanning, load tests, end-to-end
tests, coverage thresholds, quality gates, build tools, artifact publishing, release tooling,
feature flags. Each is recognised where it is configured and wired in — a CI step that would
run, a config file the tool reads, an import in the code — never a word in a README, and
each names the tool it found."""

from __future__ import annotations

import re

from grader.detectors import detector
from grader.detectors.build import live_steps
from grader.evidence import codescan
from grader.evidence.commands import _NOT_RUN, normalise
from grader.model import Finding, Location

_compiled: dict[tuple, re.Pattern] = {}


def _rx(pattern: str) -> re.Pattern:
    rx = _compiled.get(pattern)
    if rx is None:
        rx = _compiled[pattern] = re.compile(pattern)
    return rx


def ci_tools(sub, commands: dict[str, str], actions: dict[str, str] | None = None):
    """[(tool, Location, text)] for CI steps that would run a matching command or action."""
    found = []
    for pipe, _job, _i, step in live_steps(sub, automatic_only=False):
        if step.uses and actions:
            name = step.uses.split("@", 1)[0].lower()
            for prefix, tool in actions.items():
                if name == prefix or name.startswith(prefix + "/"):
                    found.append((tool, Location(pipe.path, step.line), f"uses {step.uses}"))
                    break
        for cmd in step.commands:
            text = normalise(cmd.text)
            if _NOT_RUN.match(text):
                continue  # echo/printf text is not a command
            for pattern, tool in commands.items():
                if _rx(pattern).search(text):
                    found.append((tool, Location(pipe.path, cmd.line), cmd.text))
                    break
    return found


def _names(hits) -> list[str]:
    out: list[str] = []
    for h in hits:
        if h[0] not in out:
            out.append(h[0])
    return out


def _found(what: str, hits, fraction: float = 1.0, extra: str = "") -> Finding:
    names = _names(hits)
    where = hits[0][1]
    return Finding.ratio(fraction, f"{what}: {', '.join(names)} in {where}{extra}",
                         [h[1] for h in hits[:4]], tools=names)


def _text_files(sub, *names: str) -> list[str]:
    wanted = {n.lower() for n in names}
    return [f for f in sub.files if f.rsplit("/", 1)[-1].lower() in wanted]


def _json_file(sub, rel):
    data = sub.json_data(rel)
    return data if isinstance(data, dict) else None


# -- test: security scanning ------------------------------------------------------------------
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


def _dependabot(sub):
    for rel in (".github/dependabot.yml", ".github/dependabot.yaml"):
        if sub.exists(rel):
            doc = (sub.yaml_docs(rel) or [None])[0]
            updates = doc.get("updates") if isinstance(doc, dict) else None
            if isinstance(updates, list) and any(isinstance(u, dict) and u.get("package-ecosystem") for u in updates):
                return ("Dependabot", Location(rel, 1), "updates")
    return None


def _renovate(sub):
    for rel in ("renovate.json", ".github/renovate.json", ".renovaterc", ".renovaterc.json", ".gitlab/renovate.json"):
        if sub.exists(rel):
            data = _json_file(sub, rel)
            if data and (data.get("extends") or data.get("packageRules") or data.get("enabledManagers")):
                return ("Renovate", Location(rel, 1), "config")
    return None


def _gitlab_security_templates(sub):
    text = sub.read_text(".gitlab-ci.yml") if sub.exists(".gitlab-ci.yml") else None
    doc = (sub.yaml_docs(".gitlab-ci.yml") or [None])[0] if text else None
    inc = doc.get("include") if isinstance(doc, dict) else None
    for item in inc if isinstance(inc, list) else ([inc] if inc else []):
        template = item.get("template") if isinstance(item, dict) else None
        if isinstance(template, str) and template.startswith(("Security/", "Jobs/SAST", "Jobs/Dependency-Scanning")):
            return (f"GitLab {template.split('/')[-1].split('.')[0]}", Location(".gitlab-ci.yml", doc.line_of("include")), template)
    return None


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
def security_scan(sub, p):
    hits = ci_tools(sub, _SEC_CMDS, _SEC_ACTIONS)
    hits += [h for h in (_dependabot(sub), _renovate(sub), _gitlab_security_templates(sub)) if h]
    if hits:
        return _found("security scan", hits)
    return Finding.failed("no security scanning in CI and no Dependabot or Renovate config")


# -- test: load tests ----------------------------------------------------------------------------
_LOAD_CI = {r"^k6 run\b": "k6", r"^jmeter\b.*\s-n\b": "JMeter", r"^locust\b.*--headless": "Locust",
            r"^artillery run\b": "Artillery", r"gatling(:test|Run|\.sh)": "Gatling", r"^mvnw? .*gatling:test": "Gatling"}
_LOAD_ACTIONS = {"grafana/k6-action": "k6", "grafana/run-k6-action": "k6", "rbhadti94/apache-jmeter-action": "JMeter",
                 "artilleryio/action-cli": "Artillery"}


def _load_files(sub):
    hits = []
    for rel in sub.files:
        low = rel.lower()
        if low.endswith(".jmx"):
            text = sub.read_text(rel) or ""
            if "<jmeterTestPlan" in text and "ThreadGroup" in text and "Sampler" in text:
                hits.append(("JMeter", Location(rel, 1), rel))
        elif low.endswith((".js", ".ts")) and ("k6" in low or "load" in low or "perf" in low or "/k6/" in low):
            text = sub.read_text(rel) or ""
            if re.search(r"""from\s+['"]k6(/http)?['"]""", text) and re.search(r"export\s+default\s+(async\s+)?function", text):
                hits.append(("k6", Location(rel, 1), rel))
        elif low.endswith(".py") and ("locust" in low or "load" in low or "perf" in low):
            text = sub.read_text(rel) or ""
            if re.search(r"^from locust import|^import locust", text, re.M) and re.search(r"class \w+\((Fast)?HttpUser|User\)", text) and "@task" in text:
                hits.append(("Locust", Location(rel, 1), rel))
        elif low.endswith((".scala", ".java", ".kt")) and "simulation" in low:
            text = sub.read_text(rel) or ""
            if re.search(r"extends\s+Simulation\b|:\s*Simulation\(\)", text) and "setUp(" in text:
                hits.append(("Gatling", Location(rel, 1), rel))
        elif low.endswith((".yml", ".yaml")) and ("artillery" in low or "load" in low or "perf" in low):
            doc = (sub.yaml_docs_quiet(rel) or [None])[0]
            config = doc.get("config") if isinstance(doc, dict) else None
            if isinstance(config, dict) and config.get("target") and isinstance(doc.get("scenarios"), list):
                hits.append(("Artillery", Location(rel, 1), rel))
    return hits


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
def load_test(sub, p):
    files = _load_files(sub)
    ran = ci_tools(sub, _LOAD_CI, _LOAD_ACTIONS)
    if ran:
        return _found("load test run in CI", ran + files)
    if files:
        return _found("load test", files, 0.5, " (not run by CI)")
    return Finding.failed("no load or performance test found (JMeter, Gatling, k6, Locust, Artillery)")


# -- test: end-to-end tests ----------------------------------------------------------------------
_COMMENTS = {"python": re.compile(r"#[^\n]*"), "js": re.compile(r"//[^\n]*|/\*.*?\*/", re.S),
             "go": re.compile(r"//[^\n]*|/\*.*?\*/", re.S), "java": re.compile(r"//[^\n]*|/\*.*?\*/", re.S)}


def _code(sub, rel: str) -> str:
    """A source file's text with its comments blanked (line numbers kept)."""
    text = sub.read_text(rel) or ""
    rx = _COMMENTS.get(codescan.language_of(rel) or "")
    return rx.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text) if rx else text


@detector(
    "e2e-tests",
    title="End-to-end / UI tests",
    looks_for="End-to-end tests that drive the application: Cypress specs (`cypress/e2e` or "
    "`cypress/integration` with `cy.visit`/`cy.get`), Playwright tests (importing `@playwright/test` or "
    "Python's `playwright`, using `page.`), or Selenium WebDriver tests (`driver.get`).",
    why="A few end-to-end tests of the critical paths (add to cart, check out) prove the pieces work "
    "together the way a user sees them.",
)
def e2e_tests(sub, p):
    hits = []
    for rel in sub.files:
        low = rel.lower()
        if codescan.language_of(rel) is None:
            continue
        raw = sub.read_text(rel) or "" if ("cypress/" in low or any(k in low for k in ("e2e", "spec", "test", "ui"))) else ""
        if not any(k in raw for k in ("cy.", "playwright", "selenium", "openqa")):
            continue  # none of the tools is even named: nothing to read closely
        if ("cypress/e2e/" in low or "cypress/integration/" in low) and re.search(r"\.cy\.|\.spec\.|\.js$|\.ts$", low):
            text = _code(sub, rel)
            if re.search(r"\bcy\.(visit|get|request|contains)\(", text):
                hits.append(("Cypress", Location(rel, 1), rel))
                continue
        if any(k in low for k in ("e2e", "spec", "test", "ui")):
            text = _code(sub, rel)
            if re.search(r"""from\s+['"]@playwright/test['"]|from playwright\.(sync|async)_api import""", text) and "page." in text:
                hits.append(("Playwright", Location(rel, 1), rel))
            elif re.search(r"""from selenium import webdriver|require\(['"]selenium-webdriver['"]\)|from ['"]selenium-webdriver['"]|import org\.openqa\.selenium""", text) \
                    and re.search(r"\.get\(|\.findElement|find_element", text):
                hits.append(("Selenium", Location(rel, 1), rel))
    if hits:
        return _found("end-to-end tests", hits)
    return Finding.failed("no end-to-end tests found (Cypress, Playwright, Selenium)")


# -- test: coverage threshold ------------------------------------------------------------------
def _threshold_in_text(sub, rel, pattern, tool):
    text = sub.read_text(rel) or ""
    for m in re.finditer(pattern, text, re.M):
        try:
            value = float(m.group("n"))
        except (IndexError, ValueError):
            continue
        if value > 0:
            return (tool, Location(rel, text.count("\n", 0, m.start()) + 1), f"{value:g}%")
    return None


@detector(
    "coverage-threshold",
    title="Coverage threshold",
    looks_for="A coverage threshold that fails the build: `--cov-fail-under=N` in a CI command or pytest "
    "config, `fail_under` in coverage.py config, Jest's `coverageThreshold`, Vitest `thresholds`, nyc "
    "`check-coverage`, a JaCoCo `<minimum>` rule, or a Codecov `target` — with a value above zero.",
    why="A threshold keeps test coverage from silently eroding: a change that drops it fails fast.",
)
def coverage_threshold(sub, p):
    hits = ci_tools(sub, {r"--cov-fail-under[= ]?[1-9]": "pytest-cov", r"--coverage\.thresholds?\.": "Vitest",
                          r"^nyc .*--check-coverage": "nyc"})
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1].lower()
        hit = None
        if name in ("pytest.ini", "setup.cfg", "tox.ini", "pyproject.toml", ".coveragerc"):
            hit = (_threshold_in_text(sub, rel, r"--cov-fail-under[= ](?P<n>\d+(\.\d+)?)", "pytest-cov")
                   or _threshold_in_text(sub, rel, r"^\s*fail_under\s*=\s*(?P<n>\d+(\.\d+)?)", "coverage.py"))
        elif re.match(r"^(jest|vitest|vite)\.config\.(js|ts|mjs|cjs|json)$", name):
            hit = _threshold_in_text(sub, rel, r"(coverageThreshold|thresholds)\s*:?\s*\{[^}]*?(lines|statements|branches|functions)\s*:\s*(?P<n>\d+)",
                                     "Jest" if name.startswith("jest") else "Vitest")
        elif name == "package.json":
            data = _json_file(sub, rel) or {}
            jest = data.get("jest") if isinstance(data.get("jest"), dict) else {}
            glob = (jest.get("coverageThreshold") or {}).get("global") if isinstance(jest.get("coverageThreshold"), dict) else None
            if isinstance(glob, dict) and any(isinstance(v, (int, float)) and v > 0 for v in glob.values()):
                hit = ("Jest", Location(rel, 1), "coverageThreshold")
        elif name in (".nycrc", ".nycrc.json"):
            data = _json_file(sub, rel) or {}
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
        return _found("coverage threshold", hits)
    return Finding.failed("no coverage threshold that fails the build")


# -- test: quality gate --------------------------------------------------------------------------
@detector(
    "quality-gate",
    title="Code-quality gate (SonarQube / SonarCloud)",
    looks_for="SonarQube or SonarCloud wired in: a CI step that runs the scanner (`sonarsource/*` actions, "
    "`sonar-scanner`, `mvn sonar:sonar`, `gradle sonar`) — full credit — or a `sonar-project.properties` "
    "with a `sonar.projectKey` only — half.",
    why="A quality gate stops code with new bugs, vulnerabilities or untested lines from being merged.",
)
def quality_gate(sub, p):
    ran = ci_tools(sub, {r"^sonar-scanner\b": "SonarQube", r"^(\./)?mvnw? .*sonar:sonar": "SonarQube",
                         r"^(\./)?gradlew? .*\bsonar(qube)?\b": "SonarQube"},
                   {"sonarsource/sonarcloud-github-action": "SonarCloud", "sonarsource/sonarqube-scan-action": "SonarQube",
                    "sonarsource/sonarqube-quality-gate-action": "SonarQube quality gate"})
    props = []
    for rel in _text_files(sub, "sonar-project.properties"):
        text = sub.read_text(rel) or ""
        m = re.search(r"^\s*sonar\.projectKey\s*[=:]\s*\S", text, re.M)
        if m:
            cloud = "sonarcloud.io" in text or "sonar.organization" in text
            props.append(("SonarCloud" if cloud else "SonarQube", Location(rel, text.count("\n", 0, m.start()) + 1), rel))
    if ran:
        return _found("quality gate", ran + props)
    if props:
        return _found("quality gate configured", props, 0.5, " (no CI step runs the scanner)")
    return Finding.failed("no SonarQube/SonarCloud configuration or CI step")


# -- build: build tools and artifact publishing ----------------------------------------------------
def _build_configs(sub):
    hits = []
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1]
        if rel.count("/") > 3:
            continue
        tool = None
        if name == "pom.xml" and "<project" in (sub.read_text(rel) or ""):
            tool = "Maven"
        elif name in ("build.gradle", "build.gradle.kts"):
            tool = "Gradle"
        elif name == "package.json":
            data = _json_file(sub, rel) or {}
            if isinstance(data.get("scripts"), dict) and data["scripts"].get("build"):
                base = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
                tool = "pnpm" if sub.exists(base + "pnpm-lock.yaml") else ("Yarn" if sub.exists(base + "yarn.lock") else "npm")
        elif name == "pyproject.toml" and "[build-system]" in (sub.read_text(rel) or ""):
            tool = "Python build"
        elif name == "go.mod" and re.search(r"^module\s+\S", sub.read_text(rel) or "", re.M):
            tool = "Go"
        elif name in ("Dockerfile", "Containerfile") and re.search(r"^\s*FROM\s+\S", sub.read_text(rel) or "", re.M | re.I):
            tool = "Docker"
        elif name == "project.toml" and re.search(r"^\[(_|io\.buildpacks)", sub.read_text(rel) or "", re.M):
            tool = "Buildpacks"
        if tool:
            hits.append((tool, Location(rel, 1), rel))
    return hits


@detector(
    "build-tooling",
    title="Build tool wired into CI",
    looks_for="A build tool's configuration (Maven `pom.xml`, Gradle, `package.json` with a build script "
    "(npm, Yarn or pnpm), a `pyproject.toml` build system, `go.mod`, a Dockerfile, Buildpacks "
    "`project.toml`) that a CI step uses to build — full credit; the configuration alone — half.",
    why="A declared, automated build is reproducible: anyone (and the pipeline) builds the same artifact "
    "with one command.",
)
def build_tooling(sub, p):
    configs = _build_configs(sub)
    builds = [(_tool_of_build(c.text, step), Location(pipe.path, c.line), c.text)
              for pipe, _j, _i, step in live_steps(sub, automatic_only=True) for c in step.commands_in("build")]
    builds += [("Docker", Location(pipe.path, step.line), step.uses)
               for pipe, _j, _i, step in live_steps(sub, automatic_only=True)
               if step.uses and "build-push-action" in step.uses]
    if builds and configs:
        return _found("build tools", configs + builds)
    if builds:
        return _found("build in CI", builds)
    if configs:
        return _found("build tools configured", configs, 0.5, " (no CI step builds with them)")
    return Finding.failed("no build tool configuration found")


def _tool_of_build(text: str, step) -> str:
    first = normalise(text).split(" ", 1)[0].rsplit("/", 1)[-1]
    return {"mvn": "Maven", "mvnw": "Maven", "gradle": "Gradle", "gradlew": "Gradle", "npm": "npm", "yarn": "Yarn",
            "pnpm": "pnpm", "go": "Go", "docker": "Docker", "podman": "Podman", "pack": "Buildpacks",
            "python": "Python build", "python3": "Python build", "poetry": "Poetry", "uv": "uv",
            "cargo": "Cargo", "dotnet": ".NET"}.get(first, first)


_REGISTRIES = (
    (r"ghcr\.io", "GitHub Container Registry"), (r"\.dkr\.ecr\.[\w-]+\.amazonaws\.com", "Amazon ECR"),
    (r"(^|/)([\w-]+\.)?gcr\.io|-docker\.pkg\.dev", "Google Artifact Registry"), (r"\.azurecr\.io", "Azure Container Registry"),
    (r"registry\.gitlab\.com|\$CI_REGISTRY", "GitLab Container Registry"), (r"quay\.io", "Quay"),
)


def _registry(ref: str) -> str:
    for pattern, name in _REGISTRIES:
        if re.search(pattern, ref):
            return name
    return "Docker Hub" if "/" in ref or ":" in ref else "a container registry"


@detector(
    "artifact-publish",
    title="Artifacts published with a version",
    looks_for="A CI step that publishes the build: `docker push` / `docker/build-push-action` with "
    "`push: true` (the registry is named: GHCR, ECR, GCR, ACR, GitLab, Docker Hub), `npm publish`, "
    "`twine upload` / the PyPI publish action, `mvn deploy` / Gradle `publish` (Nexus, Artifactory), "
    "JFrog CLI uploads. Full credit when the artifact's name carries a commit SHA or a version.",
    why="A versioned artifact in a registry is what gets deployed, and what you roll back to.",
)
def artifact_publish(sub, p):
    from grader.evidence.commands import is_versioned_build

    hits, versioned = [], False
    for pipe, _j, _i, step in live_steps(sub, automatic_only=False):
        if step.uses and step.uses.split("@")[0].lower() == "docker/build-push-action" \
                and str(step.with_.get("push", "")).lower() in ("true", "${{ true }}"):
            tags = str(step.with_.get("tags") or "")
            hits.append((_registry(tags), Location(pipe.path, step.line), step.uses))
            versioned |= "$" in tags or bool(re.search(r":\d+\.\d+", tags))
        if step.uses and step.uses.split("@")[0].lower() == "pypa/gh-action-pypi-publish":
            hits.append(("PyPI", Location(pipe.path, step.line), step.uses))
            versioned = True
        if step.uses and step.uses.split("@")[0].lower().startswith("jfrog/setup-jfrog-cli"):
            continue
        for c in step.commands:
            text = normalise(c.text)
            m = re.match(r"^(docker|podman) (image )?push (\S+)", text)
            if m:
                hits.append((_registry(m.group(3)), Location(pipe.path, c.line), c.text))
                versioned |= is_versioned_build(f"docker build -t {m.group(3)} .")
            elif re.match(r"^npm publish\b", text):
                hits.append(("npm registry", Location(pipe.path, c.line), c.text))
                versioned = True
            elif re.match(r"^(twine upload|poetry publish|uv publish)\b", text):
                hits.append(("PyPI", Location(pipe.path, c.line), c.text))
                versioned = True
            elif re.match(r"^(\./)?mvnw? .*\bdeploy\b|^(\./)?gradlew? .*\bpublish", text):
                pom = sub.read_text("pom.xml") if sub.exists("pom.xml") else ""
                repo = "Artifactory" if "artifactory" in (pom or "").lower() else ("Nexus" if "nexus" in (pom or "").lower() else "Maven repository")
                hits.append((repo, Location(pipe.path, c.line), c.text))
                versioned = True
            elif re.match(r"^jf (rt )?(u|upload)\b", text):
                hits.append(("Artifactory", Location(pipe.path, c.line), c.text))
                versioned = True
    if hits:
        return _found("artifacts published to", hits, 1.0 if versioned else 0.5,
                      "" if versioned else " (with no version or commit SHA in the name)")
    return Finding.failed("no CI step publishes an artifact")


# -- release: release tooling and feature flags ------------------------------------------------------
@detector(
    "release-tooling",
    title="Release tooling",
    looks_for="Releases made by a tool: semantic-release (`.releaserc*`, `release.config.js`, a `release` "
    "key in package.json, or a CI step), release-please (config/manifest or its action), GoReleaser "
    "(`.goreleaser.yml`), changesets (`.changeset/config.json`), or `gh release create` in CI.",
    why="Release tooling turns commits into versions, changelogs and published releases with no "
    "hand-made steps to forget.",
)
def release_tooling(sub, p):
    hits = ci_tools(sub, {r"^(npx )?semantic-release\b": "semantic-release", r"^(npx )?release-please\b": "release-please",
                          r"^goreleaser( release)?\b": "GoReleaser", r"^(npx )?changeset (publish|version)\b": "changesets",
                          r"^gh release create\b": "GitHub CLI releases"},
                    {"cycjimmy/semantic-release-action": "semantic-release",
                     "googleapis/release-please-action": "release-please",
                     "google-github-actions/release-please-action": "release-please",
                     "goreleaser/goreleaser-action": "GoReleaser", "changesets/action": "changesets",
                     "softprops/action-gh-release": "GitHub releases"})
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1].lower()
        if name in (".releaserc", ".releaserc.json", ".releaserc.yml", ".releaserc.yaml", "release.config.js",
                    "release.config.cjs"):
            hits.append(("semantic-release", Location(rel, 1), rel))
        elif name in ("release-please-config.json", ".release-please-manifest.json"):
            hits.append(("release-please", Location(rel, 1), rel))
        elif name in (".goreleaser.yml", ".goreleaser.yaml") and (sub.yaml_docs_quiet(rel) or [None])[0]:
            hits.append(("GoReleaser", Location(rel, 1), rel))
        elif rel == ".changeset/config.json":
            hits.append(("changesets", Location(rel, 1), rel))
        elif name == "package.json" and isinstance((_json_file(sub, rel) or {}).get("release"), dict):
            hits.append(("semantic-release", Location(rel, 1), rel))
    if hits:
        return _found("release tooling", hits)
    return Finding.failed("no release tooling (semantic-release, release-please, GoReleaser, changesets, gh release)")


_FLAG_IMPORTS = {
    "ldclient": "LaunchDarkly", "launchdarkly-node-server-sdk": "LaunchDarkly", "@launchdarkly/": "LaunchDarkly",
    "launchdarkly-js-client-sdk": "LaunchDarkly", "github.com/launchdarkly/": "LaunchDarkly", "com.launchdarkly": "LaunchDarkly",
    "UnleashClient": "Unleash", "unleash-client": "Unleash", "@unleash/": "Unleash", "github.com/Unleash/": "Unleash",
    "io.getunleash": "Unleash", "flagsmith": "Flagsmith", "flagsmith-nodejs": "Flagsmith", "com.flagsmith": "Flagsmith",
    "openfeature": "OpenFeature", "@openfeature/": "OpenFeature", "github.com/open-feature/": "OpenFeature",
    "dev.openfeature": "OpenFeature",
}
_FLAG_FILE = re.compile(r"(^|/)(feature[-_]?flags?|flags|features|toggles)\.(json|ya?ml|toml)$", re.I)


@detector(
    "feature-flags",
    title="Feature flags",
    looks_for="Feature flags the code uses: the LaunchDarkly, Unleash, Flagsmith or OpenFeature SDK "
    "imported in application code, or a flag file (`flags.yaml`, `feature-flags.json`...) that the code "
    "reads by name.",
    why="Flags decouple deployment from release: code ships dark and is switched on for 5%, 50%, 100% "
    "of users — and off again without a redeploy.",
)
def feature_flags(sub, p):
    hits = [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, _FLAG_IMPORTS)]
    flag_files = [f for f in sub.files if _FLAG_FILE.search(f)]
    if flag_files:
        from grader.evidence.testfiles import is_test_path

        for rel in flag_files:
            base = rel.rsplit("/", 1)[-1]
            for sf in codescan.sources(sub):
                if not is_test_path(sf.path) and re.search(r"""['"][^'"\n]*""" + re.escape(base) + r"""['"]""", sf.text):
                    hits.append(("flag file", Location(rel, 1), sf.path))
                    break
    if hits:
        return _found("feature flags", hits)
    return Finding.failed("no feature-flag SDK in the code and no flag file the code reads")
