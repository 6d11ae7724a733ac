#!/bin/sh
set -e
kubectl apply -f deploy/
kubectl rollout status deployment/shop
