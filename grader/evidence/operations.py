"""Operations: health checks a cloud platform runs (written as infrastructure code), runbooks
recognised by what they say, and the dump tools a backup job runs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.evidence import infra, markdown
from grader.evidence.shell import NOT_RUN, normalise, split_script
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

# Terraform resources whose body holds a health check the platform acts on: (type prefix, what
# must be in the body, how the finding names it).
_TF_HEALTH = (
    (("aws_lb_target_group", "aws_alb_target_group"), r"(?m)^[ \t]*health_check[ \t]*\{[^}]*\bpath[ \t]*=",
     "a load balancer health check (aws_lb_target_group)"),
    (("aws_ecs_task_definition",), r"healthCheck", "an ECS container health check"),
    (("azurerm_linux_web_app", "azurerm_windows_web_app", "azurerm_app_service"), r"\bhealth_check_path[ \t]*=",
     "an App Service health check path"),
    (("google_cloud_run_v2_service", "google_cloud_run_service"), r"\b(?:liveness|startup)_probe[ \t]*\{",
     "Cloud Run probes"),
    (("kubernetes_deployment",), r"\bliveness_probe[ \t]*\{", "Kubernetes probes (Terraform)"),
    (("google_compute_health_check", "google_compute_region_health_check", "azurerm_lb_probe",
      "aws_route53_health_check"), r"", "a health check resource"),
)


def cloud_health_checks(sub: Submission) -> list[tuple[str, str, int]]:
    """(what, path, line) of health checks a cloud platform runs, written as infrastructure code
    (Terraform resources, ECS task definitions in JSON)."""
    found = []
    for rel, line, rtype, body in infra.terraform_resources(sub):
        for prefixes, pattern, what in _TF_HEALTH:
            if rtype.startswith(prefixes) and (not pattern or re.search(pattern, body)):
                found.append((what, rel, line))
                break
    for rel in sub.by_suffix(".json"):
        if "containerDefinitions" not in (sub.read_text(rel) or ""):
            continue
        data = sub.json_data(rel)
        defs = data.get("containerDefinitions") if isinstance(data, dict) else None
        if isinstance(defs, list) and any(isinstance(d, dict) and isinstance(d.get("healthCheck"), dict)
                                          and d["healthCheck"].get("command") for d in defs):
            found.append(("an ECS container health check (task definition)", rel, 1))
    return found


RUNBOOK_PATH = lazy(r"(^|/)(runbooks?|playbooks?)(/|[-_.][^/]*\.md$|\.md$)|runbook[^/]*\.md$", re.I)


_OPS_HEADING = lazy(r"\b(runbook|playbook|troubleshoot\w*|incident|outage|on-?call|symptoms?|diagnos\w+|"
                          r"mitigat\w+|roll ?back|recover\w*|restore|failover|escalat\w+|disaster)\b", re.I)


_NUMBERED_STEP = lazy(r"(?m)^[ \t]*\d{1,2}[.)][ \t]+\S")


_COMMAND = lazy(r"`[^`\n]{3,}`|^```", re.M)


def runbooks_by_content(sub: Submission) -> list:
    """Runbook sections found by what they say, whatever the file is called: an operational
    heading (symptoms, diagnosis, mitigation, rollback, escalation...) over numbered steps that
    hold commands. The exercise's own documents are not runbooks."""
    out = []
    for rel in markdown.prose_files(sub):
        if rel.startswith("exercises/") or RUNBOOK_PATH.search(rel):
            continue
        text = sub.read_text(rel) or ""
        if not _OPS_HEADING.search(text) or not _NUMBERED_STEP.search(text):
            continue  # cheap: most Markdown is not operational
        root = markdown.document(sub, rel)
        if root is None:
            continue
        for section in root.walk():
            if section.level and _OPS_HEADING.search(section.title):
                body = section.all_text()
                if len(_NUMBERED_STEP.findall(body)) >= 2 and _COMMAND.search(body):
                    out.append((rel, section))
    return out


DUMP = lazy(r"\b(pg_dump(all)?|mysqldump|mongodump|redis-cli\b.*--rdb|velero backup|restic backup|"
                   r"etcdctl snapshot save|borg create|rclone (copy|sync)|aws s3 (cp|sync))\b")


def runs_dump(container: dict) -> str | None:
    """The dump tool a container's command would run (``sh -c '...'`` scripts read as shell)."""
    parts = [str(x) for key in ("command", "args") for x in (container.get(key) or [])
             if isinstance(container.get(key), list)]
    if len(parts) >= 2 and parts[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash") and parts[1] == "-c":
        script = " ".join(parts[2:])
    else:
        script = " ".join(parts)
    for cmd in split_script(script, 1):
        text = normalise(cmd.text)
        m = DUMP.search(text)
        if m and not NOT_RUN.match(text):
            return m.group(1)
    return None
