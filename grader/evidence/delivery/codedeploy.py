"""AWS CodeDeploy: an ``appspec.yml``'s lifecycle hooks (scripts on EC2/on-premises, Lambda
functions for ECS and Lambda) and what they check; deployment groups (Terraform
``aws_codedeploy_deployment_group``, CloudFormation ``AWS::CodeDeploy::DeploymentGroup``, the CDK's
``*DeploymentGroup``) with their automatic rollback and blue/green, canary or linear
configuration."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.evidence import infra
from grader.evidence.cloudmonitor import cloudformation_resources
from grader.evidence.delivery.common import MAX_DOCS, MAX_ITEMS, items, join_path, strings
from grader.evidence.shell import categories, normalise, split_script
from grader.model import Location
from grader.patterns import lazy
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

# The lifecycle events that run after the new version is installed and serving: a failure there
# fails the deployment (and rolls it back where automatic rollback is on).
VALIDATION_EVENTS = ("ValidateService", "AfterAllowTraffic", "AfterAllowTestTraffic")
_APPSPEC = lazy(r"(?i)^appspec\.ya?ml$")
# a service checked: an HTTP request, a port, a unit or a process asked if it is up
_SERVICE_CHECK = lazy(r"^(?:systemctl (?:is-active|status)|service \S+ status|nc -z|pgrep|pidof|"
                      r"docker (?:inspect|ps)|test -f|ss -|netstat )")


@dataclass(slots=True)
class Hook:
    event: str
    target: str  # a script path (EC2/on-premises) or a Lambda function name (ECS, Lambda)
    line: int
    script: bool


@dataclass(slots=True)
class AppSpec:
    path: str
    line: int
    platform: str  # "server", "ecs", "lambda"
    hooks: list[Hook]


def appspecs(sub: Submission) -> list[AppSpec]:
    cached = sub.memo("appspecs")
    if cached is None:
        cached = sub.memo("appspecs", _appspecs(sub))
    return cached


def _appspecs(sub: Submission) -> list[AppSpec]:
    out = []
    for rel in sub.yaml_files():
        if not _APPSPEC.match(rel.rsplit("/", 1)[-1]):
            continue
        doc = (sub.yaml_docs_quiet(rel) or [None])[0]
        if not isinstance(doc, dict):
            continue
        line = line_of(doc, 1) or 1
        hooks: list[Hook] = []
        server = doc.get("hooks")
        if isinstance(server, dict):  # EC2/on-premises: event -> [{location, timeout, runas}]
            for event, scripts in list(server.items())[:MAX_ITEMS]:
                for i, script in enumerate(items(scripts)):
                    where = mapping(script).get("location")
                    if isinstance(where, str):
                        hooks.append(Hook(str(event), where.strip(), item_line(scripts, i, line), True))
        functions = doc.get("Hooks")
        for i, entry in enumerate(items(functions)):  # ECS/Lambda: [{Event: function}]
            for event, function in list(mapping(entry).items())[:5]:
                if isinstance(function, str):
                    hooks.append(Hook(str(event), function.strip(), item_line(functions, i, line), False))
        resources = items(doc.get("Resources"))
        text = str(resources)[:2000]
        platform = "ecs" if "AWS::ECS::Service" in text else ("lambda" if "AWS::Lambda::Function" in text else "server")
        out.append(AppSpec(rel, line, platform, hooks))
    return out


def hook_check(sub: Submission, spec: AppSpec, hook: Hook) -> tuple[bool, str, Location]:
    """(checks the service?, what it does, where) of a validation hook: a script that exists in
    the repository and asks the service whether it is up (an HTTP request, a port, a unit's
    state); a Lambda function the repository defines."""
    if hook.script:
        rel = join_path(posixpath.dirname(spec.path), hook.target.lstrip("/"))
        for candidate in (rel, hook.target.lstrip("/")):
            if sub.exists(candidate):
                text = sub.read_text(candidate) or ""
                for cmd in split_script(text[:infra.MAX_SCRIPT_CHARS], 1)[:2000]:
                    words = normalise(cmd.text)
                    if "verify" in categories(cmd.text) or _SERVICE_CHECK.match(words):
                        return True, f"{candidate} checks the service (`{cmd.text.strip()[:60]}`)", \
                            Location(candidate, cmd.line)
                return False, f"{candidate} runs no check of the service", Location(candidate, 1)
        return False, f"the script {hook.target} is not in the repository", Location(spec.path, hook.line)
    function = hook.target.rsplit(":", 1)[-1]
    where = _lambda_defined(sub, function)
    if where is not None:
        return True, f"the Lambda function {function} (defined in {where.path})", where
    return False, f"the Lambda function {function} is not defined in the repository", Location(spec.path, hook.line)


def _lambda_defined(sub: Submission, function: str) -> Location | None:
    if not function or "$" in function or "{" in function or "<" in function:
        return None
    for rtype in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
        for rel, line, rname, props in cloudformation_resources(sub, rtype):
            if rname == function or props.get("FunctionName") == function:
                return Location(rel, line)
    for rel, line, rtype, body in infra.terraform_resources(sub):
        if rtype == "aws_lambda_function" and re.search(r'function_name\s*=\s*"' + re.escape(function) + '"', body):
            return Location(rel, line)
    return None


@dataclass(slots=True)
class DeploymentGroup:
    path: str
    line: int
    name: str
    source: str  # "Terraform", "CloudFormation", "CDK"
    rollback: bool | None  # on DEPLOYMENT_FAILURE: True; configured without it: False; absent: None
    strategy: str | None  # "blue/green", "canary", "linear", or None (in place, all at once)
    rollback_stanza: str  # what was read, for the messages
    strategy_stanza: str


_TF_ROLLBACK = lazy(r"auto_rollback_configuration\s*\{([^{}]{0,2000})\}")
_TF_GROUP_NAME = lazy(r'deployment_group_name\s*=\s*"([^"$]{1,100})"')
_TF_BLUE_GREEN = lazy(r'deployment_type\s*=\s*"BLUE_GREEN"')
_CONFIG_NAME = lazy(r"CodeDeployDefault\.(?:ECS|Lambda)(Canary|Linear)\w*|CodeDeployDefault\.(?:ECS|Lambda)AllAtOnce")
MAX_PROGRAMS = 2000  # source files looked at for a CDK program (most are skipped on a substring)
_CDK_MODULE = lazy(r"aws[_-]codedeploy|aws_cdk\.aws_codedeploy|@aws-cdk/aws-codedeploy")
_CDK_ID = lazy(r"""(?:self|this)[ \t\r\n]*,[ \t\r\n]*["']([\w-]{1,100})["']""")  # the construct's id
_CDK_GROUP = lazy(r"\b(Ecs|Lambda|Server)DeploymentGroup\s*\(")
_CDK_ROLLBACK = lazy(r"failed_?[dD]eployment\s*[=:]\s*(True|true|False|false)")
_CDK_CONFIG = lazy(r"(?:Ecs|Lambda)DeploymentConfig\.(CANARY|LINEAR|ALL_AT_ONCE)\w*")


def _call_arguments(text: str, start: int, limit: int = 5000) -> str:
    """The arguments of a call whose ``(`` is just before ``start``, up to its closing ``)``
    (bounded: at most ``limit`` characters)."""
    depth = 1
    end = min(len(text), start + limit)
    for i in range(start, end):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return text[start:i]
    return text[start:end]


def deployment_groups(sub: Submission) -> list[DeploymentGroup]:
    cached = sub.memo("codedeploy-groups")
    if cached is None:
        cached = sub.memo("codedeploy-groups", _deployment_groups(sub))
    return cached


def _deployment_groups(sub: Submission) -> list[DeploymentGroup]:
    return _terraform_groups(sub) + _cloudformation_groups(sub) + _cdk_groups(sub)


def _terraform_groups(sub: Submission) -> list[DeploymentGroup]:
    out: list[DeploymentGroup] = []
    for rel, line, rtype, body in infra.terraform_resources(sub):
        if rtype != "aws_codedeploy_deployment_group":
            continue
        rollback: bool | None = None
        m = _TF_ROLLBACK.search(body)
        if m:
            inner = m.group(1)
            rollback = bool(re.search(r"enabled\s*=\s*true", inner)) and "DEPLOYMENT_FAILURE" in inner
        strategy = "blue/green" if _TF_BLUE_GREEN.search(body) else None
        named = _CONFIG_NAME.search(body)
        if named and named.group(1):
            strategy = named.group(1).lower()
        events = re.findall(r"DEPLOYMENT_\w+", m.group(1)) if m else []
        rollback_stanza = f"auto_rollback_configuration {{ events = {', '.join(events) or 'none'} }}" if m else ""
        strategy_stanza = named.group(0) if named and named.group(1) else (
            'deployment_style { deployment_type = "BLUE_GREEN" }' if strategy else "")
        group = _TF_GROUP_NAME.search(body)
        out.append(DeploymentGroup(rel, line, group.group(1) if group else "aws_codedeploy_deployment_group",
                                   "Terraform", rollback, strategy, rollback_stanza, strategy_stanza))
    return out


def _cloudformation_groups(sub: Submission) -> list[DeploymentGroup]:
    out: list[DeploymentGroup] = []
    for rel, line, rname, props in cloudformation_resources(sub, "AWS::CodeDeploy::DeploymentGroup"):
        auto = props.get("AutoRollbackConfiguration")
        rollback = None
        if isinstance(auto, dict):
            rollback = auto.get("Enabled") is True and "DEPLOYMENT_FAILURE" in strings(auto.get("Events"))
        style = mapping(props.get("DeploymentStyle"))
        strategy = "blue/green" if style.get("DeploymentType") == "BLUE_GREEN" or \
            isinstance(props.get("BlueGreenDeploymentConfiguration"), dict) else None
        named = _CONFIG_NAME.search(str(props.get("DeploymentConfigName", "")))
        if named and named.group(1):
            strategy = named.group(1).lower()
        listed = ", ".join(strings(mapping(auto).get("Events"))) or "none"
        rollback_stanza = f"AutoRollbackConfiguration: Enabled {mapping(auto).get('Enabled')}, Events {listed}" \
            if isinstance(auto, dict) else ""
        strategy_stanza = named.group(0) if named and named.group(1) else (
            "DeploymentStyle: BLUE_GREEN" if strategy else "")
        out.append(DeploymentGroup(rel, line, rname, "CloudFormation", rollback, strategy, rollback_stanza,
                                   strategy_stanza))
    return out


def _cdk_groups(sub: Submission) -> list[DeploymentGroup]:
    out: list[DeploymentGroup] = []
    programs = [rel for rel in sub.by_suffix(".py", ".ts", ".js")
                if "node_modules/" not in rel and "/vendor/" not in f"/{rel}" and not rel.endswith(".d.ts")]
    for rel in programs[:MAX_PROGRAMS]:
        text = sub.read_text(rel) or ""
        # a CDK program (its codedeploy module imported), not a library that defines the classes
        if "DeploymentGroup" not in text or len(text) > 300_000 or not _CDK_MODULE.search(text):
            continue
        for m in _CDK_GROUP.finditer(text):
            body = _call_arguments(text, m.end())
            line = text.count("\n", 0, m.start()) + 1
            rb = _CDK_ROLLBACK.search(body)
            cfg = _CDK_CONFIG.search(body)
            strategy = "blue/green" if m.group(1) == "Ecs" else None  # an ECS deployment group is blue/green
            if cfg and cfg.group(1) != "ALL_AT_ONCE":
                strategy = cfg.group(1).lower()
            # the CDK rolls a failed deployment back unless told not to (autoRollback.failedDeployment)
            rollback = rb.group(1).lower() == "true" if rb else True
            rollback_stanza = rb.group(0) if rb else "the CDK's default: autoRollback failedDeployment"
            strategy_stanza = cfg.group(0) if cfg and cfg.group(1) != "ALL_AT_ONCE" else (
                "an ECS deployment group deploys blue/green" if strategy else "")
            construct = _CDK_ID.match(body.lstrip())
            name = construct.group(1) if construct else f"{m.group(1)}DeploymentGroup"
            out.append(DeploymentGroup(rel, line, name, "CDK", rollback, strategy,
                                       rollback_stanza, strategy_stanza))
            if len(out) > MAX_DOCS:
                return out
    return out
