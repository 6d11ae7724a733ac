#!/bin/sh
if ./slug --bogus 2>/dev/null; then exit 1; fi
