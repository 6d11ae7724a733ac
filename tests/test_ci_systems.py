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
    scripted_echo = "node {\n  stage('x') { echo 'pytest' }\n}\n"
    assert check_files(tmp_path / "c", {"Jenkinsfile": scripted_echo}, "ci-trigger").status == "fail"


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


HARNESS = """
pipeline:
  name: shop
  identifier: shop
  stages:
    - stage:
        name: CI
        identifier: ci
        type: CI
        spec:
          runtime: {type: Cloud, spec: {}}
          execution:
            steps:
              - step:
                  type: Run
                  name: Install and test
                  identifier: test
                  spec:
                    command: |-
                      pip install -r requirements.txt
                      pytest -q
              - step:
                  type: BuildAndPushDockerRegistry
                  name: Image
                  identifier: image
                  spec:
                    connectorRef: hub
                    repo: course/shop
                    tags: [<+pipeline.sequenceId>]
    - stage:
        name: Deploy
        identifier: deploy
        type: Deployment
        spec:
          execution:
            steps:
              - step:
                  type: K8sRollingDeploy
                  name: Rollout
                  identifier: rollout
                  spec: {}
              - step:
                  type: Http
                  name: Health
                  identifier: health
                  spec: {url: "https://shop.example/health", method: GET}
            rollbackSteps:
              - step:
                  type: K8sRollingRollback
                  name: Roll back
                  identifier: rollback
                  spec: {}
"""
HARNESS_PUSH = """
trigger:
  name: push
  identifier: push
  enabled: true
  pipelineIdentifier: shop
  source:
    type: Webhook
    spec:
      type: Github
      spec:
        type: Push
        spec: {connectorRef: github}
"""
K8S_APP = {"k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec: {}\n"}


def test_harness_pipeline_with_its_trigger(tmp_path):
    files = {".harness/shop.yaml": HARNESS, ".harness/triggers/push.yaml": HARNESS_PUSH, **TESTS, **K8S_APP}
    for kind in ("ci-trigger", "ci-install", "ci-runs-tests", "ci-build-artifact", "deploy-step",
                 "deploy-verification", "rollback-on-failure"):
        assert check_files(tmp_path / kind, files, kind).status == "pass", kind
    built = check_files(tmp_path / "where", files, "ci-build-artifact")
    assert built.evidence[0].path == ".harness/shop.yaml" and "docker build" in built.message


def test_harness_fakes_and_manual_runs(tmp_path):
    # no trigger in the repository: the pipeline is started by hand
    manual = {".harness/shop.yaml": HARNESS, **TESTS, **K8S_APP}
    assert check_files(tmp_path / "a", manual, "ci-trigger").status == "fail"
    assert check_files(tmp_path / "b", manual, "ci-runs-tests").status == "fail"
    # a switched-off trigger starts nothing
    off = HARNESS_PUSH.replace("enabled: true", "enabled: false")
    assert check_files(tmp_path / "c", {**manual, ".harness/triggers/push.yaml": off}, "ci-trigger").status == "fail"
    # a trigger for another pipeline does not start this one
    other = HARNESS_PUSH.replace("pipelineIdentifier: shop", "pipelineIdentifier: docs")
    assert check_files(tmp_path / "d", {**manual, ".harness/triggers/push.yaml": other}, "ci-trigger").status == "fail"
    wired = {**manual, ".harness/triggers/push.yaml": HARNESS_PUSH}
    # tests that only echo, or whose failure is ignored, run nothing
    echo = HARNESS.replace("pytest -q", "echo pytest -q")
    assert check_files(tmp_path / "e", {**wired, ".harness/shop.yaml": echo}, "ci-runs-tests").status == "fail"
    ignored = HARNESS.replace("                    command: |-\n", "                    command: |-\n", 1).replace(
        "identifier: test\n", "identifier: test\n                  failureStrategies:\n"
        "                    - onFailure: {errors: [AllErrors], action: {type: Ignore}}\n")
    assert check_files(tmp_path / "f", {**wired, ".harness/shop.yaml": ignored}, "ci-runs-tests").status == "fail"
    # a "rollback" that always runs is not a rollback on failure
    always = HARNESS.replace("            rollbackSteps:\n", "              - step:\n"
                             "                  type: K8sRollingRollback\n                  name: undo\n"
                             "                  identifier: undo\n                  when: {stageStatus: All}\n"
                             "                  spec: {}\n            unused:\n")
    assert check_files(tmp_path / "g", {**wired, ".harness/shop.yaml": always}, "rollback-on-failure").status == "fail"


def test_harness_approval_makes_the_deploy_manual(tmp_path):
    gated = HARNESS.replace("    - stage:\n        name: Deploy\n", "    - stage:\n        name: Approve\n"
                            "        identifier: approve\n        type: Approval\n        spec: {}\n"
                            "    - stage:\n        name: Deploy\n")
    files = {".harness/shop.yaml": gated, ".harness/triggers/push.yaml": HARNESS_PUSH, **TESTS, **K8S_APP}
    finding = check_files(tmp_path, files, "deploy-step")
    assert finding.status == "partial" and "starts or approves it by hand" in finding.message


def test_harness_open_source_pipeline(tmp_path):
    oss = ("kind: pipeline\nspec:\n  stages:\n    - name: build\n      type: ci\n      spec:\n        steps:\n"
           "          - name: test\n            type: run\n            spec:\n              container: python:3.12\n"
           "              script: |-\n                pip install -r requirements.txt\n                pytest -q\n")
    files = {".harness/ci.yaml": oss, **TESTS}
    assert check_files(tmp_path / "a", files, "ci-runs-tests").status == "pass"
    assert check_files(tmp_path / "b", {".harness/ci.yaml": oss.replace("pytest -q", "echo pytest")},
                       "ci-runs-tests").status == "fail"


DOCKER_API = """
def app
pipeline {
    agent any
    stages {
        stage('Image') {
            steps {
                script {
                    app = docker.build("shop/app:${env.BUILD_NUMBER}")
                }
            }
        }
        stage('Publish') {
            steps {
                script {
                    docker.withRegistry('https://registry.hub.docker.com', 'hub') {
                        app.push()
                    }
                }
            }
        }
    }
}
"""


def test_jenkins_docker_pipeline_api_builds_and_publishes(tmp_path):
    files = {"Jenkinsfile": DOCKER_API, "Dockerfile": "FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n"}
    built = check_files(tmp_path / "a", files, "ci-build-artifact")
    assert built.status == "pass" and built.evidence[0].line == 8
    assert check_files(tmp_path / "b", files, "artifact-publish").status == "pass"


def test_jenkins_docker_pipeline_api_faked(tmp_path):
    faked = DOCKER_API.replace('app = docker.build("shop/app:${env.BUILD_NUMBER}")',
                               '// app = docker.build("shop/app:${env.BUILD_NUMBER}")\n'
                               '                    echo "app = docker.build(\'shop/app:1\')"')
    files = {"Jenkinsfile": faked, "Dockerfile": "FROM nginx:1.27\n"}
    assert check_files(tmp_path / "a", files, "ci-build-artifact").status == "fail"
    assert check_files(tmp_path / "b", files, "artifact-publish").status == "fail"  # app holds no image


GATED = """
pipeline {
    agent any
    parameters { booleanParam(name: 'DEPLOY', defaultValue: false) }
    stages {
        stage('Test') { steps { sh 'pytest' } }
        stage('Deploy') {
            when { expression { params.DEPLOY } }
            steps { sh 'kubectl apply -f k8s/' }
        }
    }
}
"""


def test_jenkins_deploys_that_wait_for_someone_are_manual(tmp_path):
    files = {"k8s/app.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n", **TESTS}
    by_param = check_files(tmp_path / "a", {"Jenkinsfile": GATED, **files}, "deploy-step")
    assert by_param.status == "partial" and "by hand" in by_param.message
    approval = GATED.replace("when { expression { params.DEPLOY } }", "input { message 'Deploy to production?' }")
    assert check_files(tmp_path / "b", {"Jenkinsfile": approval, **files}, "deploy-step").status == "partial"
    step = GATED.replace("when { expression { params.DEPLOY } }\n            steps { ", "steps { input 'Go?'\n ")
    assert "input 'Go?'" in step
    assert check_files(tmp_path / "f", {"Jenkinsfile": step, **files}, "deploy-step").status == "partial"
    on_by_default = GATED.replace("defaultValue: false", "defaultValue: true")
    assert check_files(tmp_path / "c", {"Jenkinsfile": on_by_default, **files}, "deploy-step").status == "pass"
    negated = GATED.replace("params.DEPLOY }", "!params.DEPLOY }")
    assert check_files(tmp_path / "d", {"Jenkinsfile": negated, **files}, "deploy-step").status == "pass"
    in_a_string = GATED.replace("when { expression { params.DEPLOY } }", "") \
        .replace("sh 'pytest'", "sh 'pytest --input \"input message: x\"'")
    assert check_files(tmp_path / "e", {"Jenkinsfile": in_a_string, **files}, "deploy-step").status == "pass"


def _tekton_case(name: str) -> dict:
    from pathlib import Path

    root = Path(__file__).parent / "cases" / "ci" / "tekton" / name
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file()}


def test_tekton_pipeline_with_a_webhook_gates_builds_and_deploys(tmp_path):
    files = {**_tekton_case("tekton-webhook"), **TESTS, "requirements.txt": "pytest\n",
             "k8s/app.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: shop}\n"}
    for kind in ("ci-trigger", "ci-runs-tests", "ci-build-artifact", "lint-in-ci", "deploy-step",
                 "deploy-verification", "rollback-on-failure"):
        assert check_files(tmp_path / kind, files, kind).status == "pass", kind
    tests = check_files(tmp_path / "at", files, "ci-runs-tests")
    assert any(e.path == ".tekton/tasks.yaml" and e.via == (".tekton/pipeline.yaml:31",) for e in tests.evidence)


def test_tekton_pipeline_started_by_hand_or_faked(tmp_path):
    files = {**_tekton_case("tekton-started-by-hand"), **TESTS,
             "deploy/app.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: accounts}\n"}
    assert check_files(tmp_path / "a", files, "ci-trigger").status == "fail"
    by_hand = check_files(tmp_path / "b", files, "deploy-step")
    assert by_hand.status == "partial" and "by hand" in by_hand.message
    other = _tekton_case("tekton-webhook")
    other[".tekton/triggers.yaml"] = other[".tekton/triggers.yaml"].replace("name: shop-cd", "name: some-other-pipeline")
    assert check_files(tmp_path / "c", {**other, **TESTS}, "ci-trigger").status == "fail"  # its template runs another
    echo = """
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: shop-cd}
spec:
  tasks:
    - name: say
      taskSpec:
        steps:
          - name: say
            image: alpine
            script: echo "building and deploying..."
"""
    stub = {**_tekton_case("tekton-webhook"), ".tekton/pipeline.yaml": echo}
    assert check_files(tmp_path / "d", stub, "ci-trigger").status == "fail"
    commented = "# apiVersion: tekton.dev/v1\n# kind: Pipeline\n"
    assert check_files(tmp_path / "e", {".tekton/pipeline.yaml": commented}, "ci-trigger").status == "fail"


SCRIPTED = """
node {
    stage('Checkout') {
        checkout scm
    }
    try {
        stage('Test') {
            sh 'pip install -r requirements.txt'
            sh 'pytest -q'
        }
        stage('Image') {
            def app = docker.build("shop/app:${env.BUILD_NUMBER}")
            app.push()
        }
        stage('Deploy') {
            sh 'helm upgrade --install shop ./chart --wait'
        }
    } catch (err) {
        stage('Roll back') {
            sh 'helm rollback shop'
        }
        throw err
    } finally {
        stage('Report') {
            junit 'reports/*.xml'
        }
    }
}
"""


def test_jenkins_scripted_pipeline(tmp_path):
    files = {"Jenkinsfile": SCRIPTED, "chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
             "requirements.txt": "pytest\n", **TESTS}
    (pipe,) = read_pipelines(Submission(write_tree(tmp_path / "read", files)))
    assert [(j.id, j.condition, j.needs) for j in pipe.jobs] == [
        ("Checkout", "success", []), ("Test", "success", ["Checkout"]), ("Image", "success", ["Test"]),
        ("Deploy", "success", ["Image"]), ("Roll back", "failure", ["Deploy"]), ("Report", "always", ["Roll back"])]
    for kind in ("ci-trigger", "ci-runs-tests", "ci-build-artifact", "deploy-step", "deploy-verification",
                 "rollback-on-failure"):
        assert check_files(tmp_path / kind, files, kind).status == "pass", kind
    always = SCRIPTED.replace("} catch (err) {", "} finally {").replace("    } finally {\n        stage('Report')",
                                                                        "    } catch (err) {\n        stage('Report')")
    assert check_files(tmp_path / "always", {**files, "Jenkinsfile": always}, "rollback-on-failure").status == "fail"


def _every_path_in_the_ci_cases() -> set[str]:
    from pathlib import Path

    cases = Path(__file__).parent / "cases" / "ci"
    found = set()
    for case in cases.rglob("*"):
        if case.is_file():
            parts = case.relative_to(cases).parts
            for i in range(len(parts)):  # every suffix of the path: a repository may start anywhere
                found.add("/".join(parts[i:]))
    return found


NAMES = ["Jenkinsfile", "ci/Jenkinsfile", "deploy.Jenkinsfile", "Jenkinsfile.prod", ".gitlab-ci.yml",
         "app/.gitlab-ci.yml", ".github/workflows/ci.YML", ".circleci/config.yml", "azure-pipelines.yml",
         "pipelines/azure-pipelines-app.yaml", ".azuredevops/build.yml", "bitbucket-pipelines.yml",
         ".drone.yml", ".drone.yaml", ".travis.yml", ".harness/pipeline.yaml", "tekton/run.yaml",
         "ops/.tekton/push.yml", "README.md", "Makefile", "src/app.py", "jenkins/notes.txt"]


def test_the_pipeline_index_asks_every_reader_about_every_file_it_could_take():
    """ci_files asks the readers only about files named like a pipeline (YAML, Jenkinsfiles): no
    file a reader takes for a pipeline is left out of that, in the CI cases or in the names the
    systems document."""
    from grader.evidence.ci import could_be_pipeline, reader_for

    paths = _every_path_in_the_ci_cases() | set(NAMES)
    taken = {p for p in paths if reader_for(p) is not None}
    assert len(taken) > 20
    assert not {p for p in taken if not could_be_pipeline(p)}
    assert not could_be_pipeline("src/app.py") and not could_be_pipeline("README.md")


def test_the_pipeline_index_is_built_once_and_asks_only_about_candidates(tmp_path):
    """One index per submission: the readers are asked about each YAML file and Jenkinsfile once,
    however many checks want the pipelines, and never about the other files."""
    from unittest import mock

    from grader import detectors
    from grader.evidence import ci

    tree = {f"src/m{i}.py": "x = 1\n" for i in range(300)}
    tree.update({"app/.github/workflows/ci.yml": "on: push\n", "k8s/d.yaml": "kind: x\n", "Jenkinsfile.old": "x"})
    sub = Submission(write_tree(tmp_path, tree))
    with mock.patch.object(ci, "reader_for", wraps=ci.reader_for) as asked:
        for kind in ("ci-trigger", "ci-install", "ci-build-artifact", "pipeline-stages", "ci-runs-tests"):
            detectors.run(sub, kind, {})
        assert "wrong place" in ci.no_pipeline_message(sub)
    assert sorted(c.args[0] for c in asked.call_args_list) == [
        "Jenkinsfile.old", "app/.github/workflows/ci.yml", "k8s/d.yaml"]
