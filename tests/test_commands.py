"""Shell commands: what runs (comments, echo, continuations, heredocs) and what it does."""

from __future__ import annotations

import shlex

import pytest

from grader.evidence.shell import (
    categories,
    is_versioned_build,
    remote_categories,
    remote_command,
    split_script,
)

CASES = {
    "pip install -r requirements.txt": {"install"}, "python -m pip install .": {"install"},
    "npm ci": {"install"}, "npm test": {"test"}, "npm run test:unit": {"test"}, "yarn": {"install"},
    "npx jest --ci": {"test"}, "python -m pytest -q": {"test"}, "bundle exec rspec": {"test"},
    "./gradlew build": {"test", "build"}, "mvn -B verify": {"test", "build"}, "go test ./...": {"test"},
    "python -m build": {"build"}, "docker build -t a:b .": {"build"}, "docker buildx build .": {"build"},
    "docker push a": {"publish"}, "kubectl -n prod apply -f k8s/": {"deploy"},
    "kubectl rollout status deploy/a": {"verify"}, "kubectl rollout undo deploy/a": {"rollback"},
    "helm upgrade --install a ./c": {"deploy"}, "helm rollback a": {"rollback"}, "helm test a": {"verify"},
    "curl -f https://x/health": {"verify"}, "./scripts/smoke-test.sh": {"verify"},
    "terraform apply -auto-approve": {"deploy"}, "ansible-playbook site.yml": {"deploy"},
    "docker compose up -d": {"deploy"}, "echo kubectl apply -f x": set(), "printf 'pytest'": set(),
    "gh release create v1": {"release", "publish"}, "FOO=1 sudo make test": {"test"},
    "/usr/bin/pytest": {"test"}, "kubectl argo rollouts abort app": {"rollback"},
    "argocd app sync shop": {"deploy"}, "gcloud run deploy api --image x": {"deploy"},
}


@pytest.mark.parametrize("command,expected", CASES.items())
def test_categories(command, expected):
    assert categories(command) == expected


def test_split_script_drops_comments_echo_and_joins_continuations():
    script = (
        "# kubectl apply -f k8s/\n"
        "kubectl set image deployment/app \\\n"
        "  app=app:1  # kubectl rollout undo\n"
        "echo \"helm rollback; done\" && pytest -q\n"
        "cat <<EOF\nkubectl apply -f x\nEOF\n"
        "exit 0\n"
        "terraform apply\n"
    )
    cmds = split_script(script, 10)
    texts = [c.text for c in cmds]
    assert texts[0].startswith("kubectl set image deployment/app")
    assert cmds[0].line == 11
    assert 'echo "helm rollback; done"' in texts and "pytest -q" in texts
    assert not any("rollout undo" in t or "apply -f x" in t or "terraform" in t for t in texts)


def test_an_exit_inside_a_compound_command_does_not_end_the_script():
    # `exit` in an `if`, a `{ ...; }` group or a function runs only when its condition holds:
    # what follows still runs; a top-level exit ends the script
    script = (
        'if [ -z "$VERSION" ]; then\n'
        '  echo "no version" >&2\n'
        '  exit 1\n'
        'fi\n'
        'command -v docker >/dev/null 2>&1 || { echo "docker missing" >&2; exit 1; }\n'
        'cleanup() {\n'
        '  exit 0\n'
        '}\n'
        'docker push shop/app:$VERSION\n'
        'exit 0\n'
        'kubectl apply -f k8s/\n'
    )
    texts = [c.text for c in split_script(script, 1)]
    assert "docker push shop/app:$VERSION" in texts
    assert not any(t.startswith("kubectl") for t in texts)
    # a redirection's `&` is not a separator: `2>&1`, `>&2` and `&>` stay in their command
    assert [c.text for c in split_script("make test 2>&1 | tee log; make build &>/dev/null", 1)] == \
        ["make test 2>&1", "tee log", "make build &>/dev/null"]


def test_conditions_run_their_commands():
    # what `if`, `elif`, `while` and `until` test is run: a health check written as a condition
    assert categories("if curl -fsS https://shop.example/health") == {"verify"}
    assert categories("until kubectl rollout status deployment/shop") == {"verify"}
    assert categories("while ! curl -fs http://localhost:8080/health") == {"verify"}
    assert categories("elif pytest -q") == {"test"}
    assert categories("if [ -z \"$TAG\" ]") == set()


WRAPPERS = """set -euo pipefail
compose() {
  docker compose \\
    -f deploy/compose.prod.yml \\
    "$@"
}
retry() {
  local attempts=$1; shift
  local delay=$1; shift
  for _ in $(seq 1 "$attempts"); do
    if "$@"; then return 0; fi
    sleep "$delay"
  done
  return 1
}
kc() { kubectl -n shop "$@"; }
compose pull api
compose up -d --no-deps api
retry 30 2 curl -fsS http://localhost:8080/health
kc rollout undo deployment/api
"""


def test_calls_of_wrapper_functions_are_what_they_run():
    cmds = split_script(WRAPPERS, 1)
    by_line = {c.line: c.text for c in cmds}
    assert by_line[18] == "docker compose -f deploy/compose.prod.yml up -d --no-deps api"
    assert categories(by_line[18]) == {"deploy"}
    assert categories(by_line[19]) == {"verify"}  # the retried command, its count and delay shifted off
    assert categories(by_line[20]) == {"rollback"}
    # the definitions are not calls
    assert not any(categories(c.text) for c in cmds if c.line < 17)


def test_wrappers_that_run_nothing_stay_nothing():
    # a function that only prints its arguments, one never called, or an unrelated command
    # that shares a word with a function
    fake = ('show() { echo docker compose "$@"; }\nshow up -d\n'
            'deploy() { docker compose "$@"; }\necho deploy up -d\n')
    assert not any(categories(c.text) for c in split_script(fake, 1))


FRAMEWORKS = {
    # what `npm run build` / `npm test` start in front-end projects
    "react-scripts build": {"build"}, "react-scripts test --watchAll=false": {"test"},
    "react-app-rewired test --env=jsdom": {"test"}, "craco build": {"build"}, "next build": {"build"},
    "ng build --configuration production": {"build"}, "ng test --watch=false": {"test"},
    "vue-cli-service build": {"build"}, "vue-cli-service test:unit": {"test"}, "nuxt generate": {"build"},
    "karma start karma.conf.js --single-run": {"test"}, "playwright test": {"test"}, "cypress run": {"test"},
    "nx run-many -t build": {"build"}, "turbo run test": {"test"}, "rollup -c": {"build"},
    # and other ecosystems' builds
    "sbt test": {"test"}, "sbt assembly": {"build"}, "ant -f build.xml dist": {"build"}, "ant test": {"test"},
    "bazel build //...": {"build"}, "cmake --build build": {"build"}, "javac -d out Main.java": {"build"},
    "python setup.py sdist bdist_wheel": {"build"}, "python manage.py test": {"test"}, "hugo --minify": {"build"},
    "mkdocs build --strict": {"build"}, "mkdocs gh-deploy --force": {"deploy"},
    "docker buildx build --push -t shop/app:1.2.0 .": {"build", "publish"},
    # other languages' test runners and builds
    "nose2": {"test"}, "behave": {"test"}, "robot tests/": {"test"}, "php artisan test": {"test"},
    "composer test": {"test"}, "bin/rails test": {"test"}, "cucumber": {"test"}, "gotestsum": {"test"},
    "mix test": {"test"}, "mix release": {"build"}, "flutter test": {"test"}, "flutter build apk": {"build"},
    "swift build": {"build"}, "xcodebuild -scheme App test": {"test"}, "cabal test": {"test"},
    "npm pack": {"build"}, "hatch build": {"build"}, "pyinstaller app.spec": {"build"}, "gem build x.gemspec": {"build"},
    "mvn compile jib:build": {"build", "publish"}, "./gradlew jib": {"build"},
    # tools started by uvx / pipx run
    "uvx pytest -q": {"test"}, "pipx run tox -e py312": {"test"}, "uvx --from build pyproject-build": set(),
    # compose builds; files copied onto a server or a bucket that serves them; static hosts
    "docker compose -f compose.prod.yml build api": {"build"}, "docker-compose build": {"build"},
    "rsync -avz --delete dist/ deploy@shop.example:/var/www/shop": {"deploy"},
    "scp -P 2222 target/app.jar deploy@$HOST:~/app/": {"deploy"},
    "aws s3 cp build s3://shop-site --recursive": {"deploy"}, "gsutil -m rsync -r build gs://shop-site": {"deploy"},
    "az storage blob upload-batch -d '$web' -s build": {"deploy"}, "npx gh-pages -d build": {"deploy"},
    "surge ./dist shop.surge.sh": {"deploy"},
    "az functionapp deployment source config-zip -g rg -n fn --src app.zip": {"deploy"},
    # a message to a chat webhook tells people: it checks nothing
    'curl -sS -X POST --data "$payload" "$WEBHOOK_URL"': set(),
    "curl -X POST -d @msg.json https://hooks.slack.com/services/T0/B0/x": set(),
    "curl -X POST ${{ secrets.DISCORD_WEBHOOK }} -d '{}'": set(),
    # copying from a server, between local folders, or one file to a bucket deploys nothing
    "scp deploy@shop.example:/var/log/app.log .": set(), "rsync -a src/ backup/": set(),
    "aws s3 cp report.zip s3://shop-reports/": set(),
    # what runs nothing or builds nothing
    "next dev": set(), "ng serve": set(), "cypress open": set(), "hugo server": set(), "tsc --noEmit": set(),
    "cmake -S . -B build": set(),
}


@pytest.mark.parametrize("command,expected", FRAMEWORKS.items())
def test_framework_command_lines(command, expected):
    assert categories(command) == expected


@pytest.mark.parametrize("command,versioned", [
    ("docker build -t app:${{ github.sha }} .", True), ("docker build -t app:$CI_COMMIT_SHA .", True),
    ("docker build -t app:1.2.3 .", True), ("docker build -t app:latest .", False),
    ("docker build -t app .", False), ("docker build .", False), ("npm run build", True),
])
def test_versioned_builds(command, versioned):
    assert is_versioned_build(command) is versioned


MORE = {
    # plugins and tools that deploy the application itself
    "mvn -B package azure-webapp:deploy": {"test", "build", "deploy"},
    "mvn -B clean -DskipTests deploy -DmuleDeploy": {"build", "deploy"},  # tests skipped
    "mvn -B deploy": {"test", "build", "publish"},
    "mvn com.microsoft.azure:azure-webapp-maven-plugin:2.13.0:deploy": {"deploy"},
    "./gradlew appengineDeploy": {"deploy"},
    "docker stack deploy -c stack.yml shop": {"deploy"}, "docker stack up -c stack.yml shop": {"deploy"},
    "docker service update --image shop/web:2 shop_web": {"deploy"},
    "docker service rollback shop_web": {"rollback"}, "docker service update --rollback shop_web": {"rollback"},
    # a download is not a check; a deploy hook is a deploy, not a check
    "wget https://github.com/o/t/releases/download/v1/t_linux.tar.gz": set(),
    "curl -sSLo kind https://kind.sigs.k8s.io/dl/v0.20.0/kind-linux-amd64": set(),
    "curl -LO https://dl.k8s.io/release/v1.30.0/bin/linux/amd64/kubectl": set(),
    "curl -fsSL https://get.example.org/install.sh": set(),
    "curl -s -o /dev/null -w '%{http_code}' https://$APP_URL/health": {"verify"},
    "curl -fsS https://api.render.com/deploy/srv-$HOOK": {"deploy"},
}


@pytest.mark.parametrize("command,expected", MORE.items())
def test_more_categories(command, expected):
    assert categories(command) == expected


def test_commands_run_over_ssh_are_remote_and_judged_there():
    script = (
        'ssh -i key -o StrictHostKeyChecking=no ubuntu@$HOST "cd app && docker compose pull && docker compose up -d"\n'
        "sshpass -p \"$PASS\" ssh u@h 'pm2 restart all'\n"
        "ssh u@h <<'EOF'\n"
        "  cd /srv/app   # the app\n"
        "  git pull\n"
        "  echo docker compose up\n"
        "EOF\n"
        "docker compose up -d\n"
    )
    cmds = split_script(script, 10)
    remote = [(c.line, c.text) for c in cmds if c.remote]
    assert remote == [(10, "cd app"), (10, "docker compose pull"), (10, "docker compose up -d"),
                      (11, "pm2 restart all"), (13, "cd /srv/app"), (14, "git pull"), (15, "echo docker compose up")]
    assert [c.text for c in cmds if not c.remote][-1] == "docker compose up -d"  # after the heredoc, local again
    deploying = [c.text for c in cmds if c.remote and "deploy" in remote_categories(c.text)]
    assert deploying == ["docker compose up -d", "pm2 restart all", "git pull"]  # not the echo
    # locally, git pull and pm2 are not deploys
    assert categories("git pull") == set() and categories("pm2 restart all") == set()


@pytest.mark.parametrize("text,expected", [
    ("ssh host", None), ("ssh -p 2222 -i k me@h uptime", "uptime"), ("ssh -tt me@h 'a && b'", "a && b"),
    ("ssh me@h 'unclosed", None), ("scp a me@h:/b", None),
])
def test_remote_command(text, expected):
    assert remote_command(text) == expected


def test_nested_ssh_is_bounded():
    """ssh inside ssh inside ssh...: read two levels deep, no further, in linear time."""
    text = "x"
    for _ in range(7):  # each level of quoting multiplies the quotes: seven is already 100 kB
        text = "ssh h " + shlex.quote(text)
    cmds = split_script(text, 1)
    assert 1 <= len(cmds) <= 3


def test_split_script_keeps_braces_and_parentheses_that_belong_to_the_command():
    texts = lambda script: [c.text for c in split_script(script, 1)]  # noqa: E731
    assert texts("docker push app:${{ github.sha }}") == ["docker push app:${{ github.sha }}"]
    assert texts("kubectl set image deploy/web web=app:${env.GIT_COMMIT}") == \
        ["kubectl set image deploy/web web=app:${env.GIT_COMMIT}"]
    assert texts("echo $(date)") == ["echo $(date)"]
    assert texts("(cd app && make)") == ["cd app", "make"]  # a subshell's parentheses are not the command's
    assert texts("{ npm ci; npm test; }") == ["npm ci", "npm test"]
