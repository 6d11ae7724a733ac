"""File-based detectors: plan templates, test files, changelog, manifests, alerts, dashboards,
runbooks — real, absent, faked, and other valid forms."""

from __future__ import annotations

import json

import pytest

# -- plan --------------------------------------------------------------------------------
ISSUE = """---
name: Feature
about: plan a feature
---
## Problem
Who is affected and what hurts today?
## Acceptance criteria
- [ ] outcome one
"""


def test_issue_templates(check):
    assert check({".github/ISSUE_TEMPLATE/feature.md": ISSUE}, "issue-templates").status == "pass"
    assert check({"README.md": "x"}, "issue-templates").status == "fail"
    empty = check({".github/ISSUE_TEMPLATE/feature.md": "---\nname: x\n---\n\n"}, "issue-templates")
    assert empty.status == "fail" and "empty" in empty.message
    form = """
    name: Bug
    description: report a bug
    body:
      - type: textarea
        attributes: {label: What happened?}
    """
    assert check({".github/ISSUE_TEMPLATE/bug.yml": form}, "issue-templates").status == "pass"
    assert check({".gitlab/issue_templates/feature.md": ISSUE}, "issue-templates").status == "pass"


def test_pr_template(check):
    body = "## What changed\n\n## How was it tested\nDescribe the tests you ran and how to roll back.\n"
    assert check({".github/pull_request_template.md": body}, "pr-template").status == "pass"
    assert check({".github/PULL_REQUEST_TEMPLATE/default.md": body}, "pr-template").status == "pass"
    assert check({".gitlab/merge_request_templates/Default.md": body}, "pr-template").status == "pass"
    assert check({".github/pull_request_template.md": "## TODO\n"}, "pr-template").status == "fail"
    assert check({}, "pr-template").status == "fail"


def test_codeowners(check):
    assert check({".github/CODEOWNERS": "* @org/team\n"}, "codeowners").status == "pass"
    assert check({"CODEOWNERS": "docs/ dev@example.com\n"}, "codeowners").status == "pass"
    assert check({".github/CODEOWNERS": "# * @org/team\n*\n"}, "codeowners").status == "fail"
    assert check({}, "codeowners").status == "fail"


def test_acceptance_criteria(check):
    plan = "# Plan\n## Acceptance criteria\n- Reminder sent after one day\n- Code valid two days\n"
    assert check({"docs/plan.md": plan}, "acceptance-criteria").status == "pass"
    gherkin = "# Plan\n## Acceptance Criteria\nGiven an abandoned cart\nWhen a day passes\nThen a reminder is sent\n"
    assert check({"PLAN.md": gherkin}, "acceptance-criteria").status == "pass"
    assert check({"docs/plan.md": "# Plan\nWe will build it.\n"}, "acceptance-criteria").status == "fail"
    fake = "# Plan\n## Acceptance criteria\n- [Your answer]\n- TODO\n"
    assert check({"docs/plan.md": fake}, "acceptance-criteria").status == "fail"


def test_instructions_for_ai_assistants_are_not_the_projects_documents(check):
    plan = "# Plan\n## Acceptance criteria\n- Reminder sent after one day\n- Code valid two days\n"
    for where in ("CLAUDE.md", "AGENTS.md", ".agent/skills/planning/SKILL.md", ".cursor/rules/plan.md",
                  ".github/copilot-instructions.md", ".github/instructions/plan.instructions.md"):
        assert check({where: plan}, "acceptance-criteria").status == "fail", where
    assert check({"docs/agents-overview.md": plan}, "acceptance-criteria").status == "pass"
    assert check({"docs/claude/plan.md": plan}, "acceptance-criteria").status == "pass"


# -- test files ------------------------------------------------------------------------------
REAL_PY = """
import pytest
from app import add

def test_add():
    assert add(1, 2) == 3

def test_raises():
    with pytest.raises(ValueError):
        add("a", None)

class TestMore:
    def test_neg(self):
        assert add(-1, 1) == 0
"""

FAKE_PY = """
import unittest

def test_nothing():
    assert True

def test_one():
    assert 1

def test_const_compare():
    assert 1 == 1

def test_empty():
    pass

class T(unittest.TestCase):
    def test_true(self):
        self.assertTrue(True)
"""


def test_python_tests_real(check):
    finding = check({"tests/test_app.py": REAL_PY}, "test-files")
    assert finding.status == "pass", finding.message
    assert finding.evidence[0].path == "tests/test_app.py"


def test_python_tests_fake(check):
    finding = check({"tests/test_app.py": FAKE_PY}, "test-files")
    assert finding.status == "fail"
    assert "none asserts" in finding.message


def test_no_tests(check):
    assert check({"app.py": "def add(a, b): return a + b\n"}, "test-files").status == "fail"


def test_unittest_real(check):
    src = "import unittest\nclass T(unittest.TestCase):\n    def test_a(self):\n        self.assertEqual(f(2), 4)\n"
    assert check({"tests/test_u.py": src}, "test-files", {"min_tests": 1}).status == "pass"


@pytest.mark.parametrize("path,real,fake", [
    ("src/sum.test.js", "test('adds', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n",
     "test('adds', () => {\n  expect(true).toBe(true);\n});\n// expect(sum(1,2)).toBe(3)\n"),
    ("src/sum.spec.ts", "describe('x', () => {\n  it('adds', () => {\n    assert.equal(sum(1, 2), 3);\n  });\n});\n",
     "it('adds', () => {\n});\n"),
    ("sum_test.go", "package x\nimport \"testing\"\nfunc TestSum(t *testing.T) {\n\tif Sum(1, 2) != 3 {\n\t\tt.Errorf(\"bad\")\n\t}\n}\n",
     "package x\nimport \"testing\"\nfunc TestSum(t *testing.T) {\n\t// t.Errorf(\"bad\")\n}\n"),
    ("src/test/java/SumTest.java", "class SumTest {\n  @Test\n  void adds() {\n    assertEquals(3, Sum.add(1, 2));\n  }\n}\n",
     "class SumTest {\n  @Test\n  void adds() {\n    assertTrue(true);\n  }\n}\n"),
    # Kotlin JUnit: backtick names, reified assertThrows, MockK verify blocks
    ("src/test/kotlin/shop/CartServiceTest.kt",
     "class CartServiceTest {\n  @Test\n  fun `reminder is sent after a day`() {\n"
     "    assertEquals(1, service.remind(cart).size)\n  }\n  @Test\n  fun `an empty cart is refused`() {\n"
     "    assertThrows<IllegalStateException> { service.remind(empty) }\n  }\n  @Test\n"
     "  fun `the mailer is called`() {\n    service.remind(cart)\n    verify { mailer.send(any()) }\n  }\n}\n",
     "class CartServiceTest {\n  @Test\n  fun `reminder is sent after a day`() {\n    assertTrue(true)\n  }\n}\n"),
    # PHPUnit (test methods, /** @test */) and Pest
    ("tests/Unit/CartTest.php",
     "<?php\nclass CartTest extends TestCase\n{\n    public function test_total_adds_items(): void\n    {\n"
     "        $this->assertSame(3, (new Cart())->add(1)->add(2)->total());\n    }\n    /** @test */\n"
     "    public function it_rejects_a_negative_quantity()\n    {\n"
     "        $this->expectException(InvalidArgumentException::class);\n        (new Cart())->add(-1);\n    }\n}\n",
     "<?php\nclass CartTest extends TestCase\n{\n    public function test_total()\n    {\n"
     "        $this->assertTrue(true);\n    }\n}\n"),
    ("tests/Feature/HomeTest.php", "<?php\ntest('home page loads', function () {\n    $this->get('/')->assertStatus(200);\n});\n",
     "<?php\ntest('home page loads', function () {\n    $this->get('/');\n});\n"),
    # Cypress 10+ specs (.cy.js) with its should() assertions
    ("cypress/e2e/login.cy.js", "describe('login', () => {\n  it('shows the form', () => {\n    cy.visit('/login');\n"
     "    cy.get('form').should('be.visible');\n  });\n});\n",
     "describe('login', () => {\n  it('shows the form', () => {\n    cy.visit('/login');\n  });\n});\n"),
    # the xUnit template's file name
    ("Shop.Tests/UnitTest1.cs", "public class UnitTest1\n{\n    [Fact]\n    public void Adds()\n    {\n"
     "        Assert.Equal(3, Calc.Add(1, 2));\n    }\n}\n",
     "public class UnitTest1\n{\n    [Fact]\n    public void Test1()\n    {\n    }\n}\n"),
    ("spec/sum_spec.rb", "describe Sum do\n  it 'adds' do\n    expect(Sum.add(1, 2)).to eq(3)\n  end\nend\n",
     "describe Sum do\n  it 'adds' do\n    expect(true).to eq(true)\n  end\nend\n"),
    ("test/sum.bats", "@test \"adds\" {\n  run ./sum 1 2\n  [ \"$output\" = \"3\" ]\n}\n",
     "@test \"adds\" {\n  [ 1 ]\n}\n"),
])
def test_other_languages(check, path, real, fake):
    assert check({path: real}, "test-files", {"min_tests": 1}).status == "pass"
    assert check({path: fake}, "test-files", {"min_tests": 1}).status == "fail"


def test_partial_when_few_tests(check):
    one = "def test_a():\n    assert f() == 1\n"
    assert check({"tests/test_a.py": one}, "test-files", {"min_tests": 3}).status == "partial"


def test_broken_python_test_file_is_reported_not_crashed(check):
    finding = check({"tests/test_bad.py": "def test_(:\n"}, "test-files")
    assert finding.status == "fail"


# -- changelog -----------------------------------------------------------------------------
def test_changelog(check):
    good = "# Changelog\n## [1.1.0] - 2026-01-02\n- Added alerts\n## [1.0.0] - 2026-01-01\n- First release\n"
    assert check({"CHANGELOG.md": good}, "changelog").status == "pass"
    assert check({"docs/RELEASE_NOTES.md": "## v2.0.0\n- Big changes here\n"}, "changelog").status == "pass"
    assert check({"CHANGELOG.md": "# Changelog\n## Unreleased\n- stuff\n"}, "changelog").status == "fail"
    assert check({"CHANGELOG.md": "# Changelog\n## 1.0.0\n"}, "changelog").status == "fail"
    assert check({}, "changelog").status == "fail"


# -- manifests -------------------------------------------------------------------------------
DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    spec:
      containers:
        - name: web
          image: web:1
          livenessProbe: {httpGet: {path: /healthz, port: 8080}}
          readinessProbe: {tcpSocket: {port: 8080}}
          resources:
            requests: {cpu: 100m}
            limits: {cpu: 500m, memory: 256Mi}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
"""


def test_manifests_pass(check):
    files = {"deploy/app.yaml": DEPLOY, "scripts/deploy.sh": "#!/bin/sh\nkubectl apply -f deploy/\n"}
    for kind in ("health-checks", "resource-limits", "autoscaling", "deploy-strategy"):
        assert check(files, kind).status == "pass", kind
    # nothing applies them: the probes, limits and autoscaler count half, and the link is named
    for kind in ("health-checks", "resource-limits", "autoscaling"):
        unapplied = check({"deploy/app.yaml": DEPLOY}, kind)
        assert unapplied.status == "partial" and "manifest ↔ pipeline" in unapplied.message, kind


def test_manifests_absent(check):
    for kind in ("health-checks", "resource-limits", "autoscaling", "deploy-strategy"):
        assert check({"README.md": "x"}, kind).status == "fail", kind


def test_manifests_faked(check):
    weak = DEPLOY.replace("livenessProbe: {httpGet: {path: /healthz, port: 8080}}", "livenessProbe: {}")
    weak = weak.replace("maxReplicas: 6", "maxReplicas: 2").replace("limits: {cpu: 500m, memory: 256Mi}", "limits: {}")
    files = {"k8s/app.yaml": weak}
    assert check(files, "health-checks").status == "fail"
    assert check(files, "autoscaling").status == "fail"
    assert check(files, "resource-limits").status == "fail"
    commented = "# livenessProbe:\n#   httpGet: {path: /}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    assert check({"k8s/cm.yaml": commented}, "health-checks").status == "fail"


UNIT = """[Unit]
Description=Shop API
After=network.target

[Service]
ExecStart=/usr/bin/python3 /srv/shop/app.py
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
"""


def test_systemd_restart_policy_is_partial_health_evidence(check):
    # a service deployed as a systemd unit (by Ansible, say) that comes back when it dies
    finding = check({"deploy/templates/shop.service.j2": UNIT}, "health-checks")
    assert finding.status == "partial" and abs(finding.fraction - 1 / 3) < 1e-3
    assert finding.evidence[0].path == "deploy/templates/shop.service.j2" and finding.evidence[0].line == 7
    assert check({"shop.service": UNIT.replace("on-failure", "always")}, "health-checks").status == "partial"


def test_systemd_restart_fakes_fail(check):
    for fake in (UNIT.replace("Restart=on-failure", "Restart=no"),
                 UNIT.replace("Restart=on-failure", "# Restart=on-failure"),
                 # in the wrong section systemd ignores it
                 UNIT.replace("Restart=on-failure\n", "").replace("[Install]", "[Install]\nRestart=always"),
                 UNIT.replace("Restart=on-failure", "RestartSec=on-failure")):
        assert check({"shop.service": fake}, "health-checks").status == "fail"
    # a unit mentioned in a README is not a unit
    assert check({"README.md": UNIT}, "health-checks").status == "fail"


def test_manifest_alternatives(check):
    assert check({"Dockerfile": "FROM x\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n"},
                 "health-checks").status == "pass"
    assert check({"Dockerfile": "FROM x\n# HEALTHCHECK CMD curl -f http://localhost/\n"},
                 "health-checks").status == "fail"
    hpa_v1 = "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: a}\nspec:\n  scaleTargetRef: {kind: Deployment, name: a}\n  maxReplicas: 5\n"
    assert check({"hpa.yml": hpa_v1, **APPLIES}, "autoscaling").status == "pass"
    first = DEPLOY.strip().split("\n---\n")[0].split("\n")
    listed = "apiVersion: v1\nkind: List\nitems:\n  - " + first[0] + "\n" + "\n".join("    " + line for line in first[1:])
    assert check({"k8s/list.yaml": listed, **APPLIES}, "health-checks").status == "pass"


def test_strategy_faked_and_docs_only(check):
    commented = DEPLOY.replace("  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n",
                               "  # strategy: canary\n")
    assert check({"k8s/app.yaml": commented}, "deploy-strategy").status == "fail"
    doc = "# Deploy\n## Canary releases\nWe send five percent of traffic to the new version first and watch the error rate.\n"
    assert check({"docs/deploy.md": doc}, "deploy-strategy").status == "partial"
    bluegreen = DEPLOY.split("---")[0].replace("name: web}", "name: web-blue}") + "---\n" + \
        DEPLOY.split("---")[0].replace("name: web}", "name: web-green}").replace("  strategy:", "  x-strategy:")
    assert check({"k8s/bg.yaml": bluegreen.replace("  strategy:", "  x-strategy:")}, "deploy-strategy").status == "pass"


def test_half_the_containers_is_partial(check):
    second = DEPLOY.split("---")[0].replace("name: web}", "name: api}").replace(
        "          livenessProbe: {httpGet: {path: /healthz, port: 8080}}\n", "")
    files = {"k8s/a.yaml": DEPLOY, "k8s/b.yaml": second}
    assert check(files, "health-checks").status == "partial"


# -- alerts --------------------------------------------------------------------------------
RULES = """
groups:
  - name: web
    rules:
      - alert: HighErrorRate
        expr: sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m])) > 0.05
        for: 5m
        labels: {severity: page}
        annotations: {summary: Too many errors}
      - alert: HighLatency
        expr: histogram_quantile(0.95, sum by (le) (rate(http_duration_seconds_bucket[5m]))) > 0.5
        for: 10m
        labels: {severity: ticket}
        annotations: {description: Slow}
"""

# what exports the rules' metrics (alert metric ↔ exporter), what applies the manifests
# (manifest ↔ pipeline), what provisions the dashboards (dashboard ↔ provisioning)
EXPORTS = {"app/metrics.py": "from prometheus_client import Counter, Histogram\n\nREQUESTS = Counter('http_requests', 'x')\n"
                             "ERRORS = Counter('http_errors', 'x')\nDURATION = Histogram('http_duration_seconds', 'x')\n"}
APPLIES = {"scripts/deploy.sh": "#!/bin/sh\nset -e\nkubectl apply -f k8s/\n"}
PROVISIONS = {"grafana/provisioning/dashboards.yml": "apiVersion: 1\nproviders:\n  - name: web\n    options: {path: /dashboards}\n"}


def test_alert_rules_pass(check):
    assert check({"monitoring/alerts.yml": RULES, **EXPORTS}, "alert-rules").status == "pass"
    # the same rules with nothing that exports their metrics: partial, and the missing link said
    unwired = check({"monitoring/alerts.yml": RULES}, "alert-rules")
    assert unwired.status == "partial" and unwired.fraction == 0.5
    assert "alert metric ↔ exporter: nothing in the repository exports `http_errors_total`" in unwired.message


def test_alert_rules_absent_and_empty(check):
    assert check({}, "alert-rules").status == "fail"
    assert check({"alerts.yml": "groups: []\n"}, "alert-rules").status == "fail"


def test_alert_rules_faked(check):
    recording = "groups:\n  - name: r\n    rules:\n      - record: job:rate5m\n        expr: rate(x[5m])\n"
    finding = check({"rules.yml": recording}, "alert-rules")
    assert finding.status == "fail" and "recording" in finding.message
    no_for = RULES.replace("        for: 5m\n", "").replace("        for: 10m\n", "")
    finding = check({"rules.yml": no_for}, "alert-rules")
    assert finding.status == "fail" and "for" in finding.message
    bad = RULES.replace("[5m])) / sum", "[5x])) / sum").replace("severity: ticket", "team: web")
    finding = check({"rules.yml": bad}, "alert-rules")
    assert finding.status == "fail"
    assert finding.evidence[0].line == 4  # located at the broken rule


def test_alert_rules_partial_by_share(check):
    three = RULES + """      - alert: Bad
        expr: ""
        for: 5m
"""
    finding = check({"rules.yml": three, **EXPORTS}, "alert-rules")
    assert finding.status == "partial"
    assert abs(finding.fraction - 2 / 3) < 0.01


def test_alert_rules_alternative_forms(check):
    prom_rule = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec:\n" + "\n".join(
        "  " + line for line in RULES.strip().split("\n"))
    assert check({"deploy/rules.yaml": prom_rule, **EXPORTS}, "alert-rules").status == "pass"
    values = "prometheus:\n  serverFiles:\n    alerting_rules.yml:\n" + "\n".join(
        "      " + line for line in RULES.strip().split("\n"))
    assert check({"chart/values.yaml": values, **EXPORTS}, "alert-rules").status == "pass"
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r}\ndata:\n  alerts.yml: |\n" + "\n".join(
        "    " + line for line in RULES.strip().split("\n"))
    assert check({"odd/place/cm.yaml": cm, **EXPORTS}, "alert-rules").status == "pass"
    crlf = RULES.replace("\n", "\r\n").encode()
    assert check({"rules.yaml": crlf, **EXPORTS}, "alert-rules").status == "pass"


# -- dashboards ------------------------------------------------------------------------------
def test_dashboards(check):
    dash = {"title": "Web", "panels": [
        {"title": "rate", "targets": [{"expr": "rate(x[5m])"}]},
        {"type": "row", "panels": [{"title": "err", "targets": [{"expr": "rate(e[5m])"}]}]},
    ]}
    assert check({"grafana/web.json": json.dumps(dash), **PROVISIONS}, "dashboards").status == "pass"
    unprovisioned = check({"grafana/web.json": json.dumps(dash)}, "dashboards")
    assert unprovisioned.status == "partial" and "dashboard ↔ provisioning" in unprovisioned.message
    wrapped = {"dashboard": dash}
    assert check({"dash.json": json.dumps(wrapped), **PROVISIONS}, "dashboards").status == "pass"
    empty = {"title": "Empty", "panels": [{"title": "nothing", "targets": [{"expr": ""}]}]}
    assert check({"dash.json": json.dumps(empty)}, "dashboards").status == "fail"
    assert check({"package.json": "{}"}, "dashboards").status == "fail"


def test_dashboards_imported_from_grafana_com_by_id(check):
    values = """
grafana:
  dashboards:
    default:
      hosts:
        gnetId: 1860
        revision: 37
        datasource: Prometheus
"""
    found = check({"monitoring/values.yaml": values}, "dashboards")
    assert found.status == "pass" and "1860" in found.message and found.evidence[0].line == 5  # the gnetId line (the text is dedented and stripped)
    operator = """
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata: {name: nodes}
spec:
  grafanaCom: {id: 1860, revision: 37}
"""
    assert check({"k8s/dashboard.yaml": operator}, "dashboards").status == "pass"
    task = """
- name: Fetch the host dashboard
  ansible.builtin.get_url:
    url: https://grafana.com/api/dashboards/1860/revisions/latest/download
    dest: /opt/grafana/dashboards/hosts.json
"""
    assert check({"roles/monitoring/tasks/main.yml": task}, "dashboards").status == "pass"
    short = "- get_url: url=https://grafana.com/api/dashboards/11074/revisions/9/download dest=/tmp/d.json\n"
    assert check({"tasks.yml": short}, "dashboards").status == "pass"
    script = "#!/bin/sh\nset -e\ncurl -fsSL -o /var/lib/grafana/dashboards/hosts.json \\\n  https://grafana.com/api/dashboards/1860/revisions/37/download\n"
    found = check({"scripts/dashboards.sh": script}, "dashboards")
    assert found.status == "pass" and "curl" in found.message


def test_dashboards_imported_by_id_absent_or_faked(check):
    assert check({"monitoring/values.yaml": "grafana:\n  enabled: true\n"}, "dashboards").status == "fail"
    faked = {
        "README.md": "Import https://grafana.com/api/dashboards/1860/revisions/37/download in Grafana.\n",
        "values.yaml": "grafana:\n  # gnetId: 1860\n  dashboards: {}\n",
        "zero.yaml": "dashboards:\n  default:\n    hosts:\n      gnetId: 0\n",
        "words.yaml": "dashboards:\n  default:\n    hosts:\n      gnetId: node-exporter\n",
        "echo.sh": "#!/bin/sh\necho curl https://grafana.com/api/dashboards/1860/revisions/37/download\n",
        "other.sh": "#!/bin/sh\ncurl -fsSL https://grafana.com/api/dashboards/1860-not-a-dashboard\n",
    }
    assert check(faked, "dashboards").status == "fail"


# -- runbook ---------------------------------------------------------------------------------
def test_runbook(check):
    good = "# High error rate\n## Mitigate\nRoll back with kubectl rollout undo deployment/web and watch the error rate drop on the dashboard.\n"
    assert check({"docs/runbooks/errors.md": good}, "runbook").status == "pass"
    assert check({"RUNBOOK.md": good}, "runbook").status == "pass"
    assert check({"docs/runbooks/errors.md": "# High error rate\n## Mitigate\n"}, "runbook").status == "fail"
    assert check({"docs/guide.md": good}, "runbook").status == "fail"


# -- Helm charts -------------------------------------------------------------------------------
CHART_DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          livenessProbe:
            {{- toYaml .Values.livenessProbe | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
"""
CHART_VALUES = """
replicaCount: 2
image: {repository: shop/app, tag: ""}
autoscaling: {enabled: false}
livenessProbe:
  httpGet: {path: /healthz, port: http}
resources:
  limits: {cpu: 500m, memory: 256Mi}
"""


def test_helm_chart_templates_read_best_effort(check):
    files = {"chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
             "chart/values.yaml": CHART_VALUES, "chart/templates/deployment.yaml": CHART_DEPLOY,
             "deploy.sh": "#!/bin/sh\nhelm upgrade --install app ./chart\n"}
    assert check(files, "health-checks").status == "pass"
    assert check(files, "resource-limits").status == "pass"
    no_values = {k: v for k, v in files.items() if "values" not in k}
    assert check(no_values, "health-checks").status == "partial"  # the liveness probe is only in values: the readiness probe alone counts half
    garbage = {**files, "chart/templates/broken.yaml": "{{ if }}\n  - : : [\n"}
    assert check(garbage, "resource-limits").status == "pass"


def test_alert_runbook_links(check):
    linked = RULES.replace("annotations: {summary: Too many errors}",
                           "annotations: {summary: Too many errors, runbook_url: ../docs/runbook.md}")
    files = {"monitoring/rules.yml": linked, "docs/runbook.md": "# Runbook\n", **EXPORTS}
    assert check(files, "alert-rules").status == "pass"
    dangling = check({"monitoring/rules.yml": linked}, "alert-rules")
    assert dangling.status == "partial" and "points to no file" in dangling.message
    url = RULES.replace("annotations: {summary: Too many errors}",
                        "annotations: {summary: Too many errors, runbook_url: 'https://wiki.example.com/rb'}")
    assert check({"r.yml": url, **EXPORTS}, "alert-rules").status == "pass"
    required = check({"r.yml": url, **EXPORTS}, "alert-rules", {"require_runbook": True})
    assert required.status == "partial"


PROM_J2 = """# rendered by Ansible onto the monitoring host
global:
  scrape_interval: {{ scrape_interval }}
scrape_configs:
  - job_name: shop
    static_configs:
      - targets:
{% for host in groups['app'] %}
          - '{{ hostvars[host].private_ip }}:{{ app_port }}'
{% endfor %}
"""


def test_jinja_templated_yaml_is_read(check):
    # Ansible roles keep configuration as Jinja templates: read with placeholders
    finding = check({"roles/monitoring/templates/prometheus.yml.j2": PROM_J2}, "metrics-collection")
    assert finding.status == "pass" and finding.evidence[0].path.endswith("prometheus.yml.j2")
    compose = ("services:\n  api:\n    image: shop/api:{{ version }}\n    restart: always\n    healthcheck:\n"
               "      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:{{ port }}/health\"]\n")
    assert check({"roles/app/templates/docker-compose.yml.j2": compose}, "health-checks").status == "pass"
    rules = ("groups:\n  - name: shop\n    rules:\n      - alert: HighErrorRate\n"
             "        expr: sum(rate(http_requests_total{status=~\"5..\"}[5m])) > {{ error_threshold }}\n"
             "        for: 5m\n        labels: {severity: page}\n"
             "        annotations: {summary: 'errors above {{ error_threshold }}'}\n")
    assert check({"roles/monitoring/templates/alerts.yml.j2": rules}, "alert-rules").status in ("pass", "partial")


def test_jinja_templates_absent_or_fake(check, tmp_path):
    from conftest import write_tree
    from grader.submission import Submission

    # commented out, or only a Jinja comment: nothing is collected
    commented = "\n".join("# " + line for line in PROM_J2.splitlines())
    assert check({"templates/prometheus.yml.j2": commented}, "metrics-collection").status == "fail"
    assert check({"templates/prometheus.yml.j2": "{# scrape_configs: [] #}\n"}, "metrics-collection").status == "fail"
    # the same text as a plain .txt is not configuration
    assert check({"notes/prometheus.txt": PROM_J2}, "metrics-collection").status == "fail"
    # a template that is not YAML before rendering is no problem to report
    sub = Submission(write_tree(tmp_path, {"templates/x.yml.j2": "port: {{ port }\nhosts: [a, b\n"}))
    assert sub.yaml_docs("templates/x.yml.j2") is None and not sub.problems


UPTIME_WF = """name: uptime
on:
  schedule:
    - cron: '*/15 * * * *'
jobs:
  probe:
    runs-on: ubuntu-latest
    steps:
      - run: curl -fsS --max-time 10 https://shop.example/health
"""


def test_uptime_checks_are_partial_alerting(check):
    # a scheduled probe of the live service fails the run (and notifies) when it is down
    finding = check({".github/workflows/uptime.yml": UPTIME_WF}, "alert-rules")
    assert finding.status == "partial" and finding.fraction == 0.5
    assert "scheduled pipeline checks `curl -fsS" in finding.message
    assert finding.evidence[0].path == ".github/workflows/uptime.yml" and finding.evidence[0].line == 9
    upptime = ".upptimerc.yml"
    assert check({upptime: "owner: shop\nrepo: status\nsites:\n  - name: Shop\n    url: https://shop.example\n"},
                 "alert-rules").status == "partial"
    tf = 'resource "google_monitoring_uptime_check_config" "shop" {\n  display_name = "shop"\n}\n'
    assert check({"infra/monitoring.tf": tf}, "alert-rules").status == "partial"
    # real alert rules are the real thing
    assert check({"monitoring/alerts.yml": RULES, ".github/workflows/uptime.yml": UPTIME_WF, **EXPORTS}, "alert-rules").status == "pass"


def test_uptime_check_fakes_fail(check):
    for fake in (UPTIME_WF.replace("https://shop.example/health", "https://shop.example/health || true"),
                 UPTIME_WF.replace("curl -fsS", "echo curl -fsS"),
                 UPTIME_WF.replace("schedule:\n    - cron: '*/15 * * * *'", "push:\n    branches: [main]")):
        assert check({".github/workflows/uptime.yml": fake}, "alert-rules").status == "fail"
    # a scheduled job that only posts to a chat webhook probes nothing
    notify = UPTIME_WF.replace("curl -fsS --max-time 10 https://shop.example/health",
                               'curl -X POST -d "{}" "$SLACK_WEBHOOK_URL"')
    assert check({".github/workflows/uptime.yml": notify}, "alert-rules").status == "fail"
    # an Upptime file with no sites watches nothing
    assert check({".upptimerc.yml": "owner: shop\nrepo: status\nsites: []\n"}, "alert-rules").status == "fail"
