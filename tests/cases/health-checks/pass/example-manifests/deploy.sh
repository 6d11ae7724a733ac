#!/bin/sh
set -e
envsubst < k8s/deployment.yaml.example | kubectl apply -f -
