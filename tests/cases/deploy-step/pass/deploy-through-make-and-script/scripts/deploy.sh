#!/usr/bin/env bash
set -euo pipefail
kubectl config use-context "$1"
kubectl apply -f k8s/
