#!/usr/bin/env bash
# TODO: helm upgrade --install logs grafana/loki-stack --namespace logging
echo "run: helm upgrade --install logs grafana/loki-stack --namespace logging"
