#!/usr/bin/env bash
# Smoke test after deploy: health, version, and the reminders dry-run endpoint.
set -euo pipefail
BASE="$1"
curl -fsS "$BASE/healthz" > /dev/null
curl -fsS "$BASE/version" | grep -q "${GITHUB_SHA:0:7}\|${GITHUB_REF_NAME:-none}"
# dry run: how many reminders would be sent for the smoke-test subscription (must be exactly 1)
n=$(curl -fsS -H "Authorization: Bearer $SMOKE_TOKEN" "$BASE/internal/reminders/dry-run?subscription=smoke-test" | jq '.count')
test "$n" -eq 1
echo "smoke ok"
