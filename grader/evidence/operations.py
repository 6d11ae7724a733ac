"""Operations: health checks a cloud platform runs (written as infrastructure code), what
restarts a service when it dies (a supervisor: Kubernetes controllers, Compose/Swarm restart
policies, systemd, pm2, supervisord), runbooks and upgrade guides recognised by what they say, and
the dump tools a backup job runs."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from grader.evidence import dockerfile, infra, manifests, markdown
from grader.evidence.shell import NOT_RUN, normalise, split_script
from grader.patterns import lazy
from grader.yamlload import mapping

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
    found += _paas_health_checks(sub)
    return found


def _paas_health_checks(sub: Submission) -> list[tuple[str, str, int]]:
    """Health checks a PaaS runs from the app's own configuration: Fly.io ``fly.toml`` checks
    (``[[http_service.checks]]``, ``[[services.http_checks]]``/``tcp_checks``, ``[checks.*]``) and
    Render ``render.yaml`` services with a ``healthCheckPath``. Parsed, so a commented-out check is
    none."""
    import tomllib

    found = []
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1]
        if name == "fly.toml":
            text = sub.read_text(rel) or ""
            try:
                data = tomllib.loads(text)
            except (tomllib.TOMLDecodeError, ValueError):
                continue
            checks = [c for c in mapping(data.get("http_service")).get("checks") or [] if isinstance(c, dict)] \
                if isinstance(mapping(data.get("http_service")).get("checks"), list) else []
            services = data.get("services") if isinstance(data.get("services"), list) else []
            for service in services:
                for key in ("http_checks", "tcp_checks"):
                    more = mapping(service).get(key)
                    checks += [c for c in more if isinstance(c, dict)] if isinstance(more, list) else []
            checks += [c for c in mapping(data.get("checks")).values() if isinstance(c, dict)]
            if checks:
                at = text.find("checks")
                found.append(("a Fly.io health check", rel, text.count("\n", 0, max(at, 0)) + 1))
        elif name in ("render.yaml", "render.yml"):
            doc = (sub.yaml_docs_quiet(rel) or [None])[0]
            services = mapping(doc).get("services")
            if isinstance(services, list) and any(isinstance(mapping(s).get("healthCheckPath"), str)
                                                  and mapping(s)["healthCheckPath"].strip() for s in services):
                found.append(("a Render health check path", rel, 1))
    return found


RUNBOOK_PATH = lazy(r"(^|/)(runbooks?|playbooks?)(/|[-_.][^/]*\.md$|\.md$)|runbook[^/]*\.md$", re.I)
# Upgrade and operations guides: runbooks of a service that runs somewhere (see :func:`runs_somewhere`);
# a library's upgrade notes tell its users how to change their code, not how to operate anything.
GUIDE_PATH = lazy(r"(^|/)(upgrad(e|es|ing)|operations?|operating)([-_.][^/]*)?\.md$", re.I)


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


def runs_somewhere(sub: Submission) -> bool:
    """Does the repository run a service somewhere: a Dockerfile, Compose services, Kubernetes
    workloads, a systemd unit or a supervisor of its own?"""
    return bool(dockerfile.dockerfiles(sub) or manifests.workloads(sub)
                or next(iter(infra.compose_services(sub)), None) or supervisors(sub))


_COMPOSE_RESTARTS = ("always", "unless-stopped", "on-failure")
_PM2 = lazy(r"^(?:npx |yarn |pnpm (?:exec |dlx )?)?(?:pm2 (?:start|reload|restart)|pm2-runtime|pm2-docker)\s+\S")
_PM2_APPS = lazy(r"\bapps[ \t]{0,20}:[ \t\n]{0,50}\[")
_PM2_SCRIPT = lazy(r"\s{0,50}\{[^\]]{0,2000}?\bscript[ \t]{0,20}:[ \t]{0,20}['\"`][^'\"`\n]{1,300}")


def pm2_apps_line(text: str) -> int | None:
    """The line of an ecosystem file's ``apps: [{ ... script: "..." }]`` (the first five
    ``apps:`` lists looked at, each within a bounded reach), or None."""
    for count, m in enumerate(_PM2_APPS.finditer(text)):
        if count >= 5:
            break
        if _PM2_SCRIPT.match(text, m.end(), m.end() + 2500):
            return text.count("\n", 0, m.start()) + 1
    return None


_PM2_CONFIG = ("ecosystem.config.js", "ecosystem.config.cjs", "ecosystem.config.mjs", "ecosystem.json",
               "ecosystem.yml", "ecosystem.yaml", "process.json", "process.yml", "pm2.json", "pm2.yml")


def supervisors(sub: Submission) -> list[tuple[str, str, int]]:
    """(what, path, line) of what restarts the service when it dies: a Kubernetes controller (a
    Deployment, StatefulSet... or a Pod whose ``restartPolicy`` is not ``Never``), a Compose
    ``restart:`` policy or a Swarm ``deploy.restart_policy`` (not ``no``/``none``), a systemd unit
    with ``Restart=``, pm2 (an ecosystem file with apps that name a script, or ``pm2 start`` /
    ``pm2-runtime`` run by a Dockerfile, a package.json script or a shell script) or a supervisord
    program that restarts."""
    out: list[tuple[str, str, int]] = []
    for obj in manifests.workloads(sub):
        policy = str(manifests_pod_spec(obj).get("restartPolicy", "Always"))
        if (obj.kind in manifests.WORKLOAD_KINDS or obj.kind == "Pod") and policy != "Never":
            out.append((f"Kubernetes restarts the containers of {obj.kind} {obj.name}", obj.path, obj.line))
    for rel, name, body in infra.compose_services(sub):
        if rel.startswith(".devcontainer/"):
            continue
        policy = str(body.get("restart", "")).lower()
        swarm = body.get("deploy", {}).get("restart_policy") if isinstance(body.get("deploy"), dict) else None
        line = body.line_of("restart") if hasattr(body, "line_of") else None
        if policy.split(":")[0] in _COMPOSE_RESTARTS:
            out.append((f"Compose restarts {name} (restart: {policy})", rel, line or 1))
        elif isinstance(swarm, dict) and str(swarm.get("condition", "any")).lower() != "none":
            out.append((f"Swarm restarts {name} (restart_policy: {swarm.get('condition', 'any')})", rel, line or 1))
    out += [(f"systemd restarts the service (Restart={policy})", rel, line)
            for rel, line, policy in infra.systemd_restarts(sub)]
    out += _pm2(sub) + _supervisord(sub)
    return out


def manifests_pod_spec(obj) -> dict:
    """The pod spec of a workload (its template's) or of a Pod."""
    spec = mapping(obj.body.get("spec"))
    return spec if obj.kind == "Pod" else mapping(mapping(spec.get("template")).get("spec"))


def _pm2(sub: Submission) -> list[tuple[str, str, int]]:
    out = []
    for rel in sub.named(*_PM2_CONFIG):
        if rel.rsplit("/", 1)[-1].lower() not in _PM2_CONFIG or rel.startswith("node_modules/"):
            continue
        if rel.endswith((".js", ".cjs", ".mjs")):
            text = sub.read_text(rel) or ""
            line = pm2_apps_line(text)
            if line:
                out.append(("pm2 supervises the app (ecosystem file)", rel, line))
            continue
        data = sub.json_data(rel) if rel.endswith(".json") else (sub.yaml_docs_quiet(rel) or [None])[0]
        apps = data.get("apps") if isinstance(data, dict) else data if isinstance(data, list) else None
        if isinstance(apps, list) and any(isinstance(a, dict) and a.get("script") for a in apps):
            out.append(("pm2 supervises the app (process file)", rel, 1))
    for rel, line, text in _commands(sub):
        if _PM2.match(normalise(text)):
            out.append((f"pm2 supervises the app: `{text.strip()[:60]}`", rel, line))
    return out


def _commands(sub: Submission):
    """(path, line, command) of what the repository runs outside its pipelines: a Dockerfile's
    RUN/CMD/ENTRYPOINT (exec form read as words), package.json scripts and shell scripts."""
    for rel in dockerfile.dockerfiles(sub):
        for ins in dockerfile.instructions(sub, rel):
            if ins.name in ("CMD", "ENTRYPOINT", "RUN"):
                args = ins.args.strip()
                if args.startswith("["):
                    try:
                        words = json.loads(args)
                    except ValueError:
                        words = None
                    if isinstance(words, list):
                        args = " ".join(str(w) for w in words)
                for cmd in split_script(args, ins.line):
                    yield rel, cmd.line, cmd.text
    for rel in sub.named("package.json"):
        if rel.rsplit("/", 1)[-1] == "package.json" and "node_modules/" not in rel:
            data = sub.json_data(rel)
            scripts = data.get("scripts") if isinstance(data, dict) else None
            for value in scripts.values() if isinstance(scripts, dict) else ():
                if isinstance(value, str):
                    for cmd in split_script(value, 1):
                        yield rel, 1, cmd.text
    for rel, text in infra.shell_scripts(sub, "pm2"):
        for cmd in split_script(text, 1):
            yield rel, cmd.line, cmd.text


def _supervisord(sub: Submission) -> list[tuple[str, str, int]]:
    out = []
    for rel in sub.by_suffix(".conf", ".ini"):
        text = sub.read_text(rel) or ""
        if "[program:" not in text:
            continue
        section, restarts, command, start = "", True, False, 0
        for number, raw in enumerate(text.splitlines() + ["[end]"], 1):
            line = raw.split(";", 1)[0].strip()
            if line.startswith("[") and line.endswith("]"):
                if section.startswith("program:") and command and restarts:
                    out.append((f"supervisord restarts {section[8:]}", rel, start))
                section, restarts, command, start = line[1:-1].strip(), True, False, number
            elif "=" in line and section.startswith("program:"):
                key, _, value = (x.strip().lower() for x in line.partition("="))
                command = command or (key == "command" and bool(value))
                restarts = value != "false" if key == "autorestart" else restarts
    return out
