"""The tool table: what a command does, keyed by the tool that runs it, and the runners and
wrappers that start another tool. Data only; :mod:`grader.evidence.shell.classify` reads it.

What a CI system's own actions, tasks, orbs, pipes or plugins do is declared by its reader
(``ACTIONS`` in :mod:`grader.evidence.ci`'s reader modules), not here.
"""

from __future__ import annotations

import re

from grader.patterns import lazy

# What a command does, keyed by the tool that runs it: (category, regex matched at the start of
# the command's arguments). Only the tools a submission uses get their regexes compiled.
_F = r"(?:\S+\s+)*?"  # options that may stand before a sub-command (kubectl -n prod apply)
# Maven plugin prefixes whose `deploy` goal puts the application into an environment
_MVN_DEPLOYERS = (r"(?:azure-webapp|azure-functions|azure-spring-apps|appengine|mule|heroku|k8s|oc|liberty|wildfly|"
                  r"tomcat\d?|cargo|jboss-as|payara-micro|spring-cloud-azure)")
RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "pip": (("install", r"install\b"), ("build", r"wheel\b")),
    "python": (("build", r"-m build\b|setup\.py (sdist|bdist\w*|build)\b"),
               ("test", r"-m (pytest|unittest)\b|(?:\./)?manage\.py test\b"), ("install", r"-m pip install\b")),
    "manage.py": (("test", r"test\b"),),
    "uv": (("install", r"(sync|pip install)\b"), ("build", r"build\b"), ("publish", r"publish\b")),
    "poetry": (("install", r"install\b"), ("build", r"build\b"), ("publish", r"publish\b")),
    "pipenv": (("install", r"(install|sync)\b"),),
    "conda": (("install", r"(env )?(create|install)\b"),),
    "npm": (("install", r"(ci|install|i)\b"), ("test", r"(test|t)\b|run (test|unit|e2e|coverage)[\w:-]*"),
            ("build", r"run build\b|pack\b"), ("publish", r"publish\b"), ("verify", r"run (smoke|verify)[\w:-]*"),
            ("undo", r"run [\w-]*migrat\w*[:_-](revert|down|rollback|undo)\b")),
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
    # (a task may be named with its project's path: `:converter:build`)
    "gradle": (("test", rf"{_F}(?::?[\w-]+:)?(test|check|build)\b"),
               ("build", rf"{_F}(?::?[\w-]+:)?(build|assemble|jar|bootJar|jib|jibDockerBuild)\b"),
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
               # (`compose up --abort-on-container-exit` runs a test suite of containers and stops: no deploy)
               ("deploy", r"(compose (?!.*--(?:abort-on-container-exit|exit-code-from)\b).*\bup\b|stack (deploy|up)\b"
                          r"|service update\b(?!.*--rollback))"),
               ("rollback", r"service (rollback\b|update\b.*--rollback\b)")),
    "docker-compose": (("deploy", r"(?!.*--(?:abort-on-container-exit|exit-code-from)\b).*\bup\b"),
                       ("build", rf"{_F}build\b")),
    "podman": (("build", r"build\b"), ("publish", r"push\b")),
    "buildah": (("build", r"bud\b"),),
    "kubectl": (("deploy", rf"{_F}(apply|create|replace|set image|rollout restart|argo rollouts set image)\b"),
                ("verify", rf"{_F}(rollout status|wait|argo rollouts status)\b"),
                ("rollback", rf"{_F}(rollout undo|argo rollouts (undo|abort))\b")),
    "oc": (("deploy", rf"{_F}(apply|rollout latest)\b"), ("verify", rf"{_F}rollout status\b"),
           ("rollback", rf"{_F}rollout undo\b")),
    "helm": (("deploy", rf"{_F}(upgrade|install)\b"), ("verify", rf"{_F}test\b"), ("build", rf"{_F}package\b"),
             ("rollback", rf"{_F}rollback\b"), ("publish", r"(push|cm-push)\b"), ("undo", rf"{_F}(uninstall|delete)\b")),
    "helmfile": (("deploy", rf"{_F}(apply|sync)\b"),),
    # what undoes a new environment or its migrations: a rollback when it runs because the deploy failed
    "typeorm": (("undo", r"migration:revert\b"),),
    "knex": (("undo", r"migrate:(rollback|down)\b"),),
    "sequelize": (("undo", r"db:migrate:undo\b"),),
    "alembic": (("undo", rf"{_F}downgrade\b"),),
    "flyway": (("undo", rf"{_F}undo\b"),),
    "argocd": (("deploy", r"app (sync|create|set)\b"), ("verify", r"app wait\b"), ("rollback", r"app rollback\b")),
    "terraform": (("deploy", rf"{_F}apply\b"), ("undo", rf"{_F}destroy\b")),
    "pulumi": (("deploy", r"up\b"),),
    "ansible-playbook": (("deploy", r""),),
    "aws": (("deploy", r"(ecs update-service|deploy create-deployment|cloudformation (deploy|create-stack|update-stack)|"
                       r"s3 sync|s3 cp .*--recursive|lambda (update-function-code|create-function)|apprunner start-deployment|"
                       r"elasticbeanstalk (update-environment|create-environment))\b"),
            ("undo", r"(cloudformation delete-stack|s3 rm .*--recursive|s3 rb)\b"),
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
    # Cloud Run / App Engine / Functions deploys, and a Cloud Deploy release (rolled out to its
    # delivery pipeline's first target) or promotion; `builds submit` builds on Cloud Build
    "gcloud": (("deploy", rf"{_F}(?:(run|app|functions) deploy|deploy releases (create|promote))\b"),
               ("build", rf"{_F}builds submit\b"), ("rollback", rf"{_F}deploy targets rollback\b")),
    "gke-deploy": (("deploy", r"(run|apply)\b"),),  # Cloud Build's GKE deployer
    # the Prometheus project's build tool: binaries for every platform, their tarballs
    "promu": (("build", r"(crossbuild|build|tarball)\b"), ("publish", r"release\b")),
    "az": (("deploy", r"(webapp|containerapp|functionapp|staticwebapp) .*\b(deploy|deployment|up|update)\b"
                      r"|storage blob upload-batch\b"),),
    "gsutil": (("deploy", r"(?:-m )?(rsync|cp) .*-r\b.*gs://"),),
    "surge": (("deploy", r""),),
    "gh-pages": (("deploy", r""),),
    "flyctl": (("deploy", r"deploy\b"), ("rollback", r"releases rollback\b")),
    "vercel": (("deploy", r"(--prod|.*\bdeploy)\b"),),
    "netlify": (("deploy", r"deploy\b"),),
    "heroku": (("deploy", r"(container:release|releases)\b"), ("rollback", r"rollback\b")),
    "skaffold": (("deploy", r"(run|deploy)\b"), ("build", r"(build|run)\b"), ("verify", r"verify\b")),
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
    # chart-releaser: packages each chart under its Chart.yaml version, uploads them as releases
    "cr": (("build", r"package\b"), ("publish", r"upload\b"), ("release", r"upload\b")),
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
    "rails": (("test", r"test(:system)?\b"), ("undo", r"db:rollback\b")),
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
    # C and C++ compilers writing a program or a library (`gcc -Wall app.c -o app`)
    "gcc": (("build", r".*\s-o\s?\S"),), "g++": (("build", r".*\s-o\s?\S"),),
    "clang": (("build", r".*\s-o\s?\S"),), "clang++": (("build", r".*\s-o\s?\S"),),
    "cc": (("build", r".*\s-o\s?\S"),),
    "ko": (("build", r"build\b"),),
    "goreleaser": (("release", r""), ("build", r"(build|release)\b")),
    "changeset": (("release", r"publish\b"),),
}
# Flags that tell a build tool to skip its tests.
SKIPS = {"mvn": r"-D(?:skipTests|maven\.test\.skip)(?:=true)?(?:\s|$)|-DskipTests=true",
          "gradle": r"(?:^|\s)(?:-x|--exclude-task)[ =]?:?test\b"}
# Tools whose mere use is the category.
WHOLE: dict[str, str] = {
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
ALIASES = {"pip3": "pip", "mvnw": "mvn", "mvnw.cmd": "mvn", "gradlew": "gradle", "gradlew.bat": "gradle", "apt": "apt-get", "fly": "flyctl",
           "sls": "serverless", "python3": "python", "docker-compose": "docker-compose",
           "httpie": "http", "terragrunt": "terragrunt"}
# Runners that start another tool: `npx jest`, `python -m pytest`, `bundle exec rspec`...
RUNNERS = lazy(
    r"^(?:npx|bunx|uvx|pipx run|(?:pnpm|yarn) (?:exec|dlx)|bundle exec|poetry run|uv run|uv tool run|pipenv run|python -m|"
    r"pdm run|hatch run|npm exec(?: --)?|"
    # wrappers that run the command after them: a display, a time limit, coverage collection
    r"xvfb-run(?: -\S+)*|timeout(?: -\S+)* \d+[smhd]?|(?:nyc|c8)(?: -{1,2}\w[\w-]*(?:=\S+)?)*|"
    r"coverage run(?: -{1,2}\w[\w-]*(?:=\S+)?)* -m|dotnet-coverage collect|dotnet coverage collect)\s+(.*)$"
)
# `docker run [options] IMAGE COMMAND...`, `docker compose run [options] SERVICE COMMAND...`,
# `docker exec [options] CONTAINER COMMAND...`: the command runs inside; these options take a value.
CONTAINER_RUN = lazy(r"^(?:docker|podman|docker-compose)(?: compose| container)? (?:run|exec)\s+(.*)$")
CONTAINER_VALUE_OPTIONS = {"-e", "--env", "-v", "--volume", "-p", "--publish", "-w", "--workdir", "--name",
                           "--network", "-u", "--user", "--entrypoint", "--env-file", "-l", "--label", "--mount", "--platform", "-m",
                           "--memory", "--cpus", "--add-host", "--hostname", "-h", "--tmpfs", "--pull", "--service-ports"}

# What starts or updates the application on a machine the pipeline logs into: a deploy there.
REMOTE_DEPLOY = lazy(
    r"^(?:(?:docker|podman)(?:-compose| compose)?\s+(?:\S+\s+)*?(?:up|run|stack|service)\b|docker-compose\b.*\bup\b"
    r"|pm2\s+(?:start|restart|reload|startOrRestart|startOrReload)\b|systemctl\s+(?:\S+\s+)*?(?:restart|reload|start)\b"
    r"|service\s+\S+\s+(?:restart|reload|start)\b|supervisorctl\s+(?:restart|update|start)\b|git\s+pull\b)")

# a secret or variable that holds a deploy hook: ${{ secrets.RENDER_DEPLOY_HOOK }}, $DEPLOY_HOOK_URL
HOOK_VARIABLE = lazy(r"\$(?:\{\{\s*(?:secrets|vars|env)\.|\{|env:)?\w*deploy_?(?:hook|webhook|trigger)\w*")
# what a download fetches: an installer, an archive, a key
DOWNLOAD_EXT = lazy(r"\.(?:tar\.gz|tgz|tar\.xz|tar\.bz2|zip|gz|xz|bz2|deb|rpm|apk|jar|war|sh|ps1|exe|msi|dmg|"
                          r"pkg|bin|gpg|asc|key|pem|crt|whl|AppImage)$", re.I)
# Where notifications go: chat and incident webhooks, by their host or the variable that holds them.
NOTIFY = lazy(r"(?i)hooks\.slack\.com|discord(?:app)?\.com/api/webhooks|webhook\.office\.com|"
                    r"api\.telegram\.org|\$\{?\{?\s*(?:secrets\.|env\.)?\w*(?:webhook|slack|discord|teams|telegram)\w*")
# Options of runners (`uv run --group dev tox`, `npx --yes jest`) that take a value.
RUNNER_VALUE_OPTIONS = frozenset({"--group", "--with", "--extra", "--python", "-p", "--directory", "--package",
                                  "--project", "--env-file", "--index", "--from", "-w", "--workspace", "--filter",
                                  "-C", "--only-group", "--no-group"})

PACKAGE_MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})
# Options that pick a workspace package in a monorepo (`pnpm --filter web build`, `npm -w web run
# build`, `bun run --filter frontend build`, `yarn workspace web test`): the script is what follows.
WORKSPACE_OPTIONS = frozenset({"--filter", "-F", "-w", "--workspace", "--cwd", "-C", "--dir", "--prefix"})
# the archives a `zip`/`tar` build makes
ARCHIVES = (".zip", ".jar", ".war", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2")
