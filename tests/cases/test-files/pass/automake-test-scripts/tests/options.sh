#!/bin/sh
out=$(./slug --upper hello)
[ "$out" = "HELLO" ] || exit 1
