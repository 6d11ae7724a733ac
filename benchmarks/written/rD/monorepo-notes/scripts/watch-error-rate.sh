#!/usr/bin/env bash
# Poll Prometheus once a minute; fail if the api 5xx ratio goes over the limit.
set -euo pipefail
MIN=10; MAX=0.01
while [[ $# -gt 0 ]]; do case $1 in --minutes) MIN=$2; shift 2;; --max-5xx-ratio) MAX=$2; shift 2;; *) shift;; esac; done
Q='sum(rate(http_requests_total{app="api",code=~"5.."}[2m])) / sum(rate(http_requests_total{app="api"}[2m]))'
for i in $(seq "$MIN"); do
  r=$(curl -fsS --get "$PROM_URL/api/v1/query" --data-urlencode "query=$Q" | jq -r '.data.result[0].value[1] // "0"')
  echo "minute $i: 5xx ratio $r"
  awk -v r="$r" -v m="$MAX" 'BEGIN{exit !(r>m)}' && { echo "error ratio too high"; exit 1; }
  sleep 60
done
