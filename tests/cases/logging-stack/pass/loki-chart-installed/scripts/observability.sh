#!/usr/bin/env bash
set -euo pipefail
helm repo add grafana https://grafana.github.io/helm-charts
helm upgrade --install logs grafana/loki-stack \
  --namespace logging --create-namespace \
  --values "$(dirname "$0")/loki-values.yaml" \
  --wait
