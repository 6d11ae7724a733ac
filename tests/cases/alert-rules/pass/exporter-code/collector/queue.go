package collector

import "github.com/prometheus/client_golang/prometheus"

const namespace = "shopq"

var pending = prometheus.NewDesc(
	prometheus.BuildFQName(namespace, "queue", "pending_jobs"),
	"Jobs waiting in the queue.", []string{"queue"}, nil,
)

var failed = prometheus.NewCounter(prometheus.CounterOpts{
	Namespace: namespace, Subsystem: "queue", Name: "failed_jobs_total", Help: "Jobs that failed.",
})
