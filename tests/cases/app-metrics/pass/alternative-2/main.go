package main

import "github.com/prometheus/client_golang/prometheus/promhttp"
