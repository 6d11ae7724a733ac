"""Pipeline detectors: trigger, install, build, tests in CI, release automation, deploy,
verification and rollback — each real, absent, faked, and in other valid forms."""

from __future__ import annotations

import pytest

GOOD_CI = """
name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: pytest -q
  build:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t app:${{ github.sha }} .
  deploy:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - name: Deploy
        run: |
          kubectl apply -f k8s/
          kubectl rollout status deployment/app
      - name: Roll back
        if: failure()
        run: kubectl rollout undo deployment/app
"""

TEST_FILE = {"tests/test_app.py": "from app import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"}

GITLAB = """
stages: [test, build, deploy]
test:
  stage: test
  script:
    - pip install -r requirements.txt
    - pytest
build:
  stage: build
  script:
    - docker build -t registry.example.com/app:$CI_COMMIT_SHA .
deploy:
  stage: deploy
  script:
    - helm upgrade --install app ./chart --set image.tag=$CI_COMMIT_SHA
    - ./scripts/smoke-test.sh
rollback:
  stage: .post
  when: on_failure
  script:
    - helm rollback app
release:
  stage: deploy
  rules:
    - if: $CI_COMMIT_TAG
  script:
    - docker push registry.example.com/app:$CI_COMMIT_TAG
"""


def wf(text: str, name: str = "ci.yml") -> dict:
    return {f".github/workflows/{name}": text}


# -- ci-trigger ------------------------------------------------------------------------
@pytest.mark.parametrize("on", [
    "on: push", "on: [push, pull_request]", "on:\n  pull_request:\n    branches: [main]",
    "'on': push", "on:\n  push:\n    tags: [v*]\n  pull_request: {}",
])
def test_trigger_forms_pass(check, on):
    text = f"{on}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make\n"
    assert check(wf(text), "ci-trigger").status == "pass"


def test_trigger_absent_fails(check):
    assert check({"README.md": "# hi"}, "ci-trigger").status == "fail"


def test_trigger_manual_only_is_fake(check):
    text = "on: workflow_dispatch\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: pytest\n"
    finding = check(wf(text), "ci-trigger")
    assert finding.status == "fail"
    assert "workflow_dispatch" in finding.message


def test_trigger_outside_workflows_folder_is_fake(check):
    files = {".github/ci.yml": GOOD_CI, "ci/workflows/ci.yml": GOOD_CI}
    assert check(files, "ci-trigger").status == "fail"


def test_trigger_gitlab_passes(check):
    assert check({".gitlab-ci.yml": GITLAB}, "ci-trigger").status == "pass"


def test_trigger_evidence_line(check):
    finding = check(wf(GOOD_CI), "ci-trigger")
    assert finding.evidence[0].path == ".github/workflows/ci.yml"
    assert finding.evidence[0].line == 3  # the `push:` key


# -- ci-install / ci-build-artifact ---------------------------------------------------------
def test_install_and_build_pass(check):
    assert check(wf(GOOD_CI), "ci-install").status == "pass"
    assert check(wf(GOOD_CI), "ci-build-artifact").status == "pass"


def test_install_absent(check):
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make lint\n"
    assert check(wf(text), "ci-install").status == "fail"
    assert check(wf(text), "ci-build-artifact").status == "fail"


def test_build_in_comment_or_echo_is_fake(check):
    text = """
    on: push
    jobs:
      a:
        runs-on: x
        steps:
          # - run: docker build -t app:${{ github.sha }} .
          - run: |
              # docker build -t app:${{ github.sha }} .
              echo "docker build -t app:${{ github.sha }} ."
              echo pip install -r requirements.txt
    """
    assert check(wf(text), "ci-build-artifact").status == "fail"
    assert check(wf(text), "ci-install").status == "fail"


def test_build_unversioned_is_partial(check):
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: docker build -t app:latest .\n"
    finding = check(wf(text), "ci-build-artifact")
    assert finding.status == "partial"
    assert "latest" in finding.message or "version" in finding.message


@pytest.mark.parametrize("steps", [
    "      - uses: docker/build-push-action@v6\n        with:\n          tags: app:${{ github.sha }}\n",
    "      - run: npm run build\n",
    "      - run: python -m build\n",
    "      - run: ./gradlew build\n",
])
def test_build_alternative_forms(check, steps):
    text = "on: [push]\njobs:\n  a:\n    runs-on: x\n    steps:\n" + steps
    assert check(wf(text), "ci-build-artifact").status == "pass"


def test_build_gitlab(check):
    assert check({".gitlab-ci.yml": GITLAB}, "ci-build-artifact").status == "pass"
    assert check({".gitlab-ci.yml": GITLAB}, "ci-install").status == "pass"


# -- ci-runs-tests -----------------------------------------------------------------------
def test_runs_tests_pass(check):
    assert check({**wf(GOOD_CI), **TEST_FILE}, "ci-runs-tests").status == "pass"


def test_runs_tests_without_tests_is_fake(check):
    finding = check(wf(GOOD_CI), "ci-runs-tests")
    assert finding.status == "fail"
    assert "no real tests" in finding.message


def test_tests_never_run_in_ci(check):
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo pytest\n"
    assert check({**wf(text), **TEST_FILE}, "ci-runs-tests").status == "fail"


def test_runs_tests_gitlab_and_npm(check):
    assert check({".gitlab-ci.yml": GITLAB, **TEST_FILE}, "ci-runs-tests").status == "pass"
    js = {"src/sum.test.js": "test('adds', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n"}
    text = "on: pull_request\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: npm ci\n      - run: npm test\n"
    assert check({**wf(text), **js}, "ci-runs-tests").status == "pass"


def test_front_end_projects_build_and_test_through_their_framework(check):
    # `npm run build` and `npm test` start the framework's command line (Create React App,
    # Angular, Vue, Next): that is the build and the test run
    ci = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: npm ci\n" \
         "      - run: npm test -- --watchAll=false\n      - run: npm run build\n"
    spec = {"src/App.test.js": "import { sum } from './sum';\n\ntest('adds', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n"}
    for build, test in (("react-scripts build", "react-scripts test"), ("ng build", "ng test --watch=false"),
                        ("vue-cli-service build", "vue-cli-service test:unit"), ("next build", "jest")):
        files = {**wf(ci), **spec,
                 "package.json": f'{{"name": "shop", "scripts": {{"build": "{build}", "test": "{test}"}}}}'}
        built = check(files, "ci-build-artifact")
        assert built.status == "pass" and build in built.message, build
        assert built.evidence[0].path == "package.json" and built.evidence[0].via == (".github/workflows/ci.yml:8",)
        assert check(files, "ci-runs-tests").status == "pass", test
    # a script that only pretends, or a dev server, builds nothing
    for fake in ("echo react-scripts build", "next dev"):
        files = {**wf(ci), **spec, "package.json": f'{{"scripts": {{"build": "{fake}", "test": "echo ok"}}}}'}
        assert check(files, "ci-build-artifact").status == "fail", fake
        assert check(files, "ci-runs-tests").status == "fail", fake


def test_deploy_through_a_script_with_wrapper_functions_and_a_syntax_check(check):
    # a deploy script that wraps docker compose in a function and checks health with a retry
    script = ("#!/usr/bin/env bash\nset -e\ncompose() {\n  docker compose -f compose.prod.yml \"$@\"\n}\n"
              "retry() {\n  local n=$1; shift\n  for _ in $(seq \"$n\"); do\n    if \"$@\"; then return 0; fi\n"
              "    sleep 2\n  done\n  return 1\n}\ncompose pull\ncompose up -d\nretry 20 curl -fsS http://localhost/health\n")
    ci = ("on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: [self-hosted]\n    steps:\n"
          "      - run: bash -n scripts/deploy.sh\n      - run: ./scripts/deploy.sh\n")
    compose = {"compose.prod.yml": "services:\n  api:\n    image: shop/api:1.0.0\n"}
    files = {**wf(ci), "scripts/deploy.sh": script, **compose}
    deployed = check(files, "deploy-step")
    assert deployed.status == "pass" and "docker compose -f compose.prod.yml up -d" in deployed.message
    assert deployed.evidence[0].path == "scripts/deploy.sh" and deployed.evidence[0].line == 15
    assert check(files, "deploy-verification").status == "pass"
    # `bash -n` only checks the syntax: a pipeline that only does that deploys nothing
    syntax_only = {**wf(ci.replace("      - run: ./scripts/deploy.sh\n", "")), "scripts/deploy.sh": script, **compose}
    assert check(syntax_only, "deploy-step").status != "pass"


def test_a_static_site_copied_to_its_server_is_deployed(check):
    # the build output rsynced onto the web server from main, then checked
    ci = ("on:\n  push:\n    branches: [main]\njobs:\n  site:\n    runs-on: ubuntu-latest\n    steps:\n"
          "      - run: npm ci && npm run build\n"
          "      - run: rsync -avz --delete dist/ deploy@${{ secrets.HOST }}:/var/www/shop\n"
          "      - run: curl -fsS https://shop.example/\n")
    files = {**wf(ci), "package.json": '{"scripts": {"build": "vite build"}}'}
    deployed = check(files, "deploy-step")
    assert deployed.status == "pass" and "rsync" in deployed.message
    assert check(files, "deploy-verification").status == "pass"
    # fetching the server's log, or copying between folders of the runner, deploys nothing
    for fake in ("scp deploy@${{ secrets.HOST }}:/var/log/shop.log .", "rsync -a dist/ backup/"):
        text = ci.replace("rsync -avz --delete dist/ deploy@${{ secrets.HOST }}:/var/www/shop", fake)
        assert check({**wf(text), "package.json": files["package.json"]}, "deploy-step").status == "fail", fake


# -- release-automation --------------------------------------------------------------------
RELEASE = """
on:
  push:
    tags: ['v*']
jobs:
  release:
    runs-on: x
    steps:
      - run: gh release create "$GITHUB_REF_NAME" --generate-notes
"""


def test_release_automation_pass(check):
    assert check(wf(RELEASE, "release.yml"), "release-automation").status == "pass"


def test_release_automation_absent(check):
    assert check(wf(GOOD_CI), "release-automation").status == "fail"


def test_release_automation_tag_trigger_without_release_step_is_weak(check):
    text = "on:\n  push:\n    tags: ['v*']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo release\n"
    finding = check(wf(text), "release-automation")
    assert finding.status == "partial" and finding.fraction == 0.3  # triggered by tags, releases nothing


def test_release_automation_alternatives(check):
    action = """
    on:
      release:
        types: [published]
    jobs:
      publish:
        runs-on: x
        steps:
          - uses: pypa/gh-action-pypi-publish@release/v1
    """
    assert check(wf(action), "release-automation").status == "pass"
    assert check({".gitlab-ci.yml": GITLAB}, "release-automation").status == "pass"


def test_release_automation_branch_publish_of_a_versioned_package_is_partial(check):
    # a chart or package published under the version its manifest declares, from main: a
    # versioned release, though not cut from a tag
    chart = """
    on:
      push:
        branches: [main]
    jobs:
      chart:
        runs-on: x
        steps:
          - run: helm package ./chart
          - run: helm push app-1.2.0.tgz oci://registry.example.org/charts
    """
    finding = check(wf(chart), "release-automation")
    assert finding.status == "partial" and finding.fraction == 0.5
    assert "a Helm chart" in finding.message and finding.evidence[0].line == 9
    jenkins = "pipeline {\n  agent any\n  stages {\n    stage('Publish') {\n      steps {\n" \
              "        sh './mvnw -B deploy -s settings.xml'\n      }\n    }\n  }\n}\n"
    finding = check({"Jenkinsfile": jenkins}, "release-automation")
    assert finding.status == "partial" and "a Maven artifact" in finding.message
    for other in ("npm publish --access public", "cargo publish", "twine upload dist/*", "gem push pkg/x-1.0.gem",
                  "dotnet nuget push out/x.1.0.nupkg"):
        text = f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: {other}\n"
        assert check(wf(text), "release-automation").fraction == 0.5, other


def test_release_automation_fake_branch_publishes_fail(check):
    # an image pushed as :latest is not a versioned release; a dry run or an ignored failure
    # publishes nothing; a publish only run by hand is not automation
    for fake in ("docker push shop/app:latest", "npm publish --dry-run", "cargo publish --dry-run", "mvn compile jib:build",
                 "npm publish || true", "echo npm publish"):
        text = f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: {fake}\n"
        assert check(wf(text), "release-automation").status == "fail", fake
    manual = "on: workflow_dispatch\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: npm publish\n"
    assert check(wf(manual), "release-automation").status == "fail"


# -- deploy, verification, rollback ---------------------------------------------------------
K8S = {"k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec: {}\n"}


def test_deploy_chain_pass(check):
    files = {**wf(GOOD_CI), **K8S}
    assert check(files, "deploy-step").status == "pass"
    assert check(files, "deploy-verification").status == "pass"
    finding = check(files, "rollback-on-failure")
    assert finding.status == "pass"
    assert finding.evidence[0].line == 28  # the rollback command


def test_deploy_absent(check):
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: pytest\n"
    for kind in ("deploy-step", "deploy-verification", "rollback-on-failure"):
        assert check(wf(text), kind).status == "fail"


def test_rollback_always_is_fake(check):
    text = GOOD_CI.replace("if: failure()", "if: always()")
    finding = check(wf(text), "rollback-on-failure")
    assert finding.status == "fail"
    assert "always" in finding.message


def test_rollback_unconditional_is_fake(check):
    text = GOOD_CI.replace("        if: failure()\n", "")
    assert check(wf(text), "rollback-on-failure").status == "fail"


def test_rollback_failure_step_that_only_logs_is_fake(check):
    text = GOOD_CI.replace("kubectl rollout undo deployment/app", "kubectl logs deployment/app")
    assert check(wf(text), "rollback-on-failure").status == "fail"


def test_rollback_in_comment_is_fake(check):
    text = GOOD_CI.replace("run: kubectl rollout undo deployment/app", "run: echo done # kubectl rollout undo")
    assert check(wf(text), "rollback-on-failure").status == "fail"


def test_rollback_alternatives(check):
    helm = """
    on: push
    jobs:
      deploy:
        runs-on: x
        steps:
          - run: helm upgrade --install app ./chart --atomic --timeout 5m
    """
    assert check(wf(helm), "rollback-on-failure").status == "pass"
    assert check(wf(helm), "deploy-verification").status == "pass"
    assert check({".gitlab-ci.yml": GITLAB}, "rollback-on-failure").status == "pass"
    assert check({".gitlab-ci.yml": GITLAB}, "deploy-verification").status == "pass"
    job_level = """
    on: push
    jobs:
      deploy:
        runs-on: x
        steps:
          - run: helm upgrade --install app ./chart
      rollback:
        needs: deploy
        if: ${{ failure() }}
        runs-on: x
        steps:
          - run: helm rollback app
    """
    assert check(wf(job_level), "rollback-on-failure").status == "pass"


def test_rollback_progressive_delivery(check):
    rollout = """
    apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: app}
    spec:
      strategy:
        canary:
          analysis: {templates: [{templateName: success-rate}]}
          steps: [{setWeight: 20}, {pause: {duration: 5m}}]
      template:
        spec:
          containers: [{name: app, image: app:1}]
    """
    assert check({"k8s/rollout.yaml": rollout}, "rollback-on-failure").status == "pass"
    assert check({"k8s/rollout.yaml": rollout}, "deploy-strategy").status == "pass"


def test_verification_before_deploy_does_not_count(check):
    text = """
    on: push
    jobs:
      deploy:
        runs-on: x
        steps:
          - run: ./smoke-test.sh
          - run: kubectl apply -f k8s/
    """
    assert check(wf(text), "deploy-verification").status == "fail"


def test_manifests_only_is_partial_deploy(check):
    files = {"k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {}\n"}
    assert check(files, "deploy-step").status == "partial"


def test_missing_steps_are_located_where_they_belong(check):
    text = "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: make lint\n"
    for kind in ("ci-install", "ci-build-artifact", "ci-runs-tests"):
        finding = check(wf(text), kind)
        assert finding.status == "fail"
        assert finding.evidence[0].path == ".github/workflows/ci.yml" and finding.evidence[0].line == 4


def test_applying_a_folder_the_repository_lacks_is_no_deploy(check):
    finding = check(wf(GOOD_CI), "deploy-step")  # `kubectl apply -f k8s/` with no k8s/ folder
    assert finding.status == "fail" and "has no such file or folder" in finding.message
    url = GOOD_CI.replace("kubectl apply -f k8s/", "kubectl apply -f https://example.com/app.yaml")
    assert check(wf(url), "deploy-step").status == "pass"  # a URL is taken on trust


POM_LINT = """<project>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-checkstyle-plugin</artifactId>
        <executions>
          <execution>
            <goals><goal>check</goal></goals>
          </execution>
        </executions>
      </plugin>
    </plugins>
  </build>
</project>
"""


def test_linters_bound_to_the_build_gate_it(check):
    # Checkstyle's check goal runs in mvn verify; Gradle's checkstyle plugin runs in gradle build
    mvn = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: ./mvnw -B verify\n"
    finding = check({**wf(mvn), "pom.xml": POM_LINT}, "lint-in-ci")
    assert finding.status == "pass" and "Checkstyle (bound to the Maven build)" in finding.message
    assert finding.evidence[0].line == 6
    gradle = mvn.replace("./mvnw -B verify", "./gradlew build")
    kts = 'plugins {\n    java\n    id("com.diffplug.spotless") version "6.25.0"\n}\n'
    assert "Spotless (part of gradle check)" in check({**wf(gradle), "build.gradle.kts": kts}, "lint-in-ci").message


def test_linters_bound_to_the_build_fakes_fail(check):
    mvn = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: mvn -B verify\n"
    managed = POM_LINT.replace("<plugins>", "<pluginManagement><plugins>").replace("</plugins>", "</plugins></pluginManagement>")
    commented = POM_LINT.replace("<plugin>", "<!-- <plugin>").replace("</plugin>", "</plugin> -->")
    for pom in (managed, commented, POM_LINT.replace("<goal>check</goal>", "<goal>checkstyle</goal>"),
                POM_LINT.replace("<executions>", "<configuration><skip>true</skip></configuration><executions>")):
        assert check({**wf(mvn), "pom.xml": pom}, "lint-in-ci").status == "fail"
    # phases before verify, a skip flag, or the check only started by hand run no check
    for cmd in ("mvn -B package", "mvn -B verify -Dcheckstyle.skip", "mvn -B verify || true"):
        text = mvn.replace("mvn -B verify", cmd)
        assert check({**wf(text), "pom.xml": POM_LINT}, "lint-in-ci").status == "fail", cmd
    gradle = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: ./gradlew assemble\n"
    assert check({**wf(gradle), "build.gradle": "plugins {\n  id 'checkstyle'\n}\n"}, "lint-in-ci").status == "fail"


def test_php_tests_run_by_phpunit_artisan_or_composer(check):
    php = {"tests/Unit/CartTest.php": "<?php\nclass CartTest extends TestCase\n{\n    public function test_total()\n"
           "    {\n        $this->assertSame(3, (new Cart())->add(3)->total());\n    }\n}\n"}
    for cmd in ("vendor/bin/phpunit", "php artisan test", "composer test", "./vendor/bin/pest"):
        ci = f"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: composer install\n      - run: {cmd}\n"
        assert check({**wf(ci), **php}, "ci-runs-tests").status == "pass", cmd
    # a PHP runner with only Python tests behind it runs none of them
    ci = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: vendor/bin/phpunit\n"
    assert check({**wf(ci), **TEST_FILE}, "ci-runs-tests").status == "fail"


def test_an_end_to_end_suite_after_the_deploy_verifies_it(check):
    ci = ("on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
          "      - run: kubectl apply -f k8s/\n      - run: npx playwright test --project=staging\n")
    finding = check({**wf(ci), **K8S}, "deploy-verification")
    assert finding.status == "pass" and "playwright" in finding.message
    # unit tests after the deploy check the code, not the deployment
    unit = ci.replace("npx playwright test --project=staging", "pytest -q tests/unit")
    assert check({**wf(unit), **K8S, **TEST_FILE}, "deploy-verification").status == "fail"


POSTMAN = """{
  "info": {"name": "shop API"},
  "item": [
    {"name": "orders", "item": [
      {"name": "GET /orders", "request": {"method": "GET", "url": "{{base}}/orders"},
       "event": [{"listen": "test", "script": {"exec": [
         "pm.test('lists the orders', function () {",
         "  pm.response.to.have.status(200);",
         "  pm.expect(pm.response.json()).to.be.an('array');",
         "});"]}}]}
    ]}
  ]
}
"""


def test_postman_collections_run_by_newman_are_api_tests(check):
    ci = ("on: push\njobs:\n  api:\n    runs-on: x\n    steps:\n"
          "      - run: npx newman run tests/shop.postman_collection.json --env-var base=http://localhost:3000\n")
    files = {**wf(ci), "tests/shop.postman_collection.json": POSTMAN}
    assert check(files, "test-files", {"min_tests": 1}).status == "pass"
    ran = check(files, "ci-runs-tests")
    assert ran.status == "pass" and "newman run" in ran.message
    # a collection whose tests assert nothing that can fail, or that has no tests, tests nothing
    trivial = POSTMAN.replace("  pm.response.to.have.status(200);", "").replace(
        "  pm.expect(pm.response.json()).to.be.an('array');", "  pm.expect(true).to.be.true;")
    assert check({**wf(ci), "tests/shop.postman_collection.json": trivial}, "ci-runs-tests").status == "fail"
    assert check({**wf(ci), "tests/shop.postman_collection.json": '{"item": []}'}, "ci-runs-tests").status == "fail"
    # a broken or oddly shaped collection is reported or skipped, not a crash
    for odd in ("{not json", '{"item": [{"name": "x", "event": 5}, 7, {"item": {"a": 1}}]}', "[1, 2]",
                '{"item": [{"event": [{"listen": "test", "script": "pm.test()"}]}]}'):
        assert check({**wf(ci), "tests/shop.postman_collection.json": odd}, "test-files").status == "fail"
