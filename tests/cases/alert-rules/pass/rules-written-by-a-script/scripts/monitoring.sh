#!/bin/sh
set -e
cat <<'RULES' > /etc/prometheus/alerts.yml
groups:
  - name: shop
    rules:
      - alert: ShopDown
        expr: up{job="shop"} == 0
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: The shop does not answer scrapes.
      - alert: ShopSlow
        expr: histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le)) > 0.5
        for: 10m
        labels:
          severity: warning
        annotations:
          summary: 95th percentile latency above 500 ms.
RULES
cat <<'SCRAPE' > /etc/prometheus/prometheus.yml
rule_files:
  - /etc/prometheus/alerts.yml
scrape_configs:
  - job_name: shop
    static_configs:
      - targets: ['shop:8000']
SCRAPE
systemctl reload prometheus
