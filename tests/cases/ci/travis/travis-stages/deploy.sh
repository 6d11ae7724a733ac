#!/bin/sh
helm upgrade --install cart ./chart --atomic
