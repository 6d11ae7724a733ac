"""Jenkins, CircleCI and reusable GitHub workflows read into the same pipeline model."""

from __future__ import annotations

from conftest import write_tree
from grader import detectors
from grader.evidence.ci import read_pipelines
from grader.evidence.ci.jenkins import parse_blocks
from grader.submission import Submission

JENKINSFILE = """
// Declarative pipeline for the shop
pipeline {
    agent any
    triggers { pollSCM('H/5 * * * *') }
    stages {
        stage('Install') {
            steps {
                sh 'pip install -r requirements.txt'
            }
        }
        stage('Test') {
            steps {
                sh "pytest -q"
                // sh 'docker build -t never:1 .'
            }
        }
        stage('Build') {
            steps {
                script {
                    sh '''
                        docker build -t shop/app:${GIT_COMMIT} .
                        echo "kubectl rollout undo deployment/app"
                    '''
                }
            }
        }
        stage('Deploy') {
            when { branch 'main' }
            steps {
                sh(script: 'helm upgrade --install app ./chart', label: 'deploy')
                sh './scripts/smoke-test.sh'
            }
            post {
                failure {
                    sh 'helm rollback app'
                }
            }
        }
        stage('Release') {
            when { buildingTag() }
            steps { sh 'docker push shop/app:${TAG_NAME}' }
        }
    }
    post {
        always { echo 'done' }
    }
}
"""
TESTS = {"tests/test_a.py": "def test_a():\n    assert f(1) == 2\n"}


def check_files(tmp_path, files, kind):
    from grader import detectors

    return detectors.run(Submission(write_tree(tmp_path, files)), kind, {})


def test_jenkins_blocks():
    root = parse_blocks(JENKINSFILE)
    stages = root.child("pipeline").child("stages").all_children("stage")
    assert [s.arg for s in stages] == ["Install", "Test", "Build", "Deploy", "Release"]


def test_jenkins_pipeline_model(tmp_path):
    sub = Submission(write_tree(tmp_path, {"ci/Jenkinsfile": JENKINSFILE}))
    (pipe,) = read_pipelines(sub)
    assert pipe.system == "jenkins" and "push" in pipe.triggers and "tag" in pipe.triggers
    deploy = pipe.job("Deploy")
    assert deploy.needs == ["Build"]
    assert [s.condition for s in deploy.steps] == ["success", "failure"]
    texts = [c.text for j in pipe.jobs for s in j.steps for c in s.commands]
    assert "docker build -t never:1 ." not in texts  # commented out
    assert any(t.startswith("docker build -t shop/app") for t in texts)
    build_cmd = next(c for j in pipe.jobs for s in j.steps for c in s.commands if c.text.startswith("docker build"))
    assert build_cmd.line == 21


def test_jenkins_detectors(tmp_path):
    files = {"Jenkinsfile": JENKINSFILE, "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n", **TESTS}
    for kind in ("ci-trigger", "ci-install", "ci-build-artifact", "ci-runs-tests", "deploy-step",
                 "deploy-verification", "rollback-on-failure", "release-automation"):
        assert check_files(tmp_path / kind, files, kind).status == "pass", kind


def test_jenkins_fakes(tmp_path):
    always = JENKINSFILE.replace("failure {\n                    sh 'helm rollback app'", "always {\n                    sh 'helm rollback app'")
    assert check_files(tmp_path / "a", {"Jenkinsfile": always}, "rollback-on-failure").status == "fail"
    echo_only = JENKINSFILE.replace("sh 'helm rollback app'", "echo 'helm rollback app'")
    assert check_files(tmp_path / "b", {"Jenkinsfile": echo_only}, "rollback-on-failure").status == "fail"
    scripted = "node {\n  stage('x') { sh 'pytest' }\n}\n"
    assert check_files(tmp_path / "c", {"Jenkinsfile": scripted}, "ci-trigger").status == "fail"


def test_jenkins_unbalanced_is_a_problem_not_a_pipeline(tmp_path):
    # Jenkins refuses to compile a Jenkinsfile whose braces don't balance: nothing would run.
    files = {"Jenkinsfile": "pipeline { stages { stage('x') { steps { sh 'make' \n", **TESTS}
    sub = Submission(write_tree(tmp_path, files))
    assert detectors.run(sub, "ci-trigger", {}).status == "fail"
    assert "unbalanced braces" in sub.problems["Jenkinsfile"]
    extra = {"Jenkinsfile": "pipeline { agent any }\n}\n", **TESTS}
    assert check_files(tmp_path / "b", extra, "ci-trigger").status == "fail"


CIRCLE = """
version: 2.1
jobs:
  test:
    docker: [{image: cimg/python:3.12}]
    steps:
      - checkout
      - run: pip install -r requirements.txt
      - run:
          name: tests
          command: pytest
  deploy:
    docker: [{image: cimg/base:current}]
    steps:
      - run: kubectl apply -f k8s/ && kubectl rollout status deployment/app
      - run:
          name: roll back
          command: kubectl rollout undo deployment/app
          when: on_fail
  publish:
    docker: [{image: cimg/base:current}]
    steps:
      - run: docker build -t app:$CIRCLE_TAG . && docker push app:$CIRCLE_TAG
workflows:
  main:
    jobs:
      - test
      - deploy:
          requires: [test]
      - publish:
          filters:
            tags: {only: /^v.*/}
            branches: {ignore: /.*/}
"""


def test_circleci(tmp_path):
    files = {".circleci/config.yml": CIRCLE, **TESTS,
             "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec: {}\n"}
    for kind in ("ci-trigger", "ci-install", "ci-runs-tests", "deploy-step", "deploy-verification",
                 "rollback-on-failure", "release-automation", "ci-build-artifact"):
        assert check_files(tmp_path / kind, files, kind).status == "pass", kind
    always = CIRCLE.replace("when: on_fail", "when: always")
    assert check_files(tmp_path / "x", {".circleci/config.yml": always}, "rollback-on-failure").status == "fail"


def test_reusable_workflow_is_as_automatic_as_its_caller(tmp_path):
    files = {
        ".github/workflows/ci.yml": "on: [push]\njobs:\n  deploy:\n    uses: ./.github/workflows/deploy.yml\n",
        ".github/workflows/deploy.yml": "on:\n  workflow_call: {}\njobs:\n  d:\n    runs-on: x\n    steps:\n      - run: pytest\n",
        **TESTS,
    }
    assert check_files(tmp_path / "a", files, "ci-runs-tests").status == "pass"
    alone = {k: v for k, v in files.items() if "ci.yml" not in k}
    assert check_files(tmp_path / "b", alone, "ci-runs-tests").status == "fail"


def test_workflow_run_follows_ci(tmp_path):
    files = {
        ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make lint\n",
        ".github/workflows/deploy.yml": "on:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\njobs:\n  d:\n    runs-on: x\n    steps:\n      - run: pytest\n",
        **TESTS,
    }
    assert check_files(tmp_path, files, "ci-runs-tests").status == "pass"


def test_gitlab_only_and_except_for_tags(tmp_path):
    only = "release:\n  only: [tags]\n  script:\n    - docker push registry.example.com/app:$CI_COMMIT_TAG\n"
    assert check_files(tmp_path / "a", {".gitlab-ci.yml": only}, "release-automation").status == "pass"
    excl = "release:\n  except: [branches]\n  script:\n    - gh release create $CI_COMMIT_TAG\n"
    assert check_files(tmp_path / "b", {".gitlab-ci.yml": excl}, "release-automation").status == "pass"
    always = "release:\n  script:\n    - docker push registry.example.com/app:latest\n"
    assert check_files(tmp_path / "c", {".gitlab-ci.yml": always}, "release-automation").status == "fail"


def test_hints_speak_the_ci_system_the_repository_uses(tmp_path):
    from grader import rubric
    from grader.scoring import grade

    setups = {
        "github": ({".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make\n"},
                   "`if: failure()`", "${{ github.sha }}"),
        "gitlab": ({".gitlab-ci.yml": "build:\n  script: [make]\n"}, "`when: on_failure`", "$CI_COMMIT_SHORT_SHA"),
        "jenkins": ({"Jenkinsfile": "pipeline { agent any\n stages { stage('b') { steps { sh 'make' } } } }\n"},
                    "`post { failure { ... } }`", "${GIT_COMMIT}"),
    }
    for name, (files, on_failure, sha) in setups.items():
        report = grade(write_tree(tmp_path / name, files), rubric.load("devops-loop"))
        hints = {c.id: c.hint for _, c in report.checks()}
        assert on_failure in hints["deploy.rollback-on-failure"], name
        assert sha in hints["build.ci-build-artifact"], name
        assert "{ci}" not in " ".join(hints.values())
