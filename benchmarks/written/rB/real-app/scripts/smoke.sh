#!/usr/bin/env bash
# Smoke test after a deploy. Usage: scripts/smoke.sh https://cart-reminder.staging.shopnow.internal
set -euo pipefail
BASE="${1:?base url}"

echo "healthz..."
curl -fsS --retry 5 --retry-delay 3 "$BASE/healthz" | grep -q '"ok"'

echo "readyz..."
curl -fsS --retry 5 --retry-delay 3 "$BASE/readyz" | grep -q '"ready"'

echo "metrics..."
curl -fsS "$BASE/metrics" | grep -q 'cart_reminders_sent_total'

echo "smoke OK"
