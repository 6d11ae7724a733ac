#!/bin/sh
npm run build
gh release create v1.0.0
