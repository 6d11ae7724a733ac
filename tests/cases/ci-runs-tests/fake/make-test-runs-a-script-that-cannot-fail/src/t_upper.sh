#!/bin/bash
for word in abc Hello; do
  printf '%s' "$word" | ./upper
done
echo done
