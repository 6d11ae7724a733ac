"""Shell commands as they would run: split scripts, drop comments and ``echo`` text, classify.

A pipeline step's script counts only for the commands that would execute: a command in a
shell comment, inside an ``echo``/``printf`` string, or after ``exit`` doesn't count.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shlex
from dataclasses import dataclass

from grader.model import Location

# What a command does, keyed by the tool that runs it: (category, regex matched at the start of
# the command's arguments). Only the tools a submission uses get their regexes compiled.
_F = r"(?:\S+\s+)*?"  # options that may stand before a sub-command (kubectl -n prod apply)
# Maven plugin prefixes whose `deploy` goal puts the application into an environment
_MVN_DEPLOYERS = (r"(?:azure-webapp|azure-functions|azure-spring-apps|appengine|mule|heroku|k8s|oc|liberty|wildfly|"
                  r"tomcat\d?|cargo|jboss-as|payara-micro|spring-cloud-azure)")
_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "pip": (("install", r"install\b"), ("build", r"wheel\b")),
    "python": (("build", r"-m build\b|setup\.py (sdist|bdist\w*|build)\b"),
               ("test", r"-m (pytest|unittest)\b|(?:\./)?manage\.py test\b"), ("install", r"-m pip install\b")),
    "manage.py": (("test", r"test\b"),),
    "uv": (("install", r"(sync|pip install)\b"), ("build", r"build\b"), ("publish", r"publish\b")),
    "poetry": (("install", r"install\b"), ("build", r"build\b"), ("publish", r"publish\b")),
    "pipenv": (("install", r"(install|sync)\b"),),
    "conda": (("install", r"(env )?(create|install)\b"),),
    "npm": (("install", r"(ci|install|i)\b"), ("test", r"(test|t)\b|run (test|unit|e2e|coverage)[\w:-]*"),
            ("build", r"run build\b|pack\b"), ("publish", r"publish\b"), ("verify", r"run (smoke|verify)[\w:-]*")),
    "yarn": (("install", r"(install\b|$)"), ("test", r"(run )?(test|unit|e2e|coverage)[\w:-]*"),
             ("build", r"(run )?build\b"), ("publish", r"publish\b"), ("verify", r"(run )?(smoke|verify)[\w:-]*")),
    "pnpm": (("install", r"(install|i)\b"), ("test", r"(run )?(test|unit|e2e|coverage)[\w:-]*"),
             ("build", r"(run )?build\b"), ("publish", r"publish\b"), ("verify", r"(run )?(smoke|verify)[\w:-]*")),
    "bun": (("install", r"install\b"), ("test", r"(run )?test\b"), ("build", r"(run )?build\b")),
    "bundle": (("install", r"install\b"),),
    "go": (("install", r"mod (download|tidy)\b"), ("test", r"test\b"), ("build", r"build\b")),
    # a lifecycle phase runs those before it: `deploy` tests, packages and publishes
    "mvn": (("install", r".*dependency:"), ("test", rf"{_F}(test|verify|package|install|deploy)\b"),
            ("build", rf"{_F}(package|install|verify|deploy|jib:(build|dockerBuild))\b"),
            ("publish", rf"(?!.*-DmuleDeploy){_F}deploy\b|{_F}jib:build\b"),
            # plugins that deploy the application itself (Azure, App Engine, Mule, JKube, app servers)
            ("deploy", rf"{_F}(?:[\w.-]+:)?{_MVN_DEPLOYERS}(?:-maven-plugin(?::[\w.-]+)?)?:(?:re)?deploy\b"
                       rf"|(?=.*-DmuleDeploy\b){_F}deploy\b")),  # lookaheads at the start: linear
    "gradle": (("test", rf"{_F}(test|check|build)\b"), ("build", rf"{_F}(build|assemble|jar|bootJar|jib|jibDockerBuild)\b"),
               ("publish", rf"{_F}publish"), ("deploy", rf"{_F}(azureWebAppDeploy|azureFunctionsDeploy|appengineDeploy|"
                                                      rf"k8sApply|herokuDeploy)\b")),
    "dotnet": (("install", r"restore\b"), ("test", r"test\b"), ("build", r"(build|publish)\b"),
               ("publish", r"nuget push\b")),
    "cargo": (("install", r"fetch\b"), ("test", r"(test|nextest)\b"), ("build", r"build\b"), ("publish", r"publish\b")),
    "apt-get": (("install", r"(-\S+ )*install\b"),),
    "make": (("test", rf"{_F}(test|check|tests|unittest)\b"), ("build", rf"{_F}(build|all|dist|package|release)\b|(?:-\S+\s*)*$")),
    "rake": (("test", r"test\b"),),
    "deno": (("test", r"test\b"),),
    # node's own test runner, or a runner started by its path (node node_modules/jest/bin/jest.js)
    "node": (("test", r"(?:\S+\s+)*?(?:--test\b|\S*node_modules/(?:jest|mocha|vitest|ava|jasmine)/)"),),
    "docker": (("build", rf"(image |buildx |compose {_F})?build\b"), ("publish", r"(image )?push\b|(?:buildx )?build\b.*\s--push\b"),
               ("deploy", r"(compose .*\bup\b|stack (deploy|up)\b|service update\b(?!.*--rollback))"),
               ("rollback", r"service (rollback\b|update\b.*--rollback\b)")),
    "docker-compose": (("deploy", r".*\bup\b"), ("build", rf"{_F}build\b")),
    "podman": (("build", r"build\b"), ("publish", r"push\b")),
    "buildah": (("build", r"bud\b"),),
    "kubectl": (("deploy", rf"{_F}(apply|create|replace|set image|rollout restart|argo rollouts set image)\b"),
                ("verify", rf"{_F}(rollout status|wait|argo rollouts status)\b"),
                ("rollback", rf"{_F}(rollout undo|argo rollouts (undo|abort))\b")),
    "oc": (("deploy", rf"{_F}(apply|rollout latest)\b"), ("verify", rf"{_F}rollout status\b"),
           ("rollback", rf"{_F}rollout undo\b")),
    "helm": (("deploy", rf"{_F}(upgrade|install)\b"), ("verify", rf"{_F}test\b"),
             ("rollback", rf"{_F}rollback\b"), ("publish", r"(push|cm-push)\b")),
    "helmfile": (("deploy", rf"{_F}(apply|sync)\b"),),
    "argocd": (("deploy", r"app (sync|create|set)\b"), ("verify", r"app wait\b"), ("rollback", r"app rollback\b")),
    "terraform": (("deploy", rf"{_F}apply\b"),),
    "pulumi": (("deploy", r"up\b"),),
    "ansible-playbook": (("deploy", r""),),
    "aws": (("deploy", r"(ecs update-service|deploy create-deployment|cloudformation (deploy|create-stack|update-stack)|"
                       r"s3 sync|s3 cp .*--recursive|lambda (update-function-code|create-function)|apprunner start-deployment|"
                       r"elasticbeanstalk (update-environment|create-environment))\b"),
            ("verify", r"ecs wait services-stable\b")),
    "sam": (("deploy", r"deploy\b"),),
    "cdk": (("deploy", r"deploy\b"),),
    "serverless": (("deploy", r"deploy\b"),),
    "eb": (("deploy", r"deploy\b"),),
    "azd": (("deploy", r"(?:\S+\s+)*?(?:up|deploy|provision)\b"),),  # Azure Developer CLI
    "fastapi": (("deploy", r"deploy\b"),),  # FastAPI Cloud
    # coverage wrappers whose options may take values: the test runner they start, anywhere after
    "nyc": (("test", r".*\b(?:mocha|jest|ava|tape|vitest|node --test|npm (?:run )?test)\b"),),
    "c8": (("test", r".*\b(?:mocha|jest|ava|tape|vitest|node --test|npm (?:run )?test)\b"),),
    "railway": (("deploy", r"up\b"),),
    "firebase": (("deploy", r"deploy\b"),),
    "gcloud": (("deploy", r"(run|app|functions) deploy\b"),),
    "az": (("deploy", r"(webapp|containerapp|functionapp|staticwebapp) .*\b(deploy|deployment|up|update)\b"
                      r"|storage blob upload-batch\b"),),
    "gsutil": (("deploy", r"(?:-m )?(rsync|cp) .*-r\b.*gs://"),),
    "surge": (("deploy", r""),),
    "gh-pages": (("deploy", r""),),
    "flyctl": (("deploy", r"deploy\b"), ("rollback", r"releases rollback\b")),
    "vercel": (("deploy", r"(--prod|.*\bdeploy)\b"),),
    "netlify": (("deploy", r"deploy\b"),),
    "heroku": (("deploy", r"(container:release|releases)\b"), ("rollback", r"rollback\b")),
    "skaffold": (("deploy", r"(run|deploy)\b"), ("build", r"(build|run)\b")),
    "flux": (("deploy", r"reconcile\b"),),
    "cf": (("deploy", r"push\b"),),
    "curl": (("verify", r".*(https?://|\$|localhost)"),),
    "wget": (("verify", r".*(--spider|https?://)"),),
    "http": (("verify", r"(GET|get)\b"),),
    "newman": (("verify", r"run\b"), ("test", r"run\b")),
    "k6": (("verify", r"run\b"),),
    "gh": (("release", r"release create\b"), ("publish", r"release create\b")),
    "git": (("release", r"tag\b.*\bv?\d+\.\d+\.\d+"),
            # a push to a platform that deploys what it receives (Heroku, Dokku, Azure App Service)
            ("deploy", r"push\b.*(?:\bheroku\b|git\.heroku\.com|\bdokku\b|scm\.azurewebsites\.net)")),
    "twine": (("publish", r"upload\b"),),
    "crane": (("publish", r"push\b"),),
    "vite": (("build", r"build\b"),),
    # front-end frameworks' own command lines (what `npm run build` / `npm test` usually start)
    "next": (("build", r"(build|export)\b"),),
    "react-scripts": (("build", r"build\b"), ("test", r"test\b")),
    "react-app-rewired": (("build", r"build\b"), ("test", r"test\b")),
    "craco": (("build", r"build\b"), ("test", r"test\b")),
    "ng": (("build", r"build\b"), ("test", r"(test|e2e)\b")),
    "vue-cli-service": (("build", r"build\b"), ("test", r"test(:unit|:e2e)?\b")),
    "nuxt": (("build", r"(build|generate)\b"),),
    "nuxi": (("build", r"(build|generate)\b"),),
    "astro": (("build", r"build\b"),),
    "gatsby": (("build", r"build\b"),),
    "parcel": (("build", r"build\b"),),
    "svelte-kit": (("build", r"build\b"),),
    "remix": (("build", r"build\b"),),
    "electron-forge": (("build", r"(make|package)\b"),),
    "gulp": (("build", r"(build|dist)\b"), ("test", r"test\b")),
    "grunt": (("build", r"(build|dist)\b"), ("test", r"test\b")),
    "karma": (("test", r"(start|run)\b"),),
    "playwright": (("test", r"test\b"),),
    "cypress": (("test", r"run\b"),),
    # monorepo task runners: the task they are told to run
    "nx": (("build", rf"{_F}build\b"), ("test", rf"{_F}(test|e2e)\b")),
    "turbo": (("build", rf"{_F}build\b"), ("test", rf"{_F}test\b")),
    "lerna": (("build", r"run build\b"), ("test", r"run test\b")),
    # other ecosystems' builds
    "sbt": (("test", rf"{_F}test\b"), ("build", rf"{_F}(compile|package|assembly|stage|dist)\b")),
    "ant": (("test", rf"{_F}test\b"), ("build", rf"(?!{_F}test\b)")),
    "bazel": (("build", r"build\b"), ("test", r"test\b")),
    "bazelisk": (("build", r"build\b"), ("test", r"test\b")),
    "cmake": (("build", r"(?:\S+\s+)*?--build\b"),),
    "hugo": (("build", r"(?!(server|serve|new|mod|version|env|config)\b)"),),
    "jekyll": (("build", r"build\b"),),
    "mkdocs": (("build", r"build\b"), ("deploy", r"gh-deploy\b")),
    # test runners and builds of other languages
    "php": (("test", r"artisan test\b"),),
    "composer": (("install", r"install\b"), ("test", r"(run-script )?test\b")),
    "rails": (("test", r"test(:system)?\b"),),
    "mix": (("test", r"test\b"), ("build", r"(compile|release|escript\.build)\b"), ("install", r"deps\.get\b")),
    "flutter": (("test", r"test\b"), ("build", r"build\b"), ("install", r"pub get\b")),
    "dart": (("test", r"test\b"), ("build", r"compile\b")),
    "swift": (("test", r"test\b"), ("build", r"build\b")),
    "xcodebuild": (("test", rf"{_F}test\b"), ("build", rf"{_F}(build|archive)\b")),
    "stack": (("test", r"test\b"), ("build", r"build\b")),
    "cabal": (("test", r"test\b"), ("build", r"build\b")),
    "meson": (("test", r"test\b"), ("build", r"compile\b")),
    "hatch": (("build", r"build\b"), ("test", r"test\b")),
    "pdm": (("build", r"build\b"), ("install", r"(install|sync)\b")),
    "flit": (("build", r"build\b"), ("publish", r"publish\b")),
    "gem": (("build", r"build\b"), ("publish", r"push\b")),
    # packaging an artifact: a zip or a compressed tarball being created
    "zip": (("build", r"(?:-\S+\s+)*[^-\s]\S*\s+\S"),),  # zip [options] ARCHIVE FILES...
    # (the flag cluster up to its first `c` can be split one way only: no backtracking on long words)
    "tar": (("build", r"(?:-[a-bd-zA-Z]*c[a-zA-Z]*|--create)\s.*\.(?:tar\.gz|tgz|tar\.xz|tar\.bz2)\b"),),
    "pack": (("build", r"build\b"),),
    "ko": (("build", r"build\b"),),
    "goreleaser": (("release", r""), ("build", r"build\b")),
    "changeset": (("release", r"publish\b"),),
}
# Flags that tell a build tool to skip its tests.
_SKIPS = {"mvn": r"-D(?:skipTests|maven\.test\.skip)(?:=true)?(?:\s|$)|-DskipTests=true",
          "gradle": r"(?:^|\s)(?:-x|--exclude-task)[ =]?:?test\b"}
# Tools whose mere use is the category.
_WHOLE: dict[str, str] = {
    "pytest": "test", "jest": "test", "vitest": "test", "mocha": "test", "ava": "test", "jasmine": "test",
    "rspec": "test", "bats": "test", "tox": "test", "nox": "test", "phpunit": "test", "ctest": "test",
    "nose2": "test", "nosetests": "test", "behave": "test", "robot": "test", "pest": "test", "cucumber": "test",
    "gotestsum": "test", "ginkgo": "test", "tap": "test", "pyinstaller": "build",
    "tsc": "build", "webpack": "build", "kaniko": "build", "executor": "build", "rollup": "build",
    "esbuild": "build", "tsup": "build", "electron-builder": "build", "javac": "build", "msbuild": "build",
    "ninja": "build",
    "semantic-release": "release", "release-please": "release", "standard-version": "release",
    "release-it": "release", "terragrunt": "deploy", "tofu": "deploy",
}
_ALIASES = {"pip3": "pip", "mvnw": "mvn", "mvnw.cmd": "mvn", "gradlew": "gradle", "gradlew.bat": "gradle", "apt": "apt-get", "fly": "flyctl",
            "sls": "serverless", "python3": "python", "docker-compose": "docker-compose",
            "httpie": "http", "terragrunt": "terragrunt"}
# Runners that start another tool: `npx jest`, `python -m pytest`, `bundle exec rspec`...
_RUNNERS = re.compile(
    r"^(?:npx|bunx|uvx|pipx run|(?:pnpm|yarn) (?:exec|dlx)|bundle exec|poetry run|uv run|uv tool run|pipenv run|python -m|"
    r"pdm run|hatch run|npm exec(?: --)?|"
    # wrappers that run the command after them: a display, a time limit, coverage collection
    r"xvfb-run(?: -\S+)*|timeout(?: -\S+)* \d+[smhd]?|(?:nyc|c8)(?: -{1,2}\w[\w-]*(?:=\S+)?)*|"
    r"coverage run(?: -{1,2}\w[\w-]*(?:=\S+)?)* -m|dotnet-coverage collect|dotnet coverage collect)\s+(.*)$"
)
_compiled: dict[str, list[tuple[str, re.Pattern]]] = {}
# `docker run [options] IMAGE COMMAND...`, `docker compose run [options] SERVICE COMMAND...`,
# `docker exec [options] CONTAINER COMMAND...`: the command runs inside; these options take a value.
_CONTAINER_RUN = re.compile(r"^(?:docker|podman|docker-compose)(?: compose| container)? (?:run|exec)\s+(.*)$")
_VALUE_OPTIONS = {"-e", "--env", "-v", "--volume", "-p", "--publish", "-w", "--workdir", "--name", "--network",
                  "-u", "--user", "--entrypoint", "--env-file", "-l", "--label", "--mount", "--platform", "-m",
                  "--memory", "--cpus", "--add-host", "--hostname", "-h", "--tmpfs", "--pull", "--service-ports"}


def inside_container(text: str) -> str | None:
    """The command a ``docker run``/``docker compose run``/``docker exec`` runs inside its
    container (None when there is none, or when it is not such a command)."""
    m = _CONTAINER_RUN.match(text)
    if not m:
        return None
    words = m.group(1).split()
    i = 0
    while i < len(words) and words[i].startswith("-"):
        flag = words[i].split("=", 1)[0]
        i += 2 if flag in _VALUE_OPTIONS and "=" not in words[i] else 1
    rest = words[i + 1:]  # after the image, service or container
    return " ".join(rest) if rest else None


def _rules_for(tool: str) -> list[tuple[str, re.Pattern]]:
    rules = _compiled.get(tool)
    if rules is None:
        rules = [(cat, re.compile(rx)) for cat, rx in _RULES.get(tool, ())]
        _compiled[tool] = rules
    return rules


# `uses:` actions that do the work of a category (owner/name, matched without @ref).
ACTION_CATEGORIES: dict[str, tuple[str, ...]] = {
    "build": ("docker/build-push-action", "redhat-actions/buildah-build", "mr-smithers-excellent/docker-build-push",
              "orb/aws-ecr/build-and-push-image", "orb/docker/build", "orb/docker/publish", "orb/gcp-gcr/build-image",
              "plugins/docker", "plugins/ecr", "plugins/gcr", "atlassian/aws-ecr-push-image"),
    "publish": ("docker/build-push-action", "pypa/gh-action-pypi-publish", "softprops/action-gh-release",
                "orb/aws-ecr/build-and-push-image", "orb/docker/publish", "orb/gcp-gcr/push-image", "plugins/docker",
                "plugins/ecr", "plugins/gcr", "atlassian/aws-ecr-push-image", "plugins/npm", "plugins/pypi"),
    "deploy": (
        "azure/k8s-deploy", "azure/webapps-deploy", "azure/functions-action", "deliverybot/helm",
        "wahyd4/kubectl-helm-action", "bitovi/github-actions-deploy-eks-helm", "helmfile/helmfile-action",
        "aws-actions/amazon-ecs-deploy-task-definition", "google-github-actions/deploy-cloudrun",
        "google-github-actions/deploy-appengine", "appleboy/ssh-action", "peaceiris/actions-gh-pages",
        "actions/deploy-pages", "akhileshns/heroku-deploy", "superfly/flyctl-actions",
        "amondnet/vercel-action", "hashicorp/tfc-workflows-github", "dawidd6/action-ansible-playbook",
        # Azure Pipelines tasks (read as azure/<Task>), Bitbucket pipes and Drone plugins
        "azure/azurewebapp", "azure/azurermwebappdeployment", "azure/azurefunctionapp", "azure/azurecontainerapps",
        "azure/azurestaticwebapp", "azure/azureresourcemanagertemplatedeployment", "azure/azurewebappcontainer",
        "atlassian/aws-ecs-deploy", "atlassian/aws-elasticbeanstalk-deploy", "atlassian/kubectl-run",
        "atlassian/helm-run", "atlassian/heroku-deploy", "atlassian/azure-web-apps-deploy", "atlassian/ssh-run",
        "atlassian/aws-lambda-deploy", "atlassian/google-cloud-run-deploy", "atlassian/firebase-deploy",
        "appleboy/drone-ssh", "appleboy/drone-scp", "plugins/ecs", "plugins/helm3", "pelotech/drone-helm3",
        "sinlead/drone-kubectl", "honestbee/drone-kubernetes",
        # CircleCI orbs (read as orb/<orb>/<command>)
        "orb/aws-eks/update-container-image", "orb/kubernetes/create-or-update-resource",
        "orb/helm/upgrade-helm-chart", "orb/aws-ecs/deploy-service-update", "orb/aws-ecs/update-service",
        "orb/heroku/deploy-via-git", "orb/gcp-gke/rollout-image", "orb/azure-aks/update-kubeconfig-with-credentials",
        # Harness step types (read as harness/<type>)
        "harness/k8srollingdeploy", "harness/k8scanarydeploy", "harness/k8sbluegreendeploy", "harness/k8sapply",
        "harness/helmdeploy", "harness/helmbgdeploy", "harness/helmcanarydeploy", "harness/serverlessawslambdadeploy",
        "harness/serverlessawslambdadeployv2", "harness/awslambdadeploy", "harness/ecsrollingdeploy",
        "harness/ecscanarydeploy", "harness/ecsbluegreencreateservice", "harness/azurewebappslotdeployment",
        "harness/tasrollingdeploy", "harness/asgrollingdeploy", "harness/googlefunctionsdeploy", "harness/command",
        "harness/terraformapply", "harness/cloudformationcreatestack", "harness/azurecreatearmresource",
        "harness/gitopssync",
    ),
    "rollback": ("harness/k8srollingrollback", "harness/helmrollback", "harness/ecsrollingrollback",
                 "harness/terraformrollback", "harness/azurewebapprollback", "harness/tasrollback",
                 "harness/serverlessawslambdarollback", "harness/serverlessawslambdarollbackv2",
                 "harness/awslambdarollback", "harness/asgrollingrollback", "harness/googlefunctionsrollback",
                 "harness/cloudformationrollbackstack"),
    "install": ("actions/setup-python", "actions/setup-node", "actions/setup-go", "actions/setup-java",
                "ruby/setup-ruby", "bahmutov/npm-install", "astral-sh/setup-uv", "orb/node/install-packages",
                "orb/python/install-packages", "azure/usepythonversion", "azure/nodetool"),
    "test": ("cypress-io/github-action", "gradle/gradle-build-action", "orb/node/test", "orb/python/test"),
    "release": ("softprops/action-gh-release", "actions/create-release", "ncipollo/release-action",
                "googleapis/release-please-action", "google-github-actions/release-please-action",
                "cycjimmy/semantic-release-action", "goreleaser/goreleaser-action", "changesets/action"),
    "verify": ("jtalk/url-health-check-action", "harness/http", "harness/verify"),
}

# Actions that run a script on a server over SSH: what they do is what the script does.
SSH_ACTIONS = frozenset({"appleboy/ssh-action", "appleboy/drone-ssh", "atlassian/ssh-run", "garygrossgarten/github-action-ssh",
                         "fifsky/ssh-action", "d3lm/ssh-action"})

_ENV_ASSIGN = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*=(?:\"[^\"]*\"|'[^']*'|\$\([^()]*\)|\S*)\s+)+")
# (what a condition runs is run: `if curl -f ...`, `until kubectl rollout status ...`)
_PREFIXES = re.compile(r"^(?:(?:sudo|time|exec|command|nohup|env|then|do|else|if|elif|while|until|!)\s+(?:-\S+\s+)*)+")
NOT_RUN = re.compile(r"^(?:echo|printf|:|true|false|#|cat\s*<<|read)\b")
_SPLIT = re.compile(r"&&|\|\||;|\|(?!\|)|(?<![<>&])&(?![&>])")  # (not the `&` of `2>&1`, `>&2`, `&>`)
# Compound commands open and close: an `exit` inside one ends the script only when it runs.
_OPENS = frozenset({"if", "case", "for", "while", "until", "select"})
_CLOSES = frozenset({"fi", "esac", "done"})
_BRACE_OPEN = re.compile(r"(?:^|[\s;&|(])\{(?=\s|$)")
_BRACE_CLOSE = re.compile(r"(?:^|[\s;&|])\}(?=[\s;&|)]|$)")
# What after `||` makes a failure harmless: `|| true`, `|| :`, `|| exit 0`, `|| echo ...`.
_ALWAYS_OK = re.compile(r"^(?:true|:|exit\s+0|/bin/true)\s*$|^(?:echo|printf)\b")


@dataclass(frozen=True, slots=True)
class Command:
    text: str  # one simple command, as written (comments removed)
    line: int  # 1-based line in the pipeline file (or in ``path``)
    path: str = ""  # the file it is in when not the pipeline's (a script, Makefile, package.json)
    via: tuple[str, ...] = ()  # the places that lead to it from the pipeline, outermost first
    ignored: bool = False  # its failure is ignored (`cmd || true`): it can't stop the pipeline
    resolved: bool = False  # what it runs was read from the repository (and follows it)
    remote: bool = False  # runs on another machine the pipeline logs into (`ssh host '...'`)

    def at(self, pipeline_path: str) -> Location:
        """Where the command is, with the chain that reaches it."""
        return Location(self.path or pipeline_path, self.line, self.via)


def _strip_comment(line: str) -> str:
    """Drop a shell comment: '#' at the start of a word, outside quotes."""
    quote = None
    prev = " "
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "#" and prev in " \t;|&(":
            return line[:i]
        prev = ch
    return line


# A quote that is never closed runs to the end: every quote is one match, so it stays linear.
_QUOTED = re.compile(r"'[^']*(?:'|\Z)|\"(?:[^\"\\]|\\.)*(?:\"|\\?\Z)")


def _mask_quotes(text: str) -> str:
    """Replace quoted text by placeholders so separators inside strings don't split."""
    return _QUOTED.sub(lambda m: "_" * len(m.group()), text)


def _trim_group(piece: str) -> str:
    """A command without the grouping around it (`(cd app && make)`, `{ build; }`): leading `(`/`{`
    and closing `)`/`}` that nothing in it opened go; `${VERSION}` and `$(date)` stay whole."""
    text = piece.strip()
    while text[:1] in ("(", "{"):
        text = text[1:].lstrip()
    while text[-1:] in (")", "}") and text.count(text[-1]) > text.count("(" if text[-1] == ")" else "{"):
        text = text[:-1].rstrip()
    return text


def split_script(script: str, first_line: int, _depth: int = 0) -> list[Command]:
    """The simple commands a shell script would run, each with its line number (and those an
    ``ssh`` in it runs on the remote host, marked ``remote``)."""
    out: list[Command] = []
    if not isinstance(script, str):
        return out
    lines = script.split("\n")
    i = 0
    depth = 0  # open compound commands (if/case/loops/braces): an exit inside them is conditional
    in_heredoc = None
    functions: dict[str, tuple[int, int]] = {}  # name -> the span of ``out`` its body holds
    opened: tuple[str, int, int, bool] | None = None  # a function whose body is being read
    one_line: tuple[str, int] | None = None
    while i < len(lines):
        start = i
        raw = lines[i]
        if in_heredoc:
            if raw.strip() == in_heredoc:
                in_heredoc = None
            i += 1
            continue
        logical = _strip_comment(raw)
        while logical.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            logical = logical.rstrip()[:-1] + " " + _strip_comment(lines[i]).strip()
        i += 1
        heredoc = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", logical)
        stripped = logical.strip()
        if heredoc and _depth < 2 and _SSH.match(normalise(stripped)):
            # `ssh host <<EOF` ... `EOF`: the lines between run on the host
            body_start = i
            while i < len(lines) and lines[i].strip() != heredoc.group(1):
                i += 1
            out.append(Command(stripped, first_line + start))
            out.extend(dataclasses.replace(c, remote=True)
                       for c in split_script("\n".join(lines[body_start:i]), first_line + body_start, _depth + 1))
            i += 1
            continue
        if heredoc:
            in_heredoc = heredoc.group(1)
        if not stripped:
            continue
        head = _FUNC_HEAD.match(stripped) if "(" in stripped or stripped.startswith("function") else None
        if head:
            name, body = head.group(1) or head.group(2), (head.group(3) or "").strip()
            if body.startswith("{") and _BRACE_CLOSE.search(_mask_quotes(body)):  # name() { cmd "$@"; }
                one_line = (name, len(out))
                stripped = body[1:].rstrip().removesuffix("}").rstrip().rstrip(";")
            else:
                opened = (name, len(out), depth, False)
        masked = _mask_quotes(stripped)
        at_top = depth == 0
        depth += len(_BRACE_OPEN.findall(masked)) - len(_BRACE_CLOSE.findall(masked))
        for part in _SPLIT.split(masked):
            first = part.strip().lstrip("(").split(" ", 1)[0]
            depth += (first in _OPENS) - (first in _CLOSES)
        depth = max(depth, 0)
        pos = 0
        pieces: list[tuple[str, str]] = []  # (command, the separator after it)
        for match in list(_SPLIT.finditer(masked)) + [None]:
            end = match.start() if match else len(masked)
            piece = stripped[pos:end].strip()
            pos = match.end() if match else len(masked)
            pieces.append((_trim_group(piece), match.group() if match else ""))
        for index, (piece, sep) in enumerate(pieces):
            if not piece:
                continue
            after = pieces[index + 1][0] if index + 1 < len(pieces) else ""
            ignored = sep == "||" and bool(_ALWAYS_OK.match(after))
            out.append(Command(piece, first_line + start, ignored=ignored))
            remote = remote_command(piece) if _depth < 2 and "ssh" in piece else None
            if remote:
                out.extend(dataclasses.replace(c, line=first_line + start, remote=True)
                           for c in split_script(remote, 1, _depth + 1))
        if one_line:
            functions[one_line[0]] = (one_line[1], len(out))
            one_line = None
        if opened:
            name, at, level, deeper = opened
            if depth > level:
                opened = (name, at, level, True)
            elif deeper and depth <= level:  # the function's closing brace
                functions[name] = (at, len(out))
                opened = None
        if at_top and re.match(r"^exit\b", stripped):
            break
    return _call_functions(out, functions) if functions else out


# A shell function definition: `name() {`, `function name {`, `function name() { ...; }`.
_FUNC_HEAD = re.compile(r"^(?:function\s+([A-Za-z_][\w.-]*)\s*(?:\(\s*\))?|([A-Za-z_][\w.-]*)\s*\(\s*\))\s*(\{.*)?$")
_ALL_ARGS = re.compile(r'"\$@"|"\$\{@\}"|"\$\*"|\$\{@\}|\$@|\$\*')
_SHIFT = re.compile(r"^shift(?:\s+(\d+))?\s*$")


def _call_functions(out: list[Command], functions: dict[str, tuple[int, int]]) -> list[Command]:
    """Calls of the script's own wrapper functions read as what they run: a function whose
    body runs its arguments (`compose() { docker compose -f prod.yml "$@"; }`, a `retry` that
    shifts its count off and runs `"$@"`) makes `compose up -d` the `docker compose` command and
    `retry 5 2 curl -f ...` the `curl`."""
    wrappers: dict[str, tuple[str, int]] = {}
    for name, (start, end) in functions.items():
        shifts = 0
        for cmd in out[start:end]:
            text = normalise(cmd.text)
            moved = _SHIFT.match(text)
            if moved:
                shifts += int(moved.group(1) or 1)
            elif _ALL_ARGS.search(text):
                wrappers[name] = (text, shifts)
                break
    if not wrappers:
        return out
    inside = [False] * len(out)  # the definitions themselves are not calls
    for start, end in functions.values():
        inside[start:end] = [True] * (end - start)
    result = []
    for index, cmd in enumerate(out):
        word, _, rest = normalise(cmd.text).partition(" ")
        wrapper = wrappers.get(word)
        if wrapper and not inside[index]:
            template, shifts = wrapper
            args = " ".join(rest.split()[shifts:])
            m = _ALL_ARGS.search(template)
            if m:
                cmd = dataclasses.replace(cmd, text=template[:m.start()] + args + template[m.end():])
        result.append(cmd)
    return result


_SSH = re.compile(r"^(?:sshpass\b.*?\s)?ssh\s+(.*)$")
_SSH_VALUE_OPTIONS = frozenset("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w".split())


def remote_command(text: str) -> str | None:
    """The command line ``ssh [options] HOST COMMAND...`` runs on the host (None when it is not
    such a command, or opens a shell)."""
    m = _SSH.match(normalise(text))
    if not m:
        return None
    try:
        words = shlex.split(m.group(1))
    except ValueError:  # an unclosed quote: nothing certain runs there
        return None
    i = 0
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in _SSH_VALUE_OPTIONS else 1
    rest = words[i + 1:]
    return " ".join(rest) if rest else None


# What starts or updates the application on a machine the pipeline logs into: a deploy there.
_REMOTE_DEPLOY = re.compile(
    r"^(?:(?:docker|podman)(?:-compose| compose)?\s+(?:\S+\s+)*?(?:up|run|stack|service)\b|docker-compose\b.*\bup\b"
    r"|pm2\s+(?:start|restart|reload|startOrRestart|startOrReload)\b|systemctl\s+(?:\S+\s+)*?(?:restart|reload|start)\b"
    r"|service\s+\S+\s+(?:restart|reload|start)\b|supervisorctl\s+(?:restart|update|start)\b|git\s+pull\b)")


def remote_categories(command: str) -> set[str]:
    """What a command run on a remote host does: starting, restarting or updating the
    application there (`docker compose up`, `docker run`, `pm2 restart`, `systemctl restart`,
    `git pull`) deploys it; anything else is what it would be locally."""
    found = categories(command)
    if _REMOTE_DEPLOY.match(normalise(command)):
        found.add("deploy")
    return found


@functools.lru_cache(maxsize=1 << 16)
def normalise(command: str) -> str:
    text = _ENV_ASSIGN.sub("", command.strip())
    text = _PREFIXES.sub("", text)
    return re.sub(r"\s+", " ", text)


_HOOK_VARIABLE = re.compile(r"\$(?:\{\{\s*(?:secrets|vars|env)\.|\{|env:)?\w*deploy_?(?:hook|webhook|trigger)\w*")


def _deploy_hook(args: str) -> bool:
    """A platform's deploy hook called from the pipeline (Render, Netlify build hooks, a
    webhook of one's own named so): a URL argument that says deploy."""
    # a secret or variable that holds the hook: ${{ secrets.RENDER_DEPLOY_HOOK }}, $DEPLOY_HOOK_URL
    if _HOOK_VARIABLE.search(args.lower()):
        return True
    for word in args.split():
        word = word.strip("'\"").lower()
        if word.startswith(("http://", "https://")):
            tail = word.split("://", 1)[1]
            if "/deploy" in tail or "deploy-hook" in tail or "deploy_hook" in tail or "build_hooks" in tail:
                return True
    return False


_DOWNLOAD_EXT = re.compile(r"\.(?:tar\.gz|tgz|tar\.xz|tar\.bz2|zip|gz|xz|bz2|deb|rpm|apk|jar|war|sh|ps1|exe|msi|dmg|"
                           r"pkg|bin|gpg|asc|key|pem|crt|whl|AppImage)$", re.I)


def _download(tool: str, args: str) -> bool:
    """A ``curl``/``wget`` that fetches a file (an installer, an archive, a key) rather than
    asking the service whether it is up: its URL names such a file or a release download, or
    curl saves what it fetches (``-o file``, ``-O``)."""
    words = [w.strip("'\"") for w in args.split()]
    for i, word in enumerate(words):
        if word.startswith(("http://", "https://")):
            path = word.split("?", 1)[0].split("#", 1)[0]
            if _DOWNLOAD_EXT.search(path) or "/releases/download/" in path or "raw.githubusercontent.com" in path:
                return True
        cluster = re.fullmatch(r"-[a-zA-Z]*([oO])", word) if tool == "curl" else None  # -O, -sSLo FILE
        if (cluster and (cluster.group(1) == "O" or (i + 1 < len(words) and words[i + 1] != "/dev/null"))) \
                or word == "--remote-name" or (word == "--output" and i + 1 < len(words) and words[i + 1] != "/dev/null"):
            return True
    return False


def unwrap(command: str) -> str:
    """The tool a runner starts: ``npx eslint .`` → ``eslint .``, ``poetry run ruff check`` →
    ``ruff check`` (normalised)."""
    text = normalise(command)
    for _ in range(3):
        inner = _started(text)
        if not inner:
            break
        text = inner
    return text


# Where notifications go: chat and incident webhooks, by their host or the variable that holds them.
_NOTIFY = re.compile(r"(?i)hooks\.slack\.com|discord(?:app)?\.com/api/webhooks|webhook\.office\.com|"
                     r"api\.telegram\.org|\$\{?\{?\s*(?:secrets\.|env\.)?\w*(?:webhook|slack|discord|teams|telegram)\w*")


def _to_remote_host(args: str) -> bool:
    """Is the last argument of ``scp``/``rsync`` a place on another machine (``host:path``,
    ``user@host:/var/www``, ``$HOST:~/app``) — not a URL, not a local path?"""
    words = args.split()
    if len(words) < 2:
        return False
    target = words[-1].strip("'\"")
    host, sep, _path = target.partition(":")
    return bool(sep) and bool(host) and "/" not in host and "//" not in target and not host.startswith("-")


def _started(text: str) -> str | None:
    """What a runner (``npx``, ``uv run --group dev``...) or a container (``docker run IMAGE``)
    starts, its own options dropped; None when ``text`` starts nothing."""
    runner = _RUNNERS.match(text)
    return _after_runner(runner.group(1)) if runner else inside_container(text)


# Options of runners (`uv run --group dev tox`, `npx --yes jest`) that take a value.
_RUNNER_VALUE_OPTIONS = frozenset({"--group", "--with", "--extra", "--python", "-p", "--directory", "--package",
                                   "--project", "--env-file", "--index", "--from", "-w", "--workspace", "--filter",
                                   "-C", "--only-group", "--no-group"})


def _after_runner(rest: str) -> str:
    """What a runner starts, its own options dropped: ``--locked --group dev tox run`` → ``tox run``."""
    words = rest.split()
    i = 0
    while i < len(words) and words[i].startswith("-") and words[i] != "--":
        i += 2 if words[i] in _RUNNER_VALUE_OPTIONS else 1
    if i < len(words) and words[i] == "--":
        i += 1
    return " ".join(words[i:])


_PACKAGE_MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})
# Options that pick a workspace package in a monorepo (`pnpm --filter web build`, `npm -w web run
# build`, `bun run --filter frontend build`, `yarn workspace web test`): the script is what follows.
_WORKSPACE_OPTIONS = frozenset({"--filter", "-F", "-w", "--workspace", "--cwd", "-C", "--dir", "--prefix"})


def _workspace_dropped(rest: str) -> str:
    words = rest.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in _WORKSPACE_OPTIONS:
            i += 2
            continue
        if word.startswith(("--filter=", "--workspace=", "--cwd=", "--dir=", "--prefix=")) or word == "--recursive" \
                or word == "-r":
            i += 1
            continue
        if not out and word == "workspace" and i + 1 < len(words):  # yarn workspace NAME SCRIPT
            i += 2
            continue
        out.append(word)
        i += 1
    return " ".join(out)


def started_by_runner(text: str) -> str | None:
    """The command an environment runner starts (``uv run``, ``poetry run``, ``pipenv run``,
    ``bundle exec``, ``npx``...), its options dropped; None when ``text`` is not run by one."""
    runner = _RUNNERS.match(text)
    return _after_runner(runner.group(1)) if runner else None


def tool_name(word: str) -> str:
    """The tool a command's first word names: its path, quotes and `.exe` dropped, wrappers and
    aliases folded (`./mvnw` → `mvn`, `pip3` → `pip`)."""
    tool = word.strip("'\"").rsplit("/", 1)[-1].lower()
    if tool.endswith(".exe"):
        tool = tool[:-4]
    return _ALIASES.get(tool, tool)


def categories(command: str) -> set[str]:
    """What a simple command does: install, test, build, publish, deploy, verify, rollback, release.
    Worked out once per distinct command text (a step repeated a thousand times, or read by
    every check, costs one reading); the caller gets its own set."""
    return set(_categories(command))


@functools.lru_cache(maxsize=1 << 16)
def _categories(command: str) -> frozenset[str]:
    text = normalise(command)
    if not text or NOT_RUN.match(text):
        return frozenset()
    found: set[str] = set()
    for _ in range(3):  # a runner may start a tool: npx jest, python -m pytest, bundle exec rspec
        word, _sep, rest = text.partition(" ")
        tool = tool_name(word)
        if tool in _WHOLE and not (tool == "tsc" and re.search(r"(?:^|\s)--noEmit\b", rest)):
            found.add(_WHOLE[tool])  # (`tsc --noEmit` type-checks: it builds nothing)
        if tool in _PACKAGE_MANAGERS:
            rest = _workspace_dropped(rest)
        for cat, rx in _rules_for(tool):
            if rx.match(rest):
                found.add(cat)
        if tool in _SKIPS and re.search(_SKIPS[tool], rest):
            found.discard("test")  # the tests are told not to run
        if tool in ("curl", "wget") and _deploy_hook(rest):
            found.add("deploy")
            found.discard("verify")
        if tool in ("curl", "wget") and _download(tool, rest):
            found.discard("verify")  # fetching a tool or a file checks nothing
        if tool in ("curl", "wget") and "deploy" not in found and _NOTIFY.search(rest):
            found.discard("verify")  # a message to a chat webhook tells people; it checks nothing
        if tool in ("scp", "rsync") and _to_remote_host(rest):
            found.add("deploy")  # files copied onto a server: the site or the release goes live there
        if "smoke" in tool or re.search(r"health[-_]?check", tool):
            found.add("verify")
        if "rollback" in tool and tool.endswith(".sh"):
            found.add("rollback")
        inner = _started(text)
        if not inner:
            break
        text = inner
    return frozenset(found)


def action_categories(uses: str) -> set[str]:
    """What a GitHub ``uses:`` action does (matched by owner/name, any ref)."""
    if not isinstance(uses, str):
        return set()
    name = uses.split("@", 1)[0].strip().lower()
    found = {cat for cat, names in ACTION_CATEGORIES.items() if name in names}
    if name.startswith("./") or name.startswith("docker://"):
        return found
    return found


_ARCHIVES = (".zip", ".jar", ".war", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2")


def is_versioned_build(command: str) -> bool:
    """A container build/tag command whose tag carries a commit SHA, a variable or a version."""
    text = re.sub(r"\$\{\{\s*([^}]*?)\s*\}\}", r"${{\1}}", normalise(command))  # ${{ x }} is one word
    tags = re.findall(r"(?:-t|--tag)[ =](\S+)", text)
    if not tags:
        words = [w.strip("'\"") for w in text.split()]
        archive = next((w for w in words[1:] if w.endswith(_ARCHIVES)), None) if words[:1] in (["zip"], ["tar"]) else None
        if archive:  # an archive is versioned by its name: a variable or a version number in it
            return "$" in archive or bool(re.search(r"\d+\.\d+", archive))
        return not re.match(r"(docker|podman|buildah)\b", text)  # packages carry their version
    return any(_versioned_ref(t) for t in tags)


def _versioned_ref(ref: str) -> bool:
    ref = ref.strip("'\"")
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:  # no tag is `latest`, unless the whole reference is one variable (taken on trust)
        return bool(re.fullmatch(r"\$(?:\w+|\{\w+\}|\{\{[^}]*\}\})", ref))
    tag = last.rsplit(":", 1)[-1]
    if tag in ("latest", "dev", "main", "master", "test", "stable", ""):
        return False
    return "$" in tag or bool(re.search(r"\d+\.\d+\.\d+|[0-9a-f]{7,40}", tag))
