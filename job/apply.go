package job

import (
	"context"
	"fmt"
	"strings"

	"voiceid/internal/httpx"
	"voiceid/match"
	"voiceid/salesforce"
	"voiceid/state"
)

// apply writes the plan. Each batch is marked "sending" in the audit trail
// before it goes out and its outcomes go in as soon as Salesforce answers, so
// a run killed half-way leaves a trail that never says less than Salesforce
// holds; when the trail cannot be written, nothing more is sent. Rejected
// records become write_failed conflicts.
func (r *run) apply(ctx context.Context, plan match.Plan, rows []state.Change, ids []int64) ([]match.Conflict, error) {
	log, db, sf := r.log, r.db, r.sf
	total, done := len(plan.Changes), 0
	var recordErr error
	mark := func(idx []int) {
		batchIDs, status, errs := make([]int64, len(idx)), make([]match.ChangeStatus, len(idx)), make([]string, len(idx))
		for k, i := range idx {
			batchIDs[k], status[k], errs[k] = ids[i], rows[i].Status, rows[i].Error
		}
		if err := db.SetChangeStatus(batchIDs, status, errs); err != nil && recordErr == nil {
			recordErr = fmt.Errorf("recording what Salesforce answered: %w", err)
		}
	}
	// a signal (ctx ending) stops the writing between batches; the batch in
	// flight still gets its answer, so that the trail says what Salesforce holds
	outcomes, err := sf.Apply(httpx.Draining(ctx), plan.Changes, salesforce.Hooks{
		Sending: func(idx []int) error { // a kill from here on leaves "sent, outcome unknown", not "planned"
			if ctx.Err() != nil {
				return fmt.Errorf("stopped before the next batch (%w); the batch in flight was answered and recorded", context.Cause(ctx))
			}
			if recordErr == nil {
				batchIDs := make([]int64, len(idx))
				for k, i := range idx {
					batchIDs[k] = ids[i]
				}
				if err := db.MarkSending(batchIDs); err != nil {
					recordErr = fmt.Errorf("marking a batch as sending: %w", err)
				}
			}
			if recordErr != nil {
				return fmt.Errorf("%w; the next batch was not sent and writing stopped: %s", recordErr, trailHolds)
			}
			for _, i := range idx {
				rows[i].Status = match.ChangeSending
			}
			return nil
		},
		Settled: func(settled []int, out []salesforce.Outcome) {
			for _, i := range settled {
				rows[i].Status, rows[i].Error = match.ChangeFailed, ""
				if out[i].Applied {
					rows[i].Status = match.ChangeApplied
				} else {
					rows[i].Error = out[i].Code + ": " + out[i].Message
				}
			}
			mark(settled)
			done += len(settled)
			r.progress(done, total)
		}})
	r.progressDone()
	if err == nil && recordErr != nil {
		err = fmt.Errorf("%w: %s", recordErr, trailHolds)
	}
	conflicts := append([]match.Conflict(nil), plan.Conflicts...)
	for i, o := range outcomes {
		if o.Applied || o.Code == "" {
			continue
		}
		c := plan.Changes[i]
		conflicts = append(conflicts, match.Conflict{Kind: match.WriteFailed, Provider: c.Provider, Value: c.New,
			PersonIDs: nonEmpty(c.New), UserIDs: []string{c.UserID},
			Detail: fmt.Sprintf("Salesforce rejected %s = %q for %s: %s; tried again next run", rows[i].Field, c.New, c.Username, rows[i].Error)})
	}
	if err != nil {
		log.Error("writing stopped", "written", done, "of", total, "error", err)
	}
	return conflicts, err
}

// trailHolds says what Salesforce holds when the audit trail could not be written.
const trailHolds = "Salesforce holds, of this run's changes, those its audit trail lists as applied or sending and no others; make room for the state file or repair it, then run again"

// progress shows how far writing is: a bar on a terminal, log lines otherwise.
func (r *run) progress(done, total int) {
	if r.Progress != nil {
		const width = 30
		fill := width * done / max(total, 1)
		fmt.Fprintf(r.Progress, "\rwriting to Salesforce [%s%s] %d/%d", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total)
		return
	}
	r.log.Info("writing to Salesforce", "settled", done, "of", total)
}

func (r *run) progressDone() {
	if r.Progress != nil {
		fmt.Fprintln(r.Progress)
	}
}

func nonEmpty(v string) []string {
	if v == "" {
		return []string{}
	}
	return []string{v}
}
