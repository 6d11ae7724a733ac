#!/bin/sh
set -e
./slug < tests/in.txt | diff -u tests/out.txt -
