#!/bin/sh
pwd
mkdir -p test_data
ls
