#!/bin/sh
set -e
minikube start --driver=docker
helm upgrade --install shop ./chart --wait
