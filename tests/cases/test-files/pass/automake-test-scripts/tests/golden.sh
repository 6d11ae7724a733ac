#!/bin/sh
set -e
./slug < tests/input.txt > out.txt
diff -u tests/expected.txt out.txt
