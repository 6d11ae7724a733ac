#!/bin/sh
echo "kubectl apply -f k8s/"
echo "deployed!"
