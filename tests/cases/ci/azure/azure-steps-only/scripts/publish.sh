#!/bin/sh
mvn -B deploy
