#!/bin/sh
echo "curl -o hosts.json https://grafana.com/api/dashboards/1860/revisions/37/download"
