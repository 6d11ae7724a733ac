"""The lesson's toolchain as bonus evidence: for every detector, the real thing passes and names
the tool, its absence fails, a faked version (a word in a README, a commented or echoed CI step,
an empty config) fails, and each valid alternative form passes."""

from __future__ import annotations

import json

import pytest

from conftest import Repo, run_check


def wf(*steps: str, on: str = "[push]") -> dict:
    body = "".join(f"      - run: {s}\n" if not s.startswith("uses:") else f"      - {s}\n" for s in steps)
    return {".github/workflows/ci.yml": f"on: {on}\njobs:\n  a:\n    runs-on: x\n    steps:\n{body}"}


README_WORDS = {"README.md": "# App\nWe use Snyk, Trivy, k6, Cypress, SonarQube, LaunchDarkly, Argo CD, PagerDuty, "
                "Loki, OpenTelemetry, Prometheus, Sloth, semantic-release, Velero and Terraform.\n"}
COMMENTED = {".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
             "      # - run: trivy fs .\n      - run: echo 'k6 run load.js && snyk test && gh release create v1'\n"
             "      - run: |\n          # semantic-release\n          echo sonar-scanner\n"}

K6 = "import http from 'k6/http';\nimport { check } from 'k6';\nexport default function () {\n  check(http.get('https://x'), {'ok': (r) => r.status === 200});\n}\n"
LOCUST = "from locust import HttpUser, task\n\nclass Shopper(HttpUser):\n    @task\n    def cart(self):\n        self.client.get('/cart')\n"
JMX = '<?xml version="1.0"?>\n<jmeterTestPlan version="1.2"><hashTree><ThreadGroup/><HTTPSamplerProxy/></hashTree></jmeterTestPlan>\n'
GATLING = "class CheckoutSimulation extends Simulation {\n  val scn = scenario(\"x\")\n  setUp(scn.inject(atOnceUsers(10)))\n}\n"
ARTILLERY = "config:\n  target: https://shop.example.com\n  phases: [{duration: 60, arrivalRate: 5}]\nscenarios:\n  - flow: [{get: {url: /cart}}]\n"
ALERTMANAGER = ("route:\n  receiver: oncall\nreceivers:\n  - name: oncall\n    pagerduty_configs:\n"
                "      - routing_key: abc\n  - name: chat\n    slack_configs:\n      - channel: '#ops'\n")

CASES = {
    # kind: (real, tool named, [alternatives], [fakes])
    "security-scan": (
        wf("uses: aquasecurity/trivy-action@0.28.0"), "Trivy",
        [wf("snyk test --severity-threshold=high"), wf("pip install pip-audit", "pip-audit -r requirements.txt"),
         wf("npm audit --audit-level=high"), wf("uses: github/codeql-action/init@v3", "uses: github/codeql-action/analyze@v3"),
         {".github/dependabot.yml": "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n    schedule: {interval: weekly}\n"},
         {"renovate.json": json.dumps({"extends": ["config:recommended"]})},
         wf("docker run -t owasp/zap2docker-stable zap-baseline.py -t https://x"),
         {".gitlab-ci.yml": "include:\n  - template: Security/SAST.gitlab-ci.yml\ntest:\n  script: [pytest]\n"}],
        [README_WORDS, COMMENTED, {".github/dependabot.yml": "version: 2\nupdates: []\n"}, {"renovate.json": "{}"}],
    ),
    "load-test": (
        {"load/checkout.js": K6, **wf("k6 run load/checkout.js")}, "k6",
        [{"perf/locustfile.py": LOCUST, **wf("locust -f perf/locustfile.py --headless -u 10 -t 1m")},
         {"load/plan.jmx": JMX, **wf("jmeter -n -t load/plan.jmx")},
         {"src/test/scala/CheckoutSimulation.scala": GATLING, **wf("mvn gatling:test")},
         {"load/artillery.yml": ARTILLERY, **wf("artillery run load/artillery.yml")}],
        [README_WORDS, COMMENTED, {"load/empty.jmx": "<jmeterTestPlan/>"}, {"load/notk6.js": "console.log('k6 run')\n"}],
    ),
    "e2e-tests": (
        {"cypress/e2e/checkout.cy.js": "describe('checkout', () => {\n  it('pays', () => {\n    cy.visit('/');\n    cy.get('[data-test=pay]').click();\n  });\n});\n"},
        "Cypress",
        [{"e2e/checkout.spec.ts": "import { test, expect } from '@playwright/test';\ntest('pay', async ({ page }) => {\n  await page.goto('/');\n});\n"},
         {"tests/test_ui.py": "from selenium import webdriver\n\ndef test_home():\n    driver = webdriver.Chrome()\n    driver.get('http://localhost')\n"}],
        [README_WORDS, {"cypress/e2e/empty.cy.js": "// cy.visit('/')\n"}],
    ),
    "coverage-threshold": (
        wf("pytest --cov=app --cov-fail-under=80"), "pytest-cov",
        [{"pyproject.toml": "[tool.coverage.report]\nfail_under = 85\n"},
         {"setup.cfg": "[tool:pytest]\naddopts = --cov=app --cov-fail-under=75\n"},
         {"package.json": json.dumps({"jest": {"coverageThreshold": {"global": {"lines": 80}}}})},
         {"jest.config.js": "module.exports = {\n  coverageThreshold: { global: { lines: 90 } },\n};\n"},
         {"codecov.yml": "coverage:\n  status:\n    project:\n      default:\n        target: 80%\n"},
         {"pom.xml": "<project><build><plugin><artifactId>jacoco-maven-plugin</artifactId><minimum>0.80</minimum></plugin></build></project>"}],
        [README_WORDS, {"pyproject.toml": "[tool.coverage.report]\nfail_under = 0\n"}, wf("echo --cov-fail-under=80")],
    ),
    "quality-gate": (
        {"sonar-project.properties": "sonar.projectKey=shop\nsonar.organization=me\n", **wf("uses: sonarsource/sonarcloud-github-action@v2")},
        "SonarCloud",
        [wf("sonar-scanner -Dsonar.projectKey=shop"), wf("./mvnw -B verify sonar:sonar")],
        [README_WORDS, COMMENTED, {"sonar-project.properties": "# sonar.projectKey=shop\n"}],
    ),
    "build-tooling": (
        {"package.json": json.dumps({"scripts": {"build": "vite build"}}), **wf("npm ci", "npm run build")}, "npm",
        [{"pom.xml": "<project><modelVersion>4.0.0</modelVersion></project>", **wf("mvn -B package")},
         {"go.mod": "module example.com/shop\n\ngo 1.22\n", **wf("go build ./...")},
         {"pyproject.toml": "[build-system]\nrequires = ['hatchling']\n", **wf("python -m build")},
         {"Dockerfile": "FROM python:3.12\n", **wf("docker build -t app:$GITHUB_SHA .")}],
        [README_WORDS, COMMENTED, {"package.json": json.dumps({"scripts": {"test": "jest"}})}],
    ),
    "artifact-publish": (
        wf("docker build -t ghcr.io/me/app:${{ github.sha }} .", "docker push ghcr.io/me/app:${{ github.sha }}"),
        "GitHub Container Registry",
        [wf("uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: me/app:${{ github.sha }}"),
         wf("npm publish"), wf("python -m build", "twine upload dist/*"), wf("./mvnw deploy"),
         wf("docker push 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:$GITHUB_SHA")],
        [README_WORDS, COMMENTED, wf("uses: docker/build-push-action@v6\n        with:\n          push: false\n          tags: me/app:1")],
    ),
    "release-tooling": (
        {".releaserc.json": json.dumps({"branches": ["main"]}), **wf("npx semantic-release")}, "semantic-release",
        [{".goreleaser.yaml": "builds:\n  - main: ./cmd/app\n"}, {"release-please-config.json": "{}"},
         {".changeset/config.json": "{}"}, wf("gh release create v1.0.0 --generate-notes"),
         wf("uses: googleapis/release-please-action@v4")],
        [README_WORDS, COMMENTED],
    ),
    "feature-flags": (
        {"app/flags.py": "from openfeature import api\n\nclient = api.get_client()\n"}, "OpenFeature",
        [{"src/flags.js": "const { initialize } = require('unleash-client');\n"},
         {"app/ld.py": "import ldclient\n"},
         {"config/flags.yaml": "new_checkout: false\n", "app/settings.py": "FLAGS = load('config/flags.yaml')\n"},
         {"main.go": "package main\n\nimport (\n\t\"github.com/open-feature/go-sdk/openfeature\"\n)\n"}],
        [README_WORDS, {"config/flags.yaml": "new_checkout: false\n"},
         {"app/x.py": "# import ldclient\nx = 'openfeature'\n"}],
    ),
    "deploy-tooling": (
        {"deploy/app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop}\nspec:\n  source: {repoURL: x, path: k8s}\n  destination: {server: https://kubernetes.default.svc}\n"},
        "Argo CD",
        [{"flux/ks.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: shop}\nspec: {path: ./k8s}\n"},
         {"infra/main.tf": 'resource "aws_instance" "web" {\n  ami = "x"\n}\n'},
         {"ansible/site.yml": "- hosts: web\n  tasks:\n    - name: install\n      apt: {name: nginx}\n"},
         {"docker-compose.yml": "services:\n  web:\n    image: shop:1\n"},
         {"stack.yml": "services:\n  web:\n    image: shop:1\n    deploy: {replicas: 3}\n"},
         {"spinnaker/pipeline.json": json.dumps({"application": "shop", "stages": [{"type": "deployManifest"}]})}],
        [README_WORDS, {"infra/main.tf": "# resource \"aws_instance\" \"web\" {}\n"}, {"docker-compose.yml": "services: {}\n"}],
    ),
    "progressive-delivery": (
        {"k8s/rollout.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: shop}\nspec:\n  strategy:\n    canary:\n      steps: [{setWeight: 20}]\n"},
        "canary (Argo Rollouts)",
        [{"k8s/canary.yaml": "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: shop}\nspec: {analysis: {interval: 1m}}\n"},
         {"k8s/bg.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop-blue}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop-green}\n"},
         {"k8s/vs.yaml": "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: shop}\nspec:\n  http:\n    - route:\n        - {destination: {host: shop, subset: v1}, weight: 90}\n        - {destination: {host: shop, subset: v2}, weight: 10}\n"}],
        [README_WORDS, {"k8s/d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop-blue}\n"}],
    ),
    "alert-routing": (
        {"monitoring/alertmanager.yml": ALERTMANAGER}, "PagerDuty",
        [{"monitoring/am.yml": ALERTMANAGER.replace("pagerduty_configs", "opsgenie_configs")},
         {"k8s/amc.yaml": "apiVersion: monitoring.coreos.com/v1alpha1\nkind: AlertmanagerConfig\nmetadata: {name: a}\nspec:\n  route: {receiver: pd}\n  receivers:\n    - name: pd\n      pagerdutyConfigs: [{routingKey: {name: s, key: k}}]\n"},
         {"k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: am}\ndata:\n  alertmanager.yml: |\n" + "".join("    " + ln + "\n" for ln in ALERTMANAGER.splitlines())}],
        [README_WORDS, {"am.yml": "route:\n  receiver: x\nreceivers: []\n"}],
    ),
    "cloud-autoscaling": (
        {"infra/asg.tf": 'resource "aws_autoscaling_group" "web" {\n  min_size = 2\n  max_size = 6\n}\n'}, "AWS Auto Scaling group",
        [{"infra/ecs.tf": 'resource "aws_appautoscaling_target" "svc" {\n  min_capacity = 1\n  max_capacity = 4\n}\n'},
         {"infra/gce.tf": 'resource "google_compute_autoscaler" "web" {\n  autoscaling_policy {\n    max_replicas = 5\n  }\n}\n'}],
        [README_WORDS, {"infra/asg.tf": 'resource "aws_autoscaling_group" "web" {\n  min_size = 2\n  max_size = 2\n}\n'}],
    ),
    "backups": (
        {"k8s/backup.yaml": "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: db-backup}\nspec:\n  schedule: '0 3 * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: dump\n              image: postgres:16\n              command: [sh, -c]\n              args: ['pg_dump shop | gzip > /backup/shop.sql.gz']\n"},
        "CronJob (pg_dump)",
        [{"k8s/velero.yaml": "apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: daily}\nspec: {schedule: '0 1 * * *'}\n"},
         {"infra/db.tf": 'resource "aws_db_instance" "db" {\n  backup_retention_period = 7\n}\n'},
         wf("pg_dump $DATABASE_URL > dump.sql", on="{schedule: [{cron: '0 3 * * *'}]}")],
        [README_WORDS, {"k8s/cj.yaml": "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: a, image: b, command: [echo, pg_dump]}]\n"}],
    ),
    "incident-docs": (
        {"docs/postmortem-template.md": "# Postmortem\n## Timeline\n## Impact\n## Root cause\n## Action items\n",
         "docs/on-call.md": "# On-call\n" + "The primary on-call engineer carries the pager for one week; the rotation changes on Monday. "
                            "Escalate to the secondary after fifteen minutes, then to the team lead. Handover notes go in the channel.\n"},
        "post-incident review template",
        [],
        [README_WORDS, {"docs/postmortem.md": "# Postmortem\n## Notes\n"}, {"docs/on-call.md": "# On-call\nTBD\n"}],
    ),
    "disruption-budget": (
        {"k8s/pdb.yaml": "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: shop}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: shop}}\n"},
        "PodDisruptionBudget",
        [{"k8s/pdb.yaml": "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: shop}\nspec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: shop}}\n"}],
        [README_WORDS, {"k8s/pdb.yaml": "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: shop}\nspec: {}\n"}],
    ),
    "logging-stack": (
        {"docker-compose.yml": "services:\n  loki:\n    image: grafana/loki:3.0.0\n  promtail:\n    image: grafana/promtail:3.0.0\n"}, "Loki",
        [{"logging/loki.yaml": "schema_config:\n  configs: []\n"},
         {"logging/fluent-bit.conf": "[INPUT]\n    Name tail\n[OUTPUT]\n    Name loki\n"},
         {"docker-compose.yml": "services:\n  es:\n    image: docker.elastic.co/elasticsearch/elasticsearch:8.14.0\n  kb:\n    image: docker.elastic.co/kibana/kibana:8.14.0\n  fd:\n    image: fluent/fluentd:v1.16\n"}],
        [README_WORDS, {"logging/fluent-bit.conf": "# [INPUT]\n# [OUTPUT]\n"}],
    ),
    "tracing": (
        {"app/tracing.py": "from opentelemetry import trace\nfrom opentelemetry.sdk.trace import TracerProvider\n"}, "OpenTelemetry",
        [{"otel/collector.yaml": "receivers: {otlp: {protocols: {grpc: {}}}}\nexporters: {otlp: {endpoint: tempo:4317}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [otlp]}\n"},
         {"docker-compose.yml": "services:\n  jaeger:\n    image: jaegertracing/all-in-one:1.57\n"},
         {"src/trace.ts": "import { NodeSDK } from '@opentelemetry/sdk-node';\n"}],
        [README_WORDS, {"app/x.py": "# from opentelemetry import trace\n"}],
    ),
    "app-metrics": (
        {"app/metrics.py": "from prometheus_client import Counter, start_http_server\nREQUESTS = Counter('requests_total', 'x')\n"},
        "Prometheus client (Python)",
        [{"src/metrics.js": "const client = require('prom-client');\n"},
         {"main.go": "package main\n\nimport \"github.com/prometheus/client_golang/prometheus/promhttp\"\n"},
         {"app/server.py": "def route(path):\n    if path == '/metrics':\n        return render()\n"}],
        [README_WORDS, {"tests/test_metrics.py": "from prometheus_client import Counter\n"},
         {"k8s/svc.yaml": "path: /metrics\n"}],
    ),
    "slo": (
        {"slo/shop.yaml": "version: prometheus/v1\nservice: shop\nslos:\n  - name: availability\n    objective: 99.5\n"}, "Sloth",
        [{"slo/openslo.yaml": "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: shop}\nspec: {objectives: [{target: 0.995}]}\n"},
         {"k8s/pyrra.yaml": "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: shop}\nspec: {target: '99.5', window: 4w}\n"},
         {"docs/slo.md": "# Reliability\n## SLOs\n99.5% of checkout requests succeed over a rolling 30 days window.\n"}],
        [README_WORDS, {"docs/slo.md": "# Reliability\n## SLOs\nWe want it to be reliable.\n"}],
    ),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_real_thing_passes_and_names_the_tool(kind, check):
    real, tool, _alts, _fakes = CASES[kind]
    finding = check(real, kind)
    assert finding.status == "pass", finding.message
    assert tool in finding.tools and tool in finding.message
    assert finding.evidence


@pytest.mark.parametrize("kind", list(CASES))
def test_absence_fails(kind, check):
    finding = check({"app.py": "x = 1\n"}, kind)
    assert finding.status == "fail" and not finding.tools


@pytest.mark.parametrize("kind,index", [(k, i) for k, v in CASES.items() for i in range(len(v[3]))])
def test_faked_versions_fail(kind, index, check):
    finding = check(CASES[kind][3][index], kind)
    assert finding.status == "fail", finding.message


@pytest.mark.parametrize("kind,index", [(k, i) for k, v in CASES.items() for i in range(len(v[2]))])
def test_alternative_forms_pass(kind, index, check):
    finding = check(CASES[kind][2][index], kind)
    assert finding.status == "pass", (kind, index, finding.message)


def test_partial_forms(check):
    assert check({"load/checkout.js": K6}, "load-test").status == "partial"  # not run in CI
    assert check({"sonar-project.properties": "sonar.projectKey=x\n"}, "quality-gate").status == "partial"
    assert check({"package.json": json.dumps({"scripts": {"build": "tsc"}})}, "build-tooling").status == "partial"
    assert check(wf("docker push me/app:latest"), "artifact-publish").status == "partial"  # no version
    chat_only = ALERTMANAGER.replace("pagerduty_configs", "email_configs")
    assert check({"am.yml": chat_only}, "alert-routing").status == "partial"
    half = check({"docs/postmortem.md": CASES["incident-docs"][0]["docs/postmortem-template.md"]}, "incident-docs")
    assert half.status == "partial"


def test_issue_links(repo):
    repo.commit("Plan the reminders (SHOP-12)", {"a.md": "x"})
    assert run_check(repo.path, "issue-links").status == "partial"
    repo.commit("Add the scheduler, closes #4", {"b.py": "x"})
    repo.commit("Add discount codes for SHOP-13", {"c.py": "x"})
    repo.commit("Add the pull-request template", {".github/pull_request_template.md": "## Summary\nCloses #\n"})
    finding = run_check(repo.path, "issue-links")
    assert finding.status == "pass" and "Jira" in finding.tools
    other = Repo(repo.path.parent / "plain")
    other.commit("Add the scheduler", {"b.py": "x"})
    assert run_check(other.path, "issue-links").status == "fail"


def test_bonus_never_enters_a_phase_and_caps_the_total(tmp_path):
    from grader import rubric
    from grader.scoring import grade

    files = {**CASES["security-scan"][0], **CASES["alert-routing"][0], **CASES["slo"][0]}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    report = grade(tmp_path, rubric.load("devops-loop"))
    phases = {p.id: p for p in report.phases}
    assert phases["test"].bonus_score == 1 and phases["test"].score == sum(c.score for c in phases["test"].checks if not c.bonus)
    assert "Trivy" in phases["test"].bonus_found
    assert report.score == round(sum(p.score for p in report.phases) + report.bonus_score, 2)
    assert report.bonus_applied == 3
    data = report.to_dict()
    assert data["bonus"] == {"score": 3.0, "max_score": 21.0, "applied": 3.0}
    assert data["schema_version"] == "1.1"
