#!/usr/bin/env bash
set -euo pipefail
source ./scripts/env.sh
kubectl apply -f k8s/
./scripts/deploy.sh
