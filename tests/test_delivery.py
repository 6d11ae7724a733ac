"""Delivery tools' configuration read as what it does: Skaffold (what it builds, tags, applies
and verifies), Google Cloud Deploy (stages, approvals, verification, repair automations) and AWS
CodeDeploy (appspec hooks, deployment groups in Terraform, CloudFormation and the CDK)."""

from __future__ import annotations

import textwrap

import pytest

from grader.evidence import delivery, wiring
from grader.submission import Submission


@pytest.fixture
def make(tmp_path):
    subs = []

    def _make(files: dict[str, str]) -> Submission:
        for rel, text in files.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        sub = Submission(tmp_path)
        subs.append(sub)
        return sub

    yield _make
    for sub in subs:
        sub.close()


SKAFFOLD_V1 = """
apiVersion: skaffold/v1beta13
kind: Config
build:
  tagPolicy:
    dateTime: {}
  artifacts:
    - image: api
      context: api
deploy:
  kubectl:
    manifests:
      - deploy/k8s/*.yaml
  helm:
    releases:
      - name: web
        chartPath: charts/web
"""

SKAFFOLD_V2_KUSTOMIZE = """
apiVersion: skaffold/v2beta29
kind: Config
profiles:
  - name: staging
    deploy:
      kustomize:
        paths: [envs/staging]
"""


def test_skaffold_v1_kubectl_and_helm(make):
    sub = make({"skaffold.yaml": SKAFFOLD_V1})
    [conf] = delivery.skaffold_configs(sub)
    assert conf.images == [("api", 7)]
    assert [(kind, path) for kind, path, _ in conf.applies] == [("kubectl", "deploy/k8s/*.yaml"), ("helm", "charts/web")]
    assert delivery.versioned_tags(conf)
    assert delivery.skaffold_applies(sub, conf, "deploy/k8s/api.yaml")
    assert not delivery.skaffold_applies(sub, conf, "deploy/k8s/old/api.yaml")  # `*` stays in its folder
    assert delivery.skaffold_applies(sub, conf, "charts/web/templates/deployment.yaml")
    assert not delivery.skaffold_applies(sub, conf, "k8s/api.yaml")


def test_skaffold_v2_profile_kustomize_follows_its_bases(make):
    sub = make({"infra/skaffold.yaml": SKAFFOLD_V2_KUSTOMIZE,
                "infra/envs/staging/kustomization.yaml": "resources:\n  - ../../base\n",
                "infra/base/deployment.yaml": "kind: Deployment\n", "infra/other/deployment.yaml": "kind: Deployment\n"})
    [conf] = delivery.skaffold_configs(sub)
    assert [(kind, path) for kind, path, _ in conf.applies] == [("kustomize", "infra/envs/staging")]
    assert delivery.skaffold_applies(sub, conf, "infra/envs/staging/patch.yaml")
    assert delivery.skaffold_applies(sub, conf, "infra/base/deployment.yaml")
    assert not delivery.skaffold_applies(sub, conf, "infra/other/deployment.yaml")


def test_skaffold_v4_defaults_and_globs(make):
    sub = make({"skaffold.yaml": """
        apiVersion: skaffold/v4beta11
        kind: Config
        build:
          artifacts: [{image: web}]
        ---
        apiVersion: skaffold/v4beta11
        kind: Config
        manifests:
          rawYaml: ["manifests/**/*.yaml"]
        """})
    first, second = delivery.skaffold_configs(sub)
    assert [path for _, path, _ in first.applies] == ["k8s/*.yaml"]  # Skaffold's default
    assert delivery.fnmatch_path("manifests/a/b/web.yaml", "manifests/**/*.yaml")
    assert delivery.skaffold_applies(sub, second, "manifests/prod/web.yaml")
    assert not delivery.skaffold_applies(sub, second, "k8s/web.yaml")


@pytest.mark.parametrize(("policy", "versioned"), [
    ("gitCommit: {}", True), ("sha256: {}", True), ("envTemplate: {template: '{{.IMAGE_NAME}}:{{.VERSION}}'}", True),
    ("envTemplate: {template: '{{.IMAGE_NAME}}:latest'}", False), ("envTemplate: {template: latest}", False),
    ("customTemplate: {template: latest}", False)])
def test_skaffold_tag_policies(make, policy, versioned):
    sub = make({"skaffold.yaml": f"apiVersion: skaffold/v4beta1\nkind: Config\nbuild:\n  tagPolicy:\n    {policy}\n"
                                 "  artifacts: [{image: web}]\n"})
    assert delivery.versioned_tags(delivery.skaffold_configs(sub)[0]) is versioned


def test_skaffold_for_the_file_a_command_names(make):
    sub = make({"skaffold.yaml": SKAFFOLD_V1, "infra/skaffold.yaml": SKAFFOLD_V2_KUSTOMIZE})
    assert [c.path for c in delivery.skaffold_for(sub, "skaffold run")] == ["skaffold.yaml"]
    assert [c.path for c in delivery.skaffold_for(sub, "skaffold run -f infra/skaffold.yaml")] == ["infra/skaffold.yaml"]
    assert [c.path for c in delivery.skaffold_for(sub, "gcloud deploy releases create r --skaffold-file=./infra/skaffold.yaml")] \
        == ["infra/skaffold.yaml"]


def test_a_skaffold_command_applies_only_what_its_config_names(make):
    workflow = ("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - run: skaffold run -f skaffold.yaml\n")
    sub = make({".github/workflows/d.yml": workflow, "skaffold.yaml": SKAFFOLD_V1,
                "deploy/k8s/api.yaml": "kind: Deployment\n", "unused/api.yaml": "kind: Deployment\n"})
    assert wiring.manifests_applier(sub, ["deploy/k8s/api.yaml"])
    assert wiring.manifests_applier(sub, ["unused/api.yaml"]) is None
    assert wiring.manifests_applier(sub)  # asked about nothing in particular: something applies


def test_without_a_skaffold_config_a_skaffold_command_applies_everything(make):
    workflow = ("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: skaffold run\n")
    sub = make({".github/workflows/d.yml": workflow, "unused/api.yaml": "kind: Deployment\n"})
    assert wiring.manifests_applier(sub, ["unused/api.yaml"])


def test_another_deploy_beside_skaffold_applies_everything(make):
    workflow = ("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: skaffold run\n"
                "      - run: kubectl apply -f unused/\n")
    sub = make({".github/workflows/d.yml": workflow, "skaffold.yaml": SKAFFOLD_V1, "unused/api.yaml": "kind: Deployment\n"})
    assert wiring.manifests_applier(sub, ["unused/api.yaml"])


CLOUD_DEPLOY = """
apiVersion: deploy.cloud.google.com/v1
kind: DeliveryPipeline
metadata: {name: web}
serialPipeline:
  stages:
    - targetId: dev
    - targetId: prod
      strategy:
        canary:
          customCanaryDeployment:
            phaseConfigs:
              - {phaseId: half, percentage: 50, verify: true}
              - {phaseId: stable, percentage: 100}
---
apiVersion: deploy.cloud.google.com/v1
kind: Target
metadata: {name: prod}
requireApproval: true
---
apiVersion: deploy.cloud.google.com/v1
kind: Automation
metadata: {name: web/old-style}
rules:
  - repairRolloutRule:
      id: repair
      repairModes:
        - retry: {attempts: 1}
        - rollback: {}
---
apiVersion: deploy.cloud.google.com/v1
kind: Automation
metadata: {name: web/paused}
suspended: true
rules:
  - repairRolloutRule: {id: r, repairPhases: [{rollback: {}}]}
---
apiVersion: deploy.cloud.google.com/v1
kind: Automation
metadata: {name: web/promote}
rules:
  - promoteReleaseRule: {id: p, toTargetId: "@next"}
"""


def test_cloud_deploy_resources(make):
    sub = make({"deploy/pipeline.yaml": CLOUD_DEPLOY})
    found = delivery.cloud_deploy(sub)
    [pipeline] = found.pipelines
    assert [(s.target, s.strategy, s.verify) for s in pipeline.stages] == [("dev", "standard", False),
                                                                          ("prod", "canary", True)]
    assert list(found.approvals) == ["prod"]
    assert [(a[2], a[4], a[5], a[6]) for a in found.automations] == [
        ("web/old-style", True, False, False), ("web/paused", True, False, True), ("web/promote", False, True, False)]
    assert delivery.delivery_pipeline(sub, "gcloud deploy releases create r --delivery-pipeline=web") is pipeline
    assert delivery.delivery_pipeline(sub, "gcloud deploy releases create r --delivery-pipeline $PIPE") is pipeline
    assert delivery.delivery_pipeline(sub, "gcloud deploy releases create r --delivery-pipeline=other") is None


@pytest.mark.parametrize(("text", "tool"), [
    ("skaffold run --tail", "skaffold"), ("skaffold deploy -a build.json", "skaffold"), ("skaffold build", None),
    ("gcloud deploy releases create rel-1 --delivery-pipeline=web", "clouddeploy"),
    ("aws deploy create-deployment --application-name web", "codedeploy"), ("kubectl apply -f k8s/", None)])
def test_deploy_tool(text, tool):
    assert delivery.deploy_tool(text) == tool


def test_codedeploy_groups_in_the_cdk(make):
    sub = make({"infra/stack.py": """
        from aws_cdk import aws_codedeploy as codedeploy

        group = codedeploy.EcsDeploymentGroup(self, "Web",
            service=service,
            deployment_config=codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES,
            blue_green_deployment_config=codedeploy.EcsBlueGreenDeploymentConfig(listener=listener))
        server = codedeploy.ServerDeploymentGroup(self, "Legacy",
            auto_rollback=codedeploy.AutoRollbackConfig(failed_deployment=False))
        """})
    web, legacy = delivery.deployment_groups(sub)
    assert (web.source, web.strategy, web.rollback) == ("CDK", "canary", True)  # the CDK rolls back by default
    assert (legacy.strategy, legacy.rollback) == (None, False)


def test_appspec_hooks_of_every_platform(make):
    sub = make({"appspec.yml": """
        version: 0.0
        os: linux
        hooks:
          ValidateService:
            - location: /scripts/health.sh
        """, "scripts/health.sh": "#!/bin/bash\nsystemctl is-active --quiet web\n",
        "lambda/appspec.yaml": """
        version: 0.0
        Resources:
          - api:
              Type: AWS::Lambda::Function
              Properties: {Name: api, Alias: live, CurrentVersion: 1, TargetVersion: 2}
        Hooks:
          - BeforeAllowTraffic: arn:aws:lambda:eu-west-1:123456789012:function:pre-check
          - AfterAllowTraffic: post-check
        """, "main.tf": 'resource "aws_lambda_function" "post" {\n  function_name = "post-check"\n}\n'})
    server, lam = sorted(delivery.appspecs(sub), key=lambda a: a.path)
    assert (server.platform, lam.platform) == ("server", "lambda")
    ok, what, where = delivery.hook_check(sub, server, server.hooks[0])
    assert ok and where.path == "scripts/health.sh", what
    assert [h.event for h in lam.hooks] == ["BeforeAllowTraffic", "AfterAllowTraffic"]
    ok, what, where = delivery.hook_check(sub, lam, lam.hooks[1])
    assert ok and where.path == "main.tf"
    assert not delivery.hook_check(sub, lam, lam.hooks[0])[0]  # pre-check is defined nowhere here


def test_hostile_configs_are_read_without_failing(make):
    many = "\n".join(f"    - image: img{i}" for i in range(5000))
    sub = make({"skaffold.yaml": f"apiVersion: skaffold/v4beta1\nkind: Config\nbuild:\n  artifacts:\n{many}\n"
                                 "  tagPolicy: [not, a, mapping]\nmanifests: {rawYaml: 7, kustomize: {paths: {a: b}}}\n"
                                 "verify: {not: a list}\n",
                "clouddeploy.yaml": "apiVersion: deploy.cloud.google.com/v1\nkind: DeliveryPipeline\n"
                                    "metadata: [x]\nserialPipeline: {stages: [1, {targetId: [a]}, {strategy: 3}]}\n",
                "appspec.yml": "hooks:\n  ValidateService: [1, {location: [x]}]\nHooks: {a: b}\n"})
    [conf] = delivery.skaffold_configs(sub)
    assert len(conf.images) == delivery.MAX_ITEMS and conf.verify == []
    assert delivery.cloud_deploy(sub).pipelines[0].stages == []
    assert delivery.appspecs(sub)[0].hooks == []


def test_a_library_defining_deployment_groups_is_not_a_cdk_program(make):
    sub = make({"node_modules/aws-cdk-lib/aws-codedeploy/lib/ecs.js":
                "// aws-codedeploy\nclass X { f() { return new EcsDeploymentGroup(this, 'x'); } }\n",
                "scripts/notes.py": "EcsDeploymentGroup(self, 'x')  # no CDK module imported\n"})
    assert delivery.deployment_groups(sub) == []


def test_a_config_of_many_profiles_is_read_up_to_a_bound(make):
    profiles = "\n".join(f"  - name: p{i}\n    manifests:\n      rawYaml: [{', '.join(f'm{i}-{j}.yaml' for j in range(50))}]"
                         for i in range(150))
    sub = make({"skaffold.yaml": f"apiVersion: skaffold/v4beta1\nkind: Config\nprofiles:\n{profiles}\n"})
    [conf] = delivery.skaffold_configs(sub)
    assert len(conf.applies) <= delivery.skaffold.MAX_FACTS + delivery.MAX_ITEMS
    assert not delivery.skaffold_applies(sub, conf, "unrelated.yaml")
