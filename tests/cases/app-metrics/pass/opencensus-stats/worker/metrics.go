package worker

import (
	"go.opencensus.io/stats"
	"go.opencensus.io/stats/view"
)

var Processed = stats.Int64("jobs_processed", "Jobs processed", stats.UnitDimensionless)

func Register() error {
	return view.Register(&view.View{Name: "jobs_processed", Measure: Processed, Aggregation: view.Count()})
}
