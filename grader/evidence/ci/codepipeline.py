"""AWS CodePipeline into the pipeline model, from the infrastructure code that defines it (never
run): a CloudFormation template's ``AWS::CodePipeline::Pipeline`` (its ``Stages`` and their
``Actions`` by ``ActionTypeId``), or a CDK program (Python, TypeScript, JavaScript) building one
with ``codepipeline_actions`` (``GitHubSourceAction``, ``CodeBuildAction``, ``EcsDeployAction``,
``CodeDeployEcsDeployAction``, ``ManualApprovalAction``...), read in the order they are written.

A source action on a repository branch runs the pipeline on every push to it; a build action
runs the repository's ``buildspec.yml`` (read by :mod:`grader.evidence.ci.codebuild` as a
pipeline of its own); a deploy action deploys (written as the command it amounts to, ``aws ecs
update-service`` or ``aws deploy create-deployment``); everything after a manual approval runs
only by hand."""

from __future__ import annotations

import itertools
import posixpath
from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.shell import Command
from grader.patterns import lazy
from grader.yamlload import line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "codepipeline"
NAME = "AWS CodePipeline"
WHERE = "an `AWS::CodePipeline::Pipeline` (CloudFormation or CDK)"
PREFIXES = ()

TERMS = {
    "ci": "CodePipeline", "ci_file": "your pipeline stack", "commit_sha": "#{SourceVariables.CommitId}",
    "on_change": "a source action on your branch", "on_failure": "a CloudWatch event on a failed stage",
    "on_tags": "a source action filtered on tags",
}

ACTIONS: dict[str, tuple[str, ...]] = {}  # actions are written as the commands they amount to
SSH_ACTIONS: frozenset[str] = frozenset()
MAX_BYTES = 500_000
MAX_ACTIONS = 100  # actions of one pipeline read: a pipeline has a handful of stages
# the file names a pipeline's infrastructure code goes by (a CDK stack, a CloudFormation template)
_FILE = lazy(r"(?i)^[\w.-]*pipeline[\w.-]*\.(?:py|ts|js|ya?ml|json|template)$")
# provider (CloudFormation) or CDK action class -> (kind, command)
_DEPLOYERS = {"ECS": "aws ecs update-service", "CodeDeployToECS": "aws deploy create-deployment",
              "CodeDeploy": "aws deploy create-deployment", "ElasticBeanstalk": "aws elasticbeanstalk update-environment",
              "CloudFormation": "aws cloudformation deploy", "S3": "aws s3 sync . s3://bucket",
              "AppConfig": "aws appconfig start-deployment", "ServiceCatalog": "aws servicecatalog update-provisioned-product"}
_CDK_ACTION = lazy(r"\b(\w{0,60}?)(SourceAction|BuildAction|DeployAction|ApprovalAction|InvokeAction)\s*\(")
_CDK_KIND = {"SourceAction": "Source", "BuildAction": "Build", "DeployAction": "Deploy", "ApprovalAction": "Approval",
             "InvokeAction": "Invoke"}
_CDK_DEPLOYERS = {"Ecs": "ECS", "CodeDeployEcs": "CodeDeployToECS", "CodeDeployServer": "CodeDeploy",
                  "ElasticBeanstalk": "ElasticBeanstalk", "CloudFormationCreateUpdateStack": "CloudFormation",
                  "CloudFormationDeployStackSet": "CloudFormation", "S3": "S3"}


def matches(path: str) -> bool:
    return bool(_FILE.match(posixpath.basename(path))) and not path.startswith((".github/", ".circleci/"))


def read(sub: Submission, path: str) -> Pipeline | None:
    text = sub.read_text(path) or ""
    if len(text) > MAX_BYTES or "odepipeline" not in text.lower():
        return None
    if path.endswith((".py", ".ts", ".js")):
        actions = [(m.group(1), _CDK_KIND[m.group(2)], text.count("\n", 0, m.start()) + 1)
                   for m in itertools.islice(_CDK_ACTION.finditer(text), MAX_ACTIONS)]
        actions = [(_CDK_DEPLOYERS.get(name, name), kind, line) for name, kind, line in actions]
    else:
        actions = _template_actions(sub, path)
    return _pipeline(path, actions)


def _template_actions(sub: Submission, path: str) -> list[tuple[str, str, int]]:
    """(provider, category, line) of every action of the template's pipelines, stage by stage."""
    docs = sub.yaml_docs_quiet(path) if not path.endswith(".json") else [sub.json_data(path)]
    out = []
    for doc in docs or []:
        for res in mapping(mapping(doc).get("Resources")).values():
            if not isinstance(res, dict) or res.get("Type") != "AWS::CodePipeline::Pipeline":
                continue
            stages = mapping(res.get("Properties")).get("Stages")
            for stage in stages if isinstance(stages, list) else []:
                acts = mapping(stage).get("Actions")
                for act in acts if isinstance(acts, list) else []:
                    type_id = mapping(mapping(act).get("ActionTypeId"))
                    out.append((str(type_id.get("Provider") or ""), str(type_id.get("Category") or ""),
                                line_of(act, 1) or 1))
    return out[:MAX_ACTIONS]


def _pipeline(path: str, actions: list[tuple[str, str, int]]) -> Pipeline | None:
    if not any(kind == "Source" for _, kind, _ in actions) or len(actions) < 2:
        return None
    pipe = Pipeline(SYSTEM, path, actions[0][2], path)
    pipe.triggers["push"] = actions[0][2]  # a source action starts the pipeline on every change to its branch
    job = Job("pipeline", actions[0][2])
    manual = False
    for provider, kind, line in actions:
        if kind == "Approval":
            manual = True
            continue
        step = Step(f"{kind}: {provider}", line, condition="manual" if manual else "success")
        if kind == "Deploy" and provider in _DEPLOYERS:
            step.commands = [Command(_DEPLOYERS[provider], line)]
        job.steps.append(step)
    pipe.jobs.append(job)
    return pipe
