"""Wiring: whether the operations files a repository holds are connected to what makes them
work — an alert rule's metrics to something that exports them, a dashboard to what provisions it
into Grafana, Kubernetes manifests to what applies them, an Alertmanager to somewhere it sends."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import TYPE_CHECKING

from grader.evidence import alerts, codescan, delivery, dockerfile, heredocs, infra, manifests
from grader.evidence.ci import read_pipelines
from grader.evidence.deploys import deploy_points, deploy_script, gitops_sync
from grader.evidence.observability import (
    METRIC_IMPORTS,
    app_metrics_exposed,
    scrape_jobs,
    with_embedded,
)
from grader.evidence.shell import categories, split_script
from grader.evidence.testfiles import is_test_path
from grader.patterns import lazy
from grader.yamlload import mapping

if TYPE_CHECKING:
    from grader.submission import Submission

# Series Prometheus makes itself for every target it scrapes.
_SYNTHETIC = ("up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped",
              "scrape_samples_post_metric_relabeling", "scrape_series_added")

# Well-known exporters: the prefix of the metric families they export → the words that show the
# exporter deployed (an image, a scrape job or target, a chart dependency, an object's name).
_EXPORTERS = (
    ("node_", ("node-exporter", "node_exporter", "nodeexporter", "kube-prometheus", "prometheus-community")),
    ("probe_", ("blackbox",)),
    ("mysql_", ("mysqld-exporter", "mysqld_exporter", "mysql-exporter")),
    ("pg_", ("postgres-exporter", "postgres_exporter", "postgresql-exporter")),
    ("redis_", ("redis-exporter", "redis_exporter")),
    ("mongodb_", ("mongodb-exporter", "mongodb_exporter")),
    ("nginx_", ("nginx-exporter", "nginx-prometheus-exporter", "nginx_exporter", "ingress-nginx")),
    ("haproxy_", ("haproxy",)), ("rabbitmq_", ("rabbitmq",)), ("traefik_", ("traefik",)),
    ("elasticsearch_", ("elasticsearch-exporter", "elasticsearch_exporter")), ("kafka_", ("kafka-exporter",)),
    ("prometheus_", ("prometheus",)), ("alertmanager_", ("alertmanager",)), ("grafana_", ("grafana",)),
    ("loki_", ("loki",)), ("promtail_", ("promtail",)), ("windows_", ("windows-exporter", "windows_exporter")),
    ("cadvisor_", ("cadvisor",)), ("container_", ("cadvisor",)),
)
# What Kubernetes itself exports (the kubelet's cAdvisor, the API server, kube-state-metrics of
# any monitoring stack): exported wherever the repository runs on Kubernetes.
_PLATFORM = ("kube_", "container_", "kubelet_", "apiserver_", "etcd_", "coredns_", "scheduler_", "kubeproxy_",
             "workqueue_", "rest_client_", "storage_operation_", "volume_manager_")
# What a metrics client library exports by itself (runtime collectors, HTTP middleware).
_CLIENT_DEFAULTS = ("process_", "go_", "python_", "nodejs_", "jvm_", "http_server_requests", "http_request",
                    "http_requests", "http_client_requests", "flask_http_request", "hikaricp_", "tomcat_",
                    "logback_", "system_", "executor_", "starlette_", "fastapi_", "django_", "gunicorn_")
_SUFFIXES = ("_total", "_count", "_sum", "_bucket", "_created", "_info")
_UNITS = ("_seconds", "_bytes", "_ratio", "_milliseconds", "_percent")
_LITERAL = lazy(r"""["'`]([A-Za-z_][A-Za-z0-9_.:-]{0,120}+)["'`]""")
# A metric written out in the exposition format by the code itself: a sample line at the start
# of a string (or after an escaped newline), or a `# TYPE`/`# HELP` line.
_EXPOSED = lazy(r"""(?:["'`]|\\n)([A-Za-z_][A-Za-z0-9_:]{0,120}+)(?:\{[^}\n]{0,100}+\}+)? [-+0-9{$]|"""
                      r"""# (?:TYPE|HELP) ([A-Za-z_:][A-Za-z0-9_:]{0,120})""")


def unexported(sub: Submission, expr: str) -> list[str]:
    """The metrics ``expr`` selects that nothing in the repository exports."""
    return [name for name in alerts.selected_metrics(expr) if not _exported(sub, name)]


def _exported(sub: Submission, name: str) -> bool:
    facts = _facts(sub)
    if name in _SYNTHETIC:
        return facts["scraped"]
    if name in facts["recorded"] or (":" in name and facts["recorded"]):
        return True
    if name.startswith(_PLATFORM) and facts["kubernetes"]:
        return True
    if facts["client"] and name.startswith(_CLIENT_DEFAULTS):
        return True
    if any(name.startswith(prefix) and any(w in facts["deployed"] for w in words) for prefix, words in _EXPORTERS):
        return True
    return any(_pieces(stem, facts["literals"]) for stem in _stems(name))


def _stems(name: str) -> set[str]:
    """The names a metric is registered under: as it is, without its type suffix, without its unit."""
    stems = {name}
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            stems.add(name[: -len(suffix)])
    for stem in list(stems):
        for unit in _UNITS:
            if stem.endswith(unit):
                stems.add(stem[: -len(unit)])
    return stems


def _pieces(stem: str, literals: set[str]) -> bool:
    """Is ``stem`` a string of the code, or made of up to three of them joined by ``_`` (a
    namespace, a subsystem and a name, as client libraries build a metric's full name)?"""
    if stem in literals:
        return True
    parts = stem.split("_")
    for i in range(1, len(parts)):
        head, tail = "_".join(parts[:i]), "_".join(parts[i:])
        if head in literals and (tail in literals or any(
                "_".join(parts[i:j]) in literals and "_".join(parts[j:]) in literals for j in range(i + 1, len(parts)))):
            return True
    return False


def _facts(sub: Submission) -> dict:
    """What the repository exports and deploys, worked out once per submission."""
    cached = sub.memo("wiring-facts")
    if cached is not None:
        return cached
    literals: set[str] = set()
    for sf in codescan.sources(sub):
        if not is_test_path(sf.path):
            literals.update(m.group(1).replace(".", "_").replace("-", "_") for m in _LITERAL.finditer(sf.text))
            literals.update(m.group(1) or m.group(2) for m in _EXPOSED.finditer(sf.text))
    deployed: list[str] = [image.lower() for _rel, _line, image in infra.images(sub)]
    scraped = False
    for _rel, doc in infra.yaml_documents(sub):
        if isinstance(doc, dict):
            for inner, _line in with_embedded(doc):
                jobs = scrape_jobs(inner)
                scraped = scraped or bool(jobs)
                deployed += [j.lower() for j in jobs] + _targets(inner)
            deployed += [str(d.get("name", "")).lower() for d in doc.get("dependencies") or []
                         if isinstance(d, dict)] if isinstance(doc.get("dependencies"), list) else []
    for _rel, _line, doc in heredocs.yaml_documents(sub):  # configs a pipeline or script writes
        if isinstance(doc, dict):
            jobs = scrape_jobs(doc)
            scraped = scraped or bool(jobs)
            deployed += [j.lower() for j in jobs] + _targets(doc)
    for _rel, doc in infra.yaml_documents(sub):
        literals.update(_statsd_names(doc))
    for _rel, _line, rtype, body in infra.terraform_resources(sub):
        if rtype == "helm_release":
            deployed += _HELM_RELEASE_FIELD.findall(body)[:10]
    for _pipe, _job, _index, _ci, step, _throwaway in deploy_points(sub):
        deployed += [c.text.lower()[:300] for c in step.commands[:20] if c.text.lstrip().startswith("helm")]
    objects = manifests.objects(sub)
    deployed += [o.name.lower() for o in objects]
    scraped = scraped or any(o.kind in ("ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe") for o in objects)
    deployed += [name.lower() for _rel, name, _body in infra.compose_services(sub)]
    text = " ".join(deployed)
    facts = {"literals": literals, "deployed": text, "recorded": alerts.recorded_names(sub),
             "kubernetes": bool(objects), "client": bool(codescan.find_imports(sub, METRIC_IMPORTS)) or
             bool(app_metrics_exposed(sub)), "scraped": scraped or "prometheus" in text}
    return sub.memo("wiring-facts", facts)


def _statsd_names(doc) -> list[str]:
    """The metric names a statsd_exporter mapping configuration gives (``mappings: [{match, name}]``)."""
    maps = doc.get("mappings") if isinstance(doc, dict) else None
    return [str(m["name"]) for m in maps[:2000] if isinstance(m, dict) and m.get("match") and isinstance(m.get("name"), str)] \
        if isinstance(maps, list) else []


def _targets(doc) -> list[str]:
    out = []
    for job in doc.get("scrape_configs") or [] if isinstance(doc.get("scrape_configs"), list) else []:
        for static in mapping(job).get("static_configs") or [] if isinstance(mapping(job).get("static_configs"), list) else []:
            out += [str(t).lower() for t in mapping(static).get("targets") or [] if isinstance(t, str)][:20]
    return out


# -- dashboards ------------------------------------------------------------------------------

# a Terraform helm_release's chart, repository and name (one line each; blanks within the line only,
# so a run of empty lines is not rescanned from every line start)
_HELM_RELEASE_FIELD = lazy(r'(?m)^[ \t]*(?:chart|repository|name)[ \t]*=[ \t]*"([^"\n]{1,200})"')
_GRAFANA_API = lazy(r"/api/dashboards/(?:db|import)\b")


def dashboard_provisioner(sub: Submission, rel: str) -> str | None:
    """What provisions the dashboard file ``rel`` into Grafana, or None: a Grafana provisioning
    file (``providers:``), a Compose volume or Dockerfile ``COPY`` of it (or of its folder), a
    Kustomize ``configMapGenerator`` or Helm ``.Files.Get``/``.Files.Glob`` of it, a dashboard in a
    ConfigMap, a Terraform ``grafana_dashboard``, or an upload to Grafana's API (curl to
    ``/api/dashboards/db`` in a script or a pipeline, an Ansible ``grafana_dashboard`` task)."""
    if not rel.endswith(".json"):
        return f"a ConfigMap ({rel})"
    for other, doc in infra.yaml_documents(sub):
        providers = doc.get("providers") if isinstance(doc, dict) else None
        if isinstance(providers, list) and any(isinstance(p, dict) and (mapping(p.get("options")).get("path")
                                                                        or p.get("type") == "file") for p in providers):
            return f"a Grafana provisioning file ({other})"
        if isinstance(doc, dict) and _generates(other, doc, rel):
            return f"a configMapGenerator ({other})"
        if isinstance(doc, (dict, list)) and _ansible_dashboard(doc):
            return f"an Ansible grafana_dashboard task ({other})"
    for compose, name, body in infra.compose_services(sub):
        for volume in body.get("volumes") or [] if isinstance(body.get("volumes"), list) else []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else mapping(volume).get("source")
            if isinstance(source, str) and _covers(posixpath.dirname(compose), source, rel):
                return f"a volume of the Compose service {name} ({compose})"
    for docker in dockerfile.dockerfiles(sub):
        for ins in dockerfile.instructions(sub, docker):
            words = [w for w in ins.args.split() if not w.startswith("--")]
            if ins.name in ("COPY", "ADD") and any(_covers("", w, rel) or _covers(posixpath.dirname(docker), w, rel)
                                                   for w in words[:-1]):
                return f"a COPY into an image ({docker})"
    return _helm_files(sub, rel) or _uploads(sub)


def _covers(base: str, source: str, rel: str) -> bool:
    """Is ``rel`` the path ``source`` (relative to ``base``) names, or inside it?"""
    if "$" in source or "{" in source or source.startswith(("/", "~")) or "://" in source:
        return False
    path = posixpath.normpath(posixpath.join(base, source)) if base else posixpath.normpath(source)
    return path != ".." and not path.startswith("../") and (path == "." or rel == path or rel.startswith(path + "/"))


def _generates(kustomization: str, doc: dict, rel: str) -> bool:
    base = posixpath.dirname(kustomization)
    for gen in doc.get("configMapGenerator") or [] if isinstance(doc.get("configMapGenerator"), list) else []:
        for item in mapping(gen).get("files") or [] if isinstance(mapping(gen).get("files"), list) else []:
            if isinstance(item, str) and _covers(base, item.split("=", 1)[-1], rel):
                return True
    return False


def _ansible_dashboard(doc) -> bool:
    tasks = doc if isinstance(doc, list) else [doc]
    return any(isinstance(t, dict) and ("grafana_dashboard" in t or "community.grafana.grafana_dashboard" in t)
               for t in tasks[:500])


_FILES_CALL = lazy(r"""\.Files\.(?:Get|Glob)\s+["']([^"']+)["']""")


def _helm_files(sub: Submission, rel: str) -> str | None:
    for chart in (f for f in sub.by_suffix("Chart.yaml") if f.endswith("Chart.yaml")):
        root = posixpath.dirname(chart)
        for tpl in (f for f in sub.files if f.startswith((root + "/templates/") if root else "templates/")):
            for m in _FILES_CALL.finditer(sub.read_text(tpl) or ""):
                pattern = posixpath.join(root, m.group(1)) if root else m.group(1)
                if fnmatch.fnmatch(rel, pattern) or rel == pattern:
                    return f"a Helm template ({tpl})"
    return None


def _uploads(sub: Submission) -> str | None:
    for rel, _line, rtype, _body in infra.terraform_resources(sub):
        if rtype == "grafana_dashboard":
            return f"Terraform grafana_dashboard ({rel})"
    for rel, text in infra.shell_scripts(sub, "/api/dashboards"):
        if _GRAFANA_API.search(text):
            return f"an upload to Grafana's API ({rel})"
    for pipe in read_pipelines(sub):
        for job in pipe.jobs:
            for step in job.steps:
                if any(_GRAFANA_API.search(c.text) for c in step.commands):
                    return f"an upload to Grafana's API ({pipe.path})"
    return None


# -- manifests -------------------------------------------------------------------------------


def manifests_applier(sub: Submission, paths=()) -> str | None:
    """What applies the repository's Kubernetes manifests (those at ``paths``, when given), or
    None: a pipeline step that deploys (to a lasting or a throwaway cluster), a GitOps controller
    syncing a folder of the repository, a deploy script, a Makefile recipe that deploys, or a
    Skaffold/Tilt configuration. Skaffold (run by a pipeline, by Cloud Deploy, or only
    configured) applies the files its ``skaffold.yaml`` names, not every manifest."""
    cached = sub.memo("manifests-applier")
    if cached is None:
        cached = sub.memo("manifests-applier", (_applier(sub),))
    if cached[0] is None:
        return None
    applier, scoped = cached[0]
    if scoped is None or not paths:
        return applier
    return applier if any(delivery.skaffold_applies(sub, conf, rel) for conf in scoped for rel in paths) else None


def _applier(sub: Submission) -> tuple[str, list | None] | None:
    """(what applies, the Skaffold configs it is limited to or None for everything)."""
    scoped: list = []
    via = None
    for pipe, job, _index, ci, step, _throwaway in deploy_points(sub):
        text = step.commands[ci].text if ci is not None else ""
        configs = delivery.skaffold_for(sub, text) if delivery.deploy_tool(text) in ("skaffold", "clouddeploy") else []
        if not configs:
            return f"the pipeline's job `{job.id}` ({pipe.path})", None
        scoped.extend(c for c in configs if c not in scoped)
        via = via or f"the pipeline's job `{job.id}` ({pipe.path}) through {configs[0].path}"
    sync = gitops_sync(sub)
    if sync:
        return f"{sync[1]} {sync[0].name}", None
    script = deploy_script(sub)
    if script:
        return f"the deploy script {script[0]}", None
    for rel in sub.named("Tiltfile", "Makefile", "GNUmakefile"):  # (exactly so named: checked below)
        name = rel.rsplit("/", 1)[-1]
        if name == "Tiltfile":
            return f"{name} ({rel})", None
        if name in ("Makefile", "makefile", "GNUmakefile"):
            for number, line in enumerate((sub.read_text(rel) or "").splitlines()[:5000], 1):
                if line.startswith("\t") and any("deploy" in categories(c.text) for c in split_script(line.strip("\t@-"), number)):
                    return f"a Makefile recipe ({rel}:{number})", None
    if not scoped:
        scoped = list(delivery.skaffold_configs(sub))
        if scoped:
            via = f"{scoped[0].path.rsplit('/', 1)[-1]} ({scoped[0].path})"
        elif any(rel.rsplit("/", 1)[-1] in ("skaffold.yaml", "skaffold.yml") for rel in sub.files):
            return "skaffold.yaml", None  # not read (not YAML, not a Config): taken on trust
    return (via, scoped) if via else None


# -- Alertmanager ----------------------------------------------------------------------------

_INTEGRATIONS = ("pagerduty_configs", "opsgenie_configs", "victorops_configs", "slack_configs", "msteams_configs",
                 "email_configs", "webhook_configs", "pushover_configs", "telegram_configs", "discord_configs",
                 "sns_configs", "wechat_configs", "webex_configs", "pagerdutyConfigs", "opsgenieConfigs",
                 "victoropsConfigs", "slackConfigs", "emailConfigs", "webhookConfigs", "msteamsConfigs")
_SELF = lazy(r"^https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|alertmanager[\w.-]*)(?::\d+)?(?:/|$)|:9093(?:/|$)", re.I)


def receiver_destinations(recv: dict) -> tuple[list[str], list[str]]:
    """(integrations that send somewhere, integrations that point back at Alertmanager itself) of
    one receiver: a webhook to the Alertmanager's own address (``localhost:9093``, the
    ``alertmanager`` service) sends nowhere."""
    real, looped = [], []
    for key in _INTEGRATIONS:
        configs = recv.get(key)
        for conf in configs if isinstance(configs, list) else []:
            url = mapping(conf).get("url")
            if key.startswith("webhook") and isinstance(url, str) and _SELF.search(url.strip()):
                looped.append(key)
            elif conf:
                real.append(key)
    return real, looped
