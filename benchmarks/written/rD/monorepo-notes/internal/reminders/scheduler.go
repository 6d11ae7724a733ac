// Package reminders sends the "your box ships in 3 days" renewal reminder.
package reminders

import (
	"context"
	"time"
)

// LeadTime is how long before the delivery cut-off the reminder goes out.
const LeadTime = 72 * time.Hour

// Subscription is the part of a subscription the scheduler needs.
type Subscription struct {
	ID            string
	Email         string
	NextCutoff    time.Time // after this the box can no longer be changed
	Paused        bool
	OptedOut      bool      // customer turned reminders off
	LastRemindFor time.Time // cut-off we already reminded for (zero if never)
}

// Due reports whether s should get a reminder at time now. A subscription is
// reminded once per cut-off, only inside the window [cutoff-72h, cutoff-1h].
func Due(s Subscription, now time.Time) bool {
	if s.Paused || s.OptedOut || s.Email == "" {
		return false
	}
	if s.LastRemindFor.Equal(s.NextCutoff) {
		return false
	}
	start := s.NextCutoff.Add(-LeadTime)
	end := s.NextCutoff.Add(-time.Hour)
	return !now.Before(start) && now.Before(end)
}

// Store is what the scheduler needs from the database.
type Store interface {
	UpcomingCutoffs(ctx context.Context, before time.Time) ([]Subscription, error)
	EnqueueReminder(ctx context.Context, subID string, cutoff time.Time) error
}

// Run selects due subscriptions and enqueues one reminder job each. It
// returns how many were enqueued.
func Run(ctx context.Context, st Store, now time.Time) (int, error) {
	subs, err := st.UpcomingCutoffs(ctx, now.Add(LeadTime))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range subs {
		if !Due(s, now) {
			continue
		}
		if err := st.EnqueueReminder(ctx, s.ID, s.NextCutoff); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
