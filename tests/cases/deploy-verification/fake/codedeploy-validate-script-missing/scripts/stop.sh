#!/bin/sh
systemctl stop web || true
