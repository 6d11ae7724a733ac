"""Property-based fuzzing: arbitrary bytes and arbitrary YAML at every parser and detector,
through the public grading entry point. No exception escapes, no detector fails with an
internal error, and the report stays valid against the JSON schema."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader import rubric
from grader.report import json_report
from grader.scoring import grade

VALIDATOR = jsonschema.Draft202012Validator(json_report.schema())
RUBRIC = rubric.load("exercise-4.1")

PATHS = [
    ".github/workflows/ci.yml", ".gitlab-ci.yml", ".circleci/config.yml", "Jenkinsfile",
    "k8s/deploy.yaml", "chart/Chart.yaml", "chart/templates/d.yaml", "chart/values.yaml",
    "monitoring/alerts.yml", "grafana/dash.json", "Dockerfile", "CHANGELOG.md", "docs/plan.md",
    "docs/runbooks/r.md", "tests/test_a.py", "src/a.test.js", "a_test.go", "spec/a_spec.rb",
    "src/test/java/ATest.java", "test/a.bats", ".github/ISSUE_TEMPLATE/f.yml",
    ".github/pull_request_template.md", ".github/CODEOWNERS",
    "exercises/module-01/exercise-04/task1-loop-mapping.md",
    "exercises/module-01/exercise-04/task2-feedback-loops.md",
    "exercises/module-01/exercise-04/task3-pipeline-design.md",
    "exercises/module-01/exercise-04/task4-success-metrics.md", ".tekton/pipeline.yaml", ".tekton/tasks.yaml",
    "cloudbuild.yaml", "buildspec.yml", "infra/pipeline.yml", "mixin/alerts.libsonnet", "monitoring/dashboard.json",
    "scripts/monitoring.sh",
]
KEYS = ["on", "jobs", "steps", "run", "uses", "if", "needs", "with", "script", "stages", "when",
        "rules", "apiVersion", "kind", "metadata", "spec", "template", "containers", "groups",
        "alert", "expr", "for", "labels", "annotations", "panels", "targets", "push", "tags",
        "livenessProbe", "readinessProbe", "resources", "limits", "strategy", "include", "extends",
        "workflows", "requires", "filters", "minReplicas", "maxReplicas", "scaleTargetRef", "body",
        "tasks", "taskRef", "taskSpec", "runAfter", "finally", "params", "name", "value", "resourcetemplates",
        "args", "entrypoint", "images", "allowFailure", "phases", "commands", "Resources", "Type", "Properties",
        "Stages", "Actions", "ActionTypeId", "displayName", "mosaicLayout", "tiles", "widgets", "language"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30),
    st.sampled_from(["failure()", "always()", "kubectl rollout undo x", "pytest", "docker build -t a:$X .",
                     "Deployment", "HorizontalPodAutoscaler", "PrometheusRule", "5m", "rate(x[5m]) > 1",
                     "on_failure", "v1.2.3", "{{ .Values.x }}", "helm upgrade --atomic", "[Your answer]"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(KEYS), children, max_size=5)),
    max_leaves=25,
)


def as_yaml(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True)


CONTENT = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    VALUES.map(as_yaml),
    st.lists(VALUES.map(as_yaml), min_size=1, max_size=3).map("---\n".join),
    st.lists(st.sampled_from(["# h", "## Phase 3: BUILD", "### Tools Used", "- item", "```", "{", "}",
                              "stage('x') {", "steps {", "sh 'make'", "post {", "failure {", "def test_x():",
                              "    assert x == 1", "test('a', () => {", "expect(a).toBe(1)", "});",
                              "HEALTHCHECK CMD curl -f x", "## Loop 1: Monitor → Plan", "[Your answer]",
                              "{ alert: 'A', expr: |||", "|||", "'for': '5m',", "/*", "cat > rules.yml <<EOF",
                              "EOF", "groups:", "cpa.CodeBuildAction(", "GitHubSourceAction("]),
             max_size=20).map("\n".join),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(PATHS), CONTENT, min_size=1, max_size=8))
def test_arbitrary_files_never_break_grading(files):
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", errors="surrogatepass")
        report = grade(root, RUBRIC)
        data = report.to_dict()
        VALIDATOR.validate(data)
        for phase in data["phases"]:
            for check in phase["checks"]:
                assert "internal error" not in check["message"], (check["id"], check["message"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


# Tekton documents are only read when they say so (apiVersion and kind): shape those, fuzz the rest.
TEKTON_DOC = st.builds(
    lambda kind, meta, spec: {"apiVersion": "tekton.dev/v1", "kind": kind, "metadata": meta, "spec": spec},
    st.sampled_from(["Pipeline", "Task", "ClusterTask", "TriggerTemplate", "EventListener"]),
    st.one_of(VALUES, st.fixed_dictionaries({"name": st.sampled_from(["p", "t", "git-clone", "buildah"])})),
    VALUES,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEKTON_DOC, min_size=1, max_size=4))
def test_arbitrary_tekton_documents_never_break_the_reader(docs):
    from grader.evidence.ci import read_pipelines
    from grader.submission import Submission

    root = Path(tempfile.mkdtemp(prefix="fuzz-tekton-"))
    try:
        (root / ".tekton").mkdir()
        (root / ".tekton" / "all.yaml").write_text("---\n".join(as_yaml(d) for d in docs), encoding="utf-8")
        read_pipelines(Submission(root))
        report = grade(root, RUBRIC)
        VALIDATOR.validate(report.to_dict())
    finally:
        shutil.rmtree(root, ignore_errors=True)
