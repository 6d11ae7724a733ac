#!/usr/bin/env bash
set -e
helm rollback cart
