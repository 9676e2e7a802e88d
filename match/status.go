package match

// ChangeStatus is where one planned change stands in the audit trail; the
// state file, the job and the reports share these values.
type ChangeStatus string

const (
	ChangePlanned ChangeStatus = "planned" // recorded, not sent (every change of a dry run)
	ChangeSkipped ChangeStatus = "skipped" // the run stopped before writing (safety threshold, API reserve)
	ChangeSending ChangeStatus = "sending" // sent, outcome unknown: what a killed run leaves
	ChangeApplied ChangeStatus = "applied"
	ChangeFailed  ChangeStatus = "failed"
)

// RunStatus is how a run ended, or RunRunning while it lasts.
type RunStatus string

const (
	RunRunning RunStatus = "running"
	RunOK      RunStatus = "ok"
	RunPartial RunStatus = "partial" // finished, some records failed to write
	RunAborted RunStatus = "aborted" // stopped by the safety threshold before any write
	RunFailed  RunStatus = "failed"
)
