pytest -q || true
