#!/bin/sh
cd /srv/web && npm ci --omit=dev
