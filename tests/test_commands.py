"""Shell commands: what runs (comments, echo, continuations, heredocs) and what it does."""

from __future__ import annotations

import pytest

from grader.evidence.commands import categories, is_versioned_build, split_script

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


@pytest.mark.parametrize("command,versioned", [
    ("docker build -t app:${{ github.sha }} .", True), ("docker build -t app:$CI_COMMIT_SHA .", True),
    ("docker build -t app:1.2.3 .", True), ("docker build -t app:latest .", False),
    ("docker build -t app .", False), ("docker build .", False), ("npm run build", True),
])
def test_versioned_builds(command, versioned):
    assert is_versioned_build(command) is versioned
