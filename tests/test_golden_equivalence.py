"""The same work in two toolchains scores the same, phase by phase:
GitLab CI + Helm + a PrometheusRule versus GitHub Actions + kubectl + a plain rule file."""

from __future__ import annotations

import json

from conftest import Repo
from grader import rubric
from grader.scoring import grade

COMMON = {
    "README.md": "# Shop\n",
    "docs/plan.md": "# Plan\n## Acceptance criteria\n- Reminder is sent after a day\n- Code is valid two days\n",
    ".github/ISSUE_TEMPLATE/feature.md": "## Problem\nWho is affected, what hurts, and what does done look like for them?\n",
    ".github/pull_request_template.md": "## What changed\nDescribe the change, how you tested it and how to roll it back.\n",
    ".github/CODEOWNERS": "* @shop/team\n",
    "CHANGELOG.md": "# Changes\n## 1.0.0\n- First release of reminders\n",
    "docs/runbooks/errors.md": "# Errors\n## Mitigate\nRoll back the release and watch the error rate fall on the dashboard before closing.\n",
    "app/metrics.py": "from prometheus_client import Counter, Histogram\n\nREQUESTS = Counter('http_requests', 'Requests')\n"
                      "ERRORS = Counter('http_errors', 'Failed requests')\nDURATION = Histogram('http_duration_seconds', 'Time')\n",
    "grafana/provisioning.yml": "apiVersion: 1\nproviders:\n  - name: shop\n    options: {path: /var/lib/grafana/dashboards}\n",
    "grafana/dash.json": json.dumps({"title": "Shop", "panels": [
        {"targets": [{"expr": "rate(http_requests_total[5m])"}]},
        {"targets": [{"expr": "rate(http_errors_total[5m])"}]}]}),
}
RULE_GROUPS = """groups:
  - name: shop
    rules:
      - alert: HighErrorRate
        expr: sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m])) > 0.05
        for: 5m
        labels: {severity: page}
        annotations: {summary: Errors above five percent}
      - alert: HighLatency
        expr: histogram_quantile(0.95, sum by (le) (rate(http_duration_seconds_bucket[5m]))) > 0.5
        for: 10m
        labels: {severity: ticket}
        annotations: {summary: Slow checkout}
"""
K8S = """apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata:
      annotations: {prometheus.io/scrape: "true", prometheus.io/port: "8080"}
    spec:
      containers:
        - name: shop
          image: shop:1
          livenessProbe: {httpGet: {path: /healthz, port: 8080}}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          resources: {limits: {cpu: 500m, memory: 256Mi}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: shop}
  minReplicas: 2
  maxReplicas: 5
"""
GITHUB = {
    ".github/workflows/ci.yml": """on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pip install -r requirements.txt
      - run: ruff check .
      - run: pytest
  build:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t shop:${{ github.sha }} .
  deploy-staging:
    needs: build
    runs-on: ubuntu-latest
    environment: staging
    steps:
      - run: kubectl apply -n staging -f k8s/
  deploy:
    needs: deploy-staging
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: kubectl apply -f k8s/
      - run: kubectl rollout status deployment/shop
      - if: failure()
        run: kubectl rollout undo deployment/shop
""",
    ".github/workflows/release.yml": """on:
  push:
    tags: ['v*']
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t shop:${{ github.ref_name }} . && docker push shop:${{ github.ref_name }}
""",
    "k8s/app.yaml": K8S,
    "monitoring/alerts.yml": RULE_GROUPS,
}
GITLAB = {
    ".gitlab-ci.yml": """stages: [test, build, deploy, release]
test:
  stage: test
  script:
    - pip install -r requirements.txt
    - ruff check .
    - pytest
build:
  stage: build
  script:
    - docker build -t shop:$CI_COMMIT_SHA .
deploy-staging:
  stage: deploy
  environment: staging
  script:
    - helm upgrade --install shop ./chart -n staging --wait
deploy:
  stage: deploy
  needs: [deploy-staging]
  environment: {name: production}
  script:
    - helm upgrade --install shop ./chart --wait
rollback:
  stage: deploy
  needs: [deploy]
  when: on_failure
  script:
    - helm rollback shop
release:
  stage: release
  rules:
    - if: $CI_COMMIT_TAG
  script:
    - docker build -t shop:$CI_COMMIT_TAG . && docker push shop:$CI_COMMIT_TAG
""",
    "chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
    "chart/values.yaml": "image: shop\n",
    "chart/templates/app.yaml": K8S.replace("image: shop:1", 'image: "{{ .Values.image }}:{{ .Chart.AppVersion }}"'),
    "deploy/rules.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: shop}\nspec:\n"
    + "\n".join("  " + line for line in RULE_GROUPS.splitlines()) + "\n",
}


def build(path, variant):
    repo = Repo(path)
    repo.commit("Plan the reminders feature with acceptance criteria", COMMON)
    repo.branch("feature/reminders")
    repo.commit("Add reminder logic with its tests", {
        "app/reminders.py": "def due(h):\n    return h >= 24\n",
        "tests/test_reminders.py": "from app.reminders import due\n\ndef test_due():\n    assert due(25)\n\n"
                                   "def test_not_due():\n    assert not due(3)\n\ndef test_edge():\n    assert due(24) is True\n\n"
                                   "def test_just_before():\n    assert due(23) is False\n\n"
                                   "def test_days_later():\n    assert due(72) is True\n"})
    repo.switch("main")
    repo.merge("feature/reminders")
    for i in range(1, 10):  # devops-loop asks for the habit: ten merged branches, five changes with their tests
        repo.branch(f"feature/rule-{i}")
        repo.commit(f"Add discount rule {i} with its test", {
            f"app/rule_{i}.py": f"def rule():\n    return {i}\n",
            f"tests/test_rule_{i}.py": f"from app.rule_{i} import rule\n\ndef test_rule():\n    assert rule() == {i}\n"})
        repo.switch("main")
        repo.merge(f"feature/rule-{i}")
    repo.commit("Add the pipeline, deployment and monitoring", variant)
    repo.commit("Document the first release in the changelog", {"CHANGELOG.md": COMMON["CHANGELOG.md"] + "\n"})
    repo.tag("v1.0.0", "First release")
    return repo.path


def test_same_work_same_phase_scores(tmp_path):
    r = rubric.load("devops-loop")
    a = grade(build(tmp_path / "github", GITHUB), r)
    b = grade(build(tmp_path / "gitlab", GITLAB), r)
    scores_a = {p.id: p.score for p in a.phases}
    scores_b = {p.id: p.score for p in b.phases}
    assert scores_a == scores_b
    failing = [(c.id, c.message) for p in a.phases for c in p.checks if c.status != "pass"]
    assert a.percent == 100, failing
