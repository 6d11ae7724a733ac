#!/bin/sh
set -e
for i in 1 2 3 4 5; do
  curl -fsS http://localhost:8080/health && exit 0
  sleep 5
done
exit 1
