#!/bin/sh
./slug < tests/input.txt > out.txt
diff tests/expected.txt out.txt
echo done
