"""Shell commands as they would run: split scripts, drop comments and ``echo`` text, classify.

A pipeline step's script counts only for the commands that would execute: a command in a
shell comment, inside an ``echo``/``printf`` string, or after ``exit`` doesn't count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each category: regexes matched against one simple command (leading env assignments,
# ``sudo``, ``time`` and ``npx``-style runners removed).
_CATEGORIES: dict[str, tuple[str, ...]] = {
    "install": (
        r"pip3? install\b", r"python3? -m pip install\b", r"uv (sync|pip install)\b",
        r"poetry install\b", r"pipenv (install|sync)\b", r"npm (ci|install|i)\b",
        r"yarn( install)?$", r"yarn install\b", r"pnpm (install|i)\b", r"bundle install\b",
        r"go mod (download|tidy)\b", r"composer install\b", r"mvn\S* .*dependency:",
        r"dotnet restore\b", r"cargo fetch\b", r"apt(-get)? install\b", r"conda (env )?(create|install)\b",
    ),
    "test": (
        r"(python3? -m )?pytest\b", r"python3? -m unittest\b", r"(npm|pnpm|yarn|bun) (run )?test\b",
        r"npm t\b", r"(npx |pnpm exec |yarn )?(jest|vitest|mocha|ava|jasmine)\b",
        r"go test\b", r"(\./)?mvnw? .*\b(test|verify|package|install)\b",
        r"(\./)?gradlew? .*\b(test|check|build)\b", r"(bundle exec )?rspec\b", r"bats\b",
        r"tox\b", r"nox\b", r"make (test|check)\b", r"cargo (test|nextest)\b", r"dotnet test\b",
        r"(bundle exec )?rake test\b", r"phpunit\b", r"ctest\b", r"deno test\b",
        r"(npm|pnpm|yarn) run (test|unit|e2e|coverage)[\w:-]*",
    ),
    "build": (
        r"docker (image )?build\b", r"docker buildx build\b", r"podman build\b", r"buildah bud\b",
        r"(npm|pnpm|yarn|bun) (run )?build\b", r"python3? -m build\b", r"pip wheel\b",
        r"poetry build\b", r"uv build\b", r"(\./)?mvnw? .*\b(package|install|verify)\b",
        r"(\./)?gradlew? .*\b(build|assemble|jar|bootJar)\b", r"go build\b", r"cargo build\b",
        r"dotnet (build|publish)\b", r"make( build| all)?$", r"make (build|all|dist)\b",
        r"pack build\b", r"ko build\b", r"kaniko\b", r"/kaniko/executor\b", r"goreleaser build\b",
        r"tsc\b", r"webpack\b", r"vite build\b",
    ),
    "publish": (
        r"docker (image )?push\b", r"podman push\b", r"npm publish\b", r"twine upload\b",
        r"poetry publish\b", r"uv publish\b", r"(\./)?mvnw? .*\bdeploy\b", r"gradlew? .*publish",
        r"gh release create\b", r"crane push\b", r"helm push\b",
    ),
    "deploy": (
        r"kubectl (apply|create|replace|set image|rollout restart)\b", r"kubectl .*\bapply\b",
        r"oc (apply|rollout)\b", r"helm (upgrade|install)\b", r"helmfile (apply|sync)\b",
        r"kustomize build\b.*\|\s*kubectl", r"argocd app (sync|create|set)\b",
        r"terraform apply\b", r"terragrunt apply\b", r"tofu apply\b", r"pulumi up\b",
        r"ansible-playbook\b", r"docker[- ]compose .*\bup\b", r"docker stack deploy\b",
        r"aws (ecs update-service|deploy create-deployment|cloudformation deploy)\b",
        r"aws s3 sync\b", r"sam deploy\b", r"cdk deploy\b", r"serverless deploy\b", r"sls deploy\b",
        r"gcloud (run|app|functions) deploy\b", r"az (webapp|containerapp|functionapp) .*\b(deploy|up|update)\b",
        r"flyctl deploy\b", r"fly deploy\b", r"vercel( --prod|.* deploy)\b", r"netlify deploy\b",
        r"heroku (container:release|releases)\b", r"skaffold (run|deploy)\b", r"kubectl argo rollouts set image\b",
        r"flux reconcile\b", r"cf push\b",
    ),
    "verify": (
        r"kubectl rollout status\b", r"oc rollout status\b", r"kubectl wait\b", r"helm test\b",
        r"curl\b.*(https?://|\$|localhost)", r"wget\b.*(--spider|https?://)", r"http(ie)? (GET|get)\b",
        r"\S*smoke\S*", r"\S*health[-_]?check\S*", r"(npm|pnpm|yarn) run (smoke|e2e|verify)[\w:-]*",
        r"argocd app wait\b", r"kubectl argo rollouts status\b", r"aws ecs wait services-stable\b",
        r"newman run\b", r"k6 run\b",
    ),
    "rollback": (
        r"kubectl rollout undo\b", r"oc rollout undo\b", r"helm rollback\b",
        r"argocd app rollback\b", r"kubectl argo rollouts (undo|abort)\b", r"flyctl releases rollback",
        r"heroku rollback\b", r"aws deploy stop-deployment\b.*--auto-rollback", r"\S*rollback\S*\.sh\b",
    ),
    "release": (
        r"gh release create\b", r"(npx )?semantic-release\b", r"goreleaser( release)?\b",
        r"release-please\b", r"(npx )?changeset publish\b", r"(npx )?standard-version\b",
        r"(npx )?release-it\b", r"git tag\b.*\bv?\d+\.\d+\.\d+",
    ),
}
_COMPILED = {cat: re.compile("|".join(f"(?:{p})" for p in pats)) for cat, pats in _CATEGORIES.items()}

# `uses:` actions that do the work of a category (owner/name, matched without @ref).
ACTION_CATEGORIES: dict[str, tuple[str, ...]] = {
    "build": ("docker/build-push-action", "redhat-actions/buildah-build", "mr-smithers-excellent/docker-build-push"),
    "publish": ("docker/build-push-action", "pypa/gh-action-pypi-publish", "softprops/action-gh-release"),
    "deploy": (
        "azure/k8s-deploy", "azure/webapps-deploy", "azure/functions-action", "deliverybot/helm",
        "wahyd4/kubectl-helm-action", "bitovi/github-actions-deploy-eks-helm", "helmfile/helmfile-action",
        "aws-actions/amazon-ecs-deploy-task-definition", "google-github-actions/deploy-cloudrun",
        "google-github-actions/deploy-appengine", "appleboy/ssh-action", "peaceiris/actions-gh-pages",
        "actions/deploy-pages", "akhileshns/heroku-deploy", "superfly/flyctl-actions",
        "amondnet/vercel-action", "hashicorp/tfc-workflows-github", "dawidd6/action-ansible-playbook",
    ),
    "install": ("actions/setup-python", "actions/setup-node", "actions/setup-go", "actions/setup-java",
                "ruby/setup-ruby", "bahmutov/npm-install", "astral-sh/setup-uv"),
    "test": ("cypress-io/github-action", "gradle/gradle-build-action"),
    "release": ("softprops/action-gh-release", "actions/create-release", "ncipollo/release-action",
                "googleapis/release-please-action", "google-github-actions/release-please-action",
                "cycjimmy/semantic-release-action", "goreleaser/goreleaser-action", "changesets/action"),
    "verify": ("jtalk/url-health-check-action",),
}

_ENV_ASSIGN = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*=(?:\"[^\"]*\"|'[^']*'|\S*)\s+)+")
_PREFIXES = re.compile(r"^(?:(?:sudo|time|exec|command|nohup|env)\s+(?:-\S+\s+)*)+")
_NOT_RUN = re.compile(r"^(?:echo|printf|:|true|false|#|cat\s*<<|read)\b")
_SPLIT = re.compile(r"\s*(?:&&|\|\||;|\|(?!\|)|&(?!&))\s*")


@dataclass(frozen=True)
class Command:
    text: str  # one simple command, as written (comments removed)
    line: int  # 1-based line in the pipeline file


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


def _mask_quotes(text: str) -> str:
    """Replace quoted text by placeholders so separators inside strings don't split."""
    return re.sub(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"", lambda m: "_" * len(m.group()), text)


def split_script(script: str, first_line: int) -> list[Command]:
    """The simple commands a shell script would run, each with its line number."""
    out: list[Command] = []
    if not isinstance(script, str):
        return out
    lines = script.split("\n")
    i = 0
    in_heredoc = None
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
        if heredoc:
            in_heredoc = heredoc.group(1)
        stripped = logical.strip()
        if not stripped:
            continue
        masked = _mask_quotes(stripped)
        pos = 0
        for match in list(_SPLIT.finditer(masked)) + [None]:
            end = match.start() if match else len(masked)
            piece = stripped[pos:end].strip()
            pos = match.end() if match else len(masked)
            piece = piece.strip("() {}")
            if piece:
                out.append(Command(piece, first_line + start))
        if re.match(r"^exit\b", stripped):
            break
    return out


def normalise(command: str) -> str:
    text = _ENV_ASSIGN.sub("", command.strip())
    text = _PREFIXES.sub("", text)
    return re.sub(r"\s+", " ", text)


def categories(command: str) -> set[str]:
    """What a simple command does: install, test, build, publish, deploy, verify, rollback..."""
    text = normalise(command)
    if not text or _NOT_RUN.match(text):
        return set()
    return {cat for cat, rx in _COMPILED.items() if rx.match(text)}


def action_categories(uses: str) -> set[str]:
    """What a GitHub ``uses:`` action does (matched by owner/name, any ref)."""
    if not isinstance(uses, str):
        return set()
    name = uses.split("@", 1)[0].strip().lower()
    found = {cat for cat, names in ACTION_CATEGORIES.items() if name in names}
    if name.startswith("./") or name.startswith("docker://"):
        return found
    return found


def is_versioned_build(command: str) -> bool:
    """A container build/tag command whose tag carries a commit SHA, a variable or a version."""
    text = normalise(command)
    tags = re.findall(r"(?:-t|--tag)[ =](\S+)", text)
    if not tags:
        return not re.match(r"(docker|podman|buildah)\b", text)  # packages carry their version
    return any(_versioned_ref(t) for t in tags)


def _versioned_ref(ref: str) -> bool:
    ref = ref.strip("'\"")
    if ":" not in ref.rsplit("/", 1)[-1] and "$" not in ref:
        return False
    tag = ref.rsplit(":", 1)[-1]
    if tag in ("latest", "dev", "main", "master", "test", "stable", ""):
        return False
    return "$" in tag or bool(re.search(r"\d+\.\d+\.\d+|[0-9a-f]{7,40}", tag))
