package job

import (
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"voiceid/match"
	"voiceid/report"
)

// WriteMetrics writes the run's figures for node_exporter's textfile
// collector, atomically (client_golang writes a temporary file and renames
// it). Every series carries the run's lane; the fast lane writes beside the
// configured file (MetricsFile), so that its runs every few minutes never
// hide the complete run's figures.
func WriteMetrics(path string, rep *report.Report) error {
	lane := rep.Run.Lane
	if lane == "" {
		lane = "complete"
	}
	root := prometheus.NewRegistry()
	reg := prometheus.WrapRegistererWith(prometheus.Labels{"lane": lane}, root)
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "voiceid", Name: name, Help: help}, labels)
		reg.MustRegister(g)
		return g
	}
	gauge("last_run_timestamp_seconds", "When the last run finished (UNIX time).").WithLabelValues().Set(float64(rep.Run.FinishedAt.Unix()))
	gauge("last_run_duration_seconds", "How long the last run took.").WithLabelValues().Set(rep.Run.FinishedAt.Sub(rep.Run.StartedAt).Seconds())
	status := gauge("last_run_status", "1 for the last run's status, 0 for the others.", "status", "mode")
	for _, s := range []match.RunStatus{match.RunOK, match.RunPartial, match.RunAborted, match.RunFailed} {
		v := 0.0
		if s == rep.Run.Status {
			v = 1
		}
		status.WithLabelValues(string(s), rep.Run.Mode).Set(v)
	}
	counts := gauge("last_run_fields", "Identifier fields the last run planned, applied and failed to write.", "state")
	counts.WithLabelValues(string(match.ChangePlanned)).Set(float64(rep.Counts.Changes))
	counts.WithLabelValues(string(match.ChangeApplied)).Set(float64(rep.Counts.Applied))
	counts.WithLabelValues(string(match.ChangeFailed)).Set(float64(rep.Counts.Failed))
	linked := gauge("linked_users", "Salesforce users linked to a person, by provider.", "provider")
	for p, n := range rep.Counts.Linked {
		linked.WithLabelValues(p).Set(float64(n))
	}
	conflicts := gauge("conflicts", "Conflicts the last run found, by kind.", "kind")
	for _, k := range match.Kinds {
		conflicts.WithLabelValues(string(k)).Set(0)
	}
	for _, c := range rep.Conflicts {
		conflicts.WithLabelValues(c.Kind).Add(1)
	}
	calls := gauge("api_calls", "HTTP requests the last run made, by service.", "service")
	for svc, n := range rep.APICalls {
		calls.WithLabelValues(svc).Set(float64(n))
	}
	return prometheus.WriteToTextfile(MetricsFile(path, lane), root)
}

// MetricsFile is where a lane's metrics go: the configured file for the
// complete run, the same name with "-new" before its extension for the fast
// lane (the textfile collector reads every .prom file of the directory).
func MetricsFile(path, lane string) string {
	if lane != "new" {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-new" + ext
}
