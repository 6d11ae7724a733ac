#!/bin/bash
fail=0
for word in abc Hello x1; do
  got=$(printf '%s' "$word" | ./upper)
  want=$(printf '%s' "$word" | tr a-z A-Z)
  if [ "$got" != "$want" ]; then
    echo "FAIL: $word"
    fail=1
  fi
done
if [ $fail != 0 ]; then
  exit 1
fi
