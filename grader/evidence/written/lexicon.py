"""The words the written work is read by: roles, tools, times, what automation is about, the
stages of a pipeline, and the filler that says nothing. Each is a small vocabulary with one
question on it; none gives points.

These vocabularies decide what a part of the learner's text *says*, whatever label it came
under (or none): "QA engineer" is a role, "SendGrid" a tool, "4 dev-days" a duration.
"""

from __future__ import annotations

import re

from grader.patterns import lazy

# -- roles -----------------------------------------------------------------------------------------
ROLE = lazy(
    r"\b(?:product\s+(?:manager|owner|lead|designer|analyst)s?|pms?|pos?|project\s+managers?|"
    r"engineering\s+(?:manager|lead)s?|tech(?:nical)?\s+leads?|team\s+leads?|leads?\b(?=\s*\()|"
    r"(?:back|front)[- ]?end(?:\s+(?:dev|developer|engineer)s?)?|full[- ]?stack(?:\s+(?:dev|developer)s?)?|"
    r"mobile\s+(?:dev|developer|engineer)s?|developers?|devs?|engineers?|programmers?|coders?|"
    r"qa(?:\s+(?:engineer|lead|team|analyst)s?)?|testers?|test\s+(?:engineer|lead|manager)s?|"
    r"sres?|site\s+reliability(?:\s+engineers?)?|ops|operations(?:\s+(?:team|engineers?))?|devops(?:\s+engineers?)|"
    r"platform(?:\s+(?:team|engineers?))?|infra(?:structure)?(?:\s+(?:team|engineers?))|on[- ]?call(?:\s+engineers?)?|"
    r"sysadmins?|administrators?|admins?|dbas?|database\s+administrators?|architects?|designers?|ux(?:\s+designers?)?|"
    r"data\s+(?:analyst|scientist|engineer)s?|analysts?|scrum\s*masters?|release\s+(?:manager|engineer|captain)s?|"
    r"security(?:\s+(?:team|engineers?|officers?|champions?))?|secops|compliance(?:\s+officers?)?|legal|lawyers?|"
    r"marketers?|marketing(?:\s+(?:team|manager|lead))?|crm(?:\s+(?:team|manager))?|copywriters?|"
    r"support(?:\s+(?:team|agents?|engineers?|staff))?|customer\s+(?:success|support|service)|"
    r"business\s+(?:owner|analyst)s?|managers?|ctos?|ceos?|cfos?|vps?\b|"
    r"reviewers?|maintainers?|code\s*owners?|approvers?|authors?|committers?|whoever\b|interns?|students?|"
    r"change\s+(?:manager|board)|cab|finance|sales|ops\s+team|ml\s+engineers?|"
    # the system that does an automated phase's work, named: an actor too
    r"ci(?:\s+(?:server|system|runner|bot|pipeline))?|ci/cd|the\s+pipeline|bots?|runners?)\b",
    re.I)
# "Who" answers that name no one.
_NO_ONE = lazy(r"^\W*(?:no\s*one|nobody|none|n/?a|automatic(?:ally)?|automated|the\s+(?:ci|pipeline|system)|"
                     r"everyone|everybody|the\s+team|team|all|various|depends)\W*$", re.I)


def names_role(text: str) -> bool:
    """Does the text name at least one role ("QA engineer", "Ana (tech lead)")?"""
    return bool(ROLE.search(text)) and not _NO_ONE.match(text)


# -- tools -----------------------------------------------------------------------------------------
# Products and tools learners name (lower case). A tools answer may name others; these are the
# ones recognised in free text, where no label says "this is a tool".
TOOLS = frozenset("""
jira confluence notion trello asana linear clickup monday miro figma lucidchart draw.io drawio mural
slack teams discord zoom mattermost google-docs gdocs sharepoint productboard aha
git github gitlab bitbucket gitea azure-devops vscode vs-code intellij pycharm webstorm eclipse vim neovim
copilot cursor pre-commit husky lint-staged eslint prettier ruff flake8 pylint black mypy rubocop
checkstyle spotless ktlint detekt sonarqube sonarcloud sonar sonarlint codeql semgrep snyk trivy grype dependabot
renovate gitleaks owasp zap burp bandit gosec hadolint shellcheck tflint checkov
jenkins circleci travis travis-ci teamcity bamboo buildkite drone tekton argo argocd argo-cd flux fluxcd spinnaker
harness octopus gocd concourse codebuild codepipeline codedeploy cloudbuild cloud-build actions gha
docker podman buildah kaniko buildx compose docker-compose helm kustomize kubectl kubernetes k8s k3s eks aks gke
openshift rancher nomad ecs fargate lambda serverless terraform terragrunt pulumi ansible chef puppet saltstack
packer vagrant cloudformation cdk bicep
maven gradle npm yarn pnpm bun webpack vite esbuild tsc babel pip poetry pipenv uv setuptools cargo
go make cmake bazel sbt ant msbuild dotnet nuget gem bundler composer rake
jest mocha vitest jasmine karma cypress playwright selenium webdriver puppeteer pytest unittest nose tox
junit testng mockito rspec minitest phpunit xunit nunit k6 jmeter gatling locust artillery postman newman
testcontainers wiremock mailhog mailpit mailosaur litmus localstack pact
nexus artifactory harbor ecr gcr acr ghcr dockerhub docker-hub quay jfrog
semantic-release goreleaser release-please changesets conventional-commits standard-version
launchdarkly unleash flagsmith split.io flipper growthbook optimizely
istio linkerd envoy nginx traefik haproxy cloudflare cloudfront
prometheus grafana alertmanager loki tempo jaeger zipkin opentelemetry otel datadog newrelic new-relic
dynatrace appdynamics splunk elasticsearch elastic kibana logstash fluentd fluent-bit elk efk graylog
sentry honeybadger rollbar bugsnag pagerduty opsgenie victorops statuspage pingdom uptimerobot uptime-kuma
cloudwatch stackdriver azure-monitor app-insights appinsights thanos cortex mimir victoriametrics
looker metabase tableau amplitude mixpanel segment google-analytics ga4 hotjar posthog
sendgrid mailgun mailchimp mandrill ses postmark sparkpost twilio brevo sendinblue
postgres postgresql mysql mariadb mongodb redis memcached kafka rabbitmq sqs sns kinesis pubsub
celery sidekiq bullmq resque hangfire quartz cron cronjob airflow temporal
aws azure gcp heroku vercel netlify render fly.io flyio digitalocean railway cloudrun app-engine
hpa keda vpa karpenter velero
flyway liquibase alembic
""".split())
_TOOL_TOKEN = lazy(r"[A-Za-z][\w.+-]*(?:\s(?:Actions|CI|CD|Pipelines|DevOps|Issues|Hub|Cloud|Monitor|Insights|"
                         r"Relic|Compose|Rollouts|Analytics|Docs))?")
# Capitalised words that are not products: sentence starts are skipped anyway.
NOT_PRODUCTS = frozenset("""
i we the a an our this that these it in on at for to of and or but if when then after before during
phase stage step task plan code build test release deploy operate monitor monitoring planning coding building
testing releasing deploying operating devops ci cd ci/cd api apis ui ux url urls json yaml sql html css http https
pr prs mr mrs qa sre pm po dev devs ops ok dora kpi kpis slo slos sla slas mttr rca p95 p99 utc gdpr
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december day days week weeks sprint sprints shopnow
""".split())


# Tool names that are also English words: a tool only when written as a name ("Linear", "Go",
# `make test`), never in "make sure" or "go live".
AMBIGUOUS = frozenset("""make go ant bun black linear cursor compose actions render railway teams flux harbor nose
segment aha mural monday drone chef puppet tempo cortex elastic cron split.io uv lambda serverless pages notion
zoom sentry""".split())


def tools_named(text: str) -> list[str]:
    """The tools a text names: known products anywhere, and other product-like names
    (``CamelCase``, ``dotted.names``, capitalised words that don't start a sentence)."""
    found: list[str] = []
    for m in re.finditer(r"`?[A-Za-z][A-Za-z0-9.+-]*(?:[ -](?:[Aa]ctions|CI|ci|DevOps|[Ii]ssues|[Hh]ub|[Rr]ollouts|"
                         r"[Cc]ompose|[Cc]loud))?", text):
        raw = m.group()
        word = raw.strip("`.-").lower()
        first = word.split(" ")[0]
        if word in TOOLS or word.replace(" ", "-") in TOOLS or first in TOOLS:
            if first in AMBIGUOUS and " " not in word and not (raw.startswith("`") or raw[:1].isupper()):
                continue
            if word not in found:
                found.append(word)
    for m in re.finditer(r"(?<![.!?:]\s)(?<!^)\b([A-Z][a-z0-9]+[A-Z]\w*|[A-Z][a-z]+(?:\.[a-z]+)+|`[^`\n]{2,40}`)", text):
        word = m.group(1).strip("`").lower()
        if word not in found and word not in NOT_PRODUCTS:
            found.append(word)
    return found


# -- time ------------------------------------------------------------------------------------------
_UNIT = (r"(?:ms|millis(?:econds?)?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|sprints?|"
         r"months?|quarters?|iterations?|evenings?|afternoons?|mornings?|nights?|weekends?)")
_DAYS = r"(?:(?:dev|developer|working|work|business|person|man|engineer|engineering|calendar|team|ideal)[- ]?days?)"
_NUMBER_WORD = r"(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|fifty|sixty)"
DURATION = lazy(
    rf"(?:~|≈|about\s|around\s|approx\.?\s|roughly\s|<\s?|>\s?|under\s|up\sto\s)?"
    rf"\b\d+(?:[.,]\d+)?\s*(?:(?:-|–|to|or)\s*\d+(?:[.,]\d+)?\s*)?(?:{_DAYS}|{_UNIT}\b|sp\b|pts?\b|story\s+points?)"
    rf"|\b{_NUMBER_WORD}(?:[- ](?:to|or)[- ]{_NUMBER_WORD})?[- ](?:{_DAYS}|{_UNIT}\b)"
    rf"|\b(?:half|quarter)\s+(?:an?\s+|of\s+an?\s+)?(?:{_DAYS}|{_UNIT}\b)"
    rf"|\b(?:a\s+)?(?:few|couple\s+of|several)\s+(?:{_DAYS}|{_UNIT}\b)"
    rf"|\b(?:same|next)\s+(?:day|week|sprint)\b|\b(?:overnight|daily|weekly|hourly|monthly|per\s+sprint|"
    rf"each\s+sprint|every\s+sprint|one\s+sprint|a\s+sprint|real[- ]?time|instant(?:ly)?|immediate(?:ly)?)\b",
    re.I)
# "every 5 minutes", "older than 24 h", "valid for 48 hours": a time in the text that is not
# how long the phase takes.
_NOT_DURATION = lazy(r"(?:every|each|per|after|older\s+than|valid\s+for|within\s+the\s+last|expires?\s+(?:in|after)|"
                           r"ttl\s+of|for\s+the\s+last)\s+(?:\S+\s+)?$", re.I)
_ONGOING = lazy(r"\b(?:ongoing|continuous(?:ly)?|always|24/7|permanent(?:ly)?|forever|never\s+ends?|"
                      r"all\s+the\s+time|as\s+long\s+as)\b", re.I)


def has_duration(text: str, *, labelled: bool) -> bool:
    """Does the text say how long something takes? In a part labelled as the duration any
    time counts ("4 dev-days", "half a sprint", "~2 h", "a few evenings"); in free text, a
    time that is a period or frequency of something else ("every 5 minutes") does not."""
    for m in DURATION.finditer(text):
        if labelled or not _NOT_DURATION.search(text[max(0, m.start() - 40):m.start()]):
            return True
    return False


def only_ongoing(text: str) -> bool:
    """A duration answer that only says it never ends ("Ongoing", "24/7")."""
    return bool(_ONGOING.search(text)) and not has_duration(text, labelled=True)


# -- automation ------------------------------------------------------------------------------------
AUTOMATION = lazy(r"\bautomat\w*|\bauto[- ]?\w+|\bbots?\b|\bcron\b|\bscheduled?\b|\bnightly\b|"
                        r"\btrigger(?:s|ed)?\b|\bon (?:every|each) (?:push|commit|merge|pr|pull request)|"
                        r"\bwithout (?:a )?(?:human|manual|hand)|\bno (?:manual|human)|\bscript(?:s|ed)?\b|"
                        r"\bself[- ]service\b|\bcould (?:be )?(?:generate|script|template)", re.I)
# What an automation is about: something concrete a team could set up.
CONCRETE = lazy(
    r"\b(?:templates?|checklists?|forms?|hooks?|lint\w*|formatt\w*|bots?|scripts?|jobs?|cron\w*|schedul\w*|"
    r"pipelines?|workflows?|tests?|checks?|gates?|scans?|alert\w*|alarms?|dashboards?|rollbacks?|roll\s+back|"
    r"canary|deploy\w*|releases?|release\s+notes|changelogs?|tags?|tagging|versions?|versioning|builds?|images?|"
    r"scal\w*|autoscal\w*|replicas?|nightly|cron\w*|trigger\w*|on\s+every|each\s+(?:push|commit|merge|night)|tickets?|issues?|labels?|assign\w*|notif\w*|messages?|emails?|reports?|backups?|"
    r"migrations?|approvals?|promotion|promote|flags?|toggles?|retries|retry|restarts?|probes?|"
    r"runbooks?|pages?|paging|merges?|pull\s+requests?|prs?|reviews?|docs|documentation|queues?|caches?|caching|daily|weekly|hourly|"
    r"push(?:es)?|commits?|workers?|containers?|pods?|servers?|instances?|nodes?|"
    r"snapshots?|certificates?|secrets?|rotations?|provisioning|infrastructure\s+as\s+code|iac|terraform|helm)\b",
    re.I)

# Things a phase's work is done on: a description that names them says what happens.
WORK_NOUNS = lazy(
    r"\b(?:stor(?:y|ies)|tickets?|issues?|epics?|estimates?|acceptance\s+criteria|designs?|mock-?ups?|branch(?:es)?|"
    r"prs?|pull\s+requests?|merge\s+requests?|commits?|reviews?|quer(?:y|ies)|jobs?|workers?|services?|endpoints?|apis?|"
    r"databases?|tables?|columns?|schemas?|migrations?|queues?|templates?|flags?|toggles?|containers?|images?|"
    r"tags?|versions?|artifacts?|packages?|builds?|tests?|specs?|unit|integration|e2e|smoke|load\s+tests?|staging|"
    r"production|prod|canary|blue-green|rolling|rollbacks?|probes?|replicas?|pods?|dashboards?|alerts?|metrics|"
    r"logs?|runbooks?|incidents?|on-?call|sla|slo|releases?\s+notes|changelog|sha|webhooks?|cron\w*|scheduler|"
    r"accounts?|inbox|payload|events?|sprints?|backlog|wireframes?)\b", re.I)

# -- pipeline stages -------------------------------------------------------------------------------
STAGE = lazy(
    r"\b(?:checkout|install\w*|dependenc\w*|lint\w*|format\w*|static\s+analysis|compil\w*|build\w*|unit|tests?|"
    r"testing|integration|e2e|end[- ]to[- ]end|contract|scan\w*|security|sast|dast|sca|vulnerabilit\w*|audit|"
    r"package|packaging|publish\w*|push\w*|registry|artifact\w*|image|docker|deploy\w*|staging|production|prod|"
    r"release\w*|tag\w*|approv\w*|gate|smoke|canary|rollout|roll-out|verif\w*|monitor\w*|health\w*|"
    r"migrat\w*|sign\w*|archive|load|performance|perf|acceptance|qa|review|merge|promot\w*|blue[- ]green)\b",
    re.I)

# -- filler ----------------------------------------------------------------------------------------
# Words that fill a sentence without saying anything particular to a feature or a team.
FILLER = frozenset("""
align aligned alignment appropriate appropriately relevant stakeholders stakeholder organization organisation
organizational ensure ensures ensuring ensured quality value valuable maximum maximise maximize optimal optimise
optimize efficient efficiently efficiency effective effectively streamline streamlined streamlining seamless
seamlessly robust reliable reliability scalable smooth smoothly industry standard standards industry-standard
best practice practices modern high-performing world-class leading cutting-edge state-of-the-art holistic
collaborative collaboration transparent transparently transparency wherever whenever needed necessary required
requirements requirement goals goal scope pieces piece manageable priorities prioritised prioritized
clean maintainable well-documented documented thorough thoroughly properly correct correctly expected expectations
agreed according accordingly following follow standards-based comprehensive consistent consistently continuous
continuously timely prompt promptly quickly safely safe smooth overall aspects aspect areas area solution solutions
consistency consistent reduce reduced reducing effort efforts errors mistakes manual improve improved improvement
approach approaches activities activity mechanisms mechanism measures measure metrics relevant key core critical
various several numerous multiple respective corresponding suitable adequate sufficient
""".split())

# -- feedback --------------------------------------------------------------------------------------
# How feedback reaches people: a channel, a meeting, a tool's notification.
CHANNEL = lazy(
    r"\b(?:slack|teams|discord|e-?mails?|dashboards?|alerts?|alerting|pag(?:e|es|ed|ing)|pager\w*|opsgenie|tickets?|"
    r"jira|linear|issues?|pull\s+requests?|prs?|merge\s+requests?|mrs?|checks?|notif\w*|meetings?|reviews?|"
    r"reports?|retros?|retrospectives?|stand-?ups?|demos?|comments?|chats?|channels?|messages?|calls?|logs?|"
    r"console|pipeline|red\s+build|status|surveys?|support|analytics|looker|grafana|sentry|datadog|"
    r"post-?mortems?|post-incident|incident\s+reviews?|sprint\s+reviews?|standups?|huddles?|board|backlog|"
    r"webhooks?|bots?|sms|phone|in\s+person|face\s+to\s+face)\b", re.I)
# How fast feedback comes back.
SPEED = lazy(
    r"\b(?:immediate(?:ly)?|instant(?:ly)?|real[- ]?time|seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|"
    r"daily|weekly|hourly|monthly|quarterly|sprints?|same[- ]day|next[- ]day|overnight|"
    r"\d+\s?(?:s|m|h|d|w|min|mins|hrs?|ms))\b", re.I)

# The voice of a text about DevOps in general rather than about one feature: hedges and
# generalisations ("typically", "depending on the technology", "most organisations").
HEDGE = lazy(
    r"\b(?:typically|usually|generally|in\s+general|often|commonly|normally|ideally|increasingly|depending\s+on|"
    r"it\s+depends|varies|vary|various|most\s+(?:teams|organi[sz]ations|companies|projects)|many\s+(?:teams|organi[sz]ations|"
    r"companies)|some\s+(?:teams|organi[sz]ations|form\s+of)|mature\s+teams?|modern\s+(?:practice|teams?)|"
    r"in\s+a\s+(?:mature|typical|good)\s+(?:team|setup|project)|a\s+good\s+\w+\s+(?:phase|pipeline|team)|"
    r"any\s+(?:team|project|feature)|whatever\s+the|regardless\s+of|(?:is|are)\s+where|the\s+goal\s+is|"
    r"(?:is|are)\s+the\s+(?:act|process|practice|art|decision)\s+(?:of|that)|\w+ing\s+(?:a|the)\s+\w+\s+means)\b", re.I)


def hedges(text: str) -> int:
    return len(HEDGE.findall(text))


# Products that do the same job: naming three of one kind is listing the market, not choosing.
KINDS = {
    "trackers": frozenset("jira trello asana linear clickup monday azure-devops youtrack productboard aha".split()),
    "ci": frozenset("jenkins github-actions gitlab-ci circleci travis travis-ci teamcity bamboo buildkite drone "
                    "azure-pipelines gocd concourse".split()),
    "editors": frozenset("vscode vs-code intellij pycharm webstorm vim neovim eclipse".split()),
    "hosting": frozenset("github gitlab bitbucket gitea".split()),
    "chat": frozenset("slack teams discord mattermost zoom".split()),
    "unit tests": frozenset("jest mocha vitest jasmine junit testng pytest unittest rspec minitest phpunit".split()),
    "e2e": frozenset("cypress playwright selenium puppeteer webdriver".split()),
    "load": frozenset("k6 jmeter gatling locust artillery".split()),
    "registries": frozenset("nexus artifactory harbor ecr gcr acr ghcr dockerhub docker-hub quay".split()),
    "orchestration": frozenset("kubernetes k8s nomad ecs openshift swarm docker-swarm".split()),
    "cd": frozenset("argocd argo-cd flux fluxcd spinnaker octopus harness".split()),
    "monitoring": frozenset("prometheus datadog newrelic new-relic dynatrace appdynamics".split()),
    "logs": frozenset("elk efk loki splunk graylog".split()),
}


def market_lists(text: str) -> list[str]:
    """The kinds of tool a text names three or more of (alternatives, not a choice)."""
    named = {t.replace(" ", "-") for t in tools_named(text)}
    return [kind for kind, members in KINDS.items() if len(named & members) >= 3]


def tool_share(text: str) -> float:
    """The share of a text's words that are tool names."""
    words = re.findall(r"[A-Za-z][\w.+-]*", text)
    if not words:
        return 0.0
    named = sum(len(t.split()) for t in tools_named(text))
    return min(1.0, named / len(words))
