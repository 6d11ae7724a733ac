#!/usr/bin/env bash
# Usage: smoke.sh <env> [--dry-run]
# Creates a fake cart that is 25h old, triggers one job run and checks that exactly one email was queued.
set -euo pipefail
ENV="$1"; shift || true
BASE="https://cart-reminder.${ENV}.shopnow.internal"
curl -fsS -X POST "$BASE/internal/test-cart?age_hours=25" "$@" > /tmp/cart.json
CART_ID=$(python3 -c 'import json;print(json.load(open("/tmp/cart.json"))["cart_id"])')
curl -fsS -X POST "$BASE/internal/run-once"
STATUS=$(curl -fsS "$BASE/internal/carts/$CART_ID/reminder")
echo "$STATUS" | grep -q '"queued": true' || { echo "no reminder queued for $CART_ID"; exit 1; }
echo "smoke ok for $ENV"
