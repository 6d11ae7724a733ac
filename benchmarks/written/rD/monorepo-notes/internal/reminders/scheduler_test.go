package reminders

import (
	"context"
	"testing"
	"time"
)

var cutoff = time.Date(2024, 5, 10, 23, 59, 0, 0, time.UTC)

func TestDueWindow(t *testing.T) {
	s := Subscription{ID: "s1", Email: "a@example.com", NextCutoff: cutoff}
	cases := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"too early", cutoff.Add(-73 * time.Hour), false},
		{"window opens", cutoff.Add(-72 * time.Hour), true},
		{"middle", cutoff.Add(-30 * time.Hour), true},
		{"too late", cutoff.Add(-30 * time.Minute), false},
	}
	for _, c := range cases {
		if got := Due(s, c.now); got != c.want {
			t.Errorf("%s: Due = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestNotDueWhenPausedOptedOutOrAlreadyReminded(t *testing.T) {
	now := cutoff.Add(-48 * time.Hour)
	for name, s := range map[string]Subscription{
		"paused":    {Email: "a@x", NextCutoff: cutoff, Paused: true},
		"opted out": {Email: "a@x", NextCutoff: cutoff, OptedOut: true},
		"reminded":  {Email: "a@x", NextCutoff: cutoff, LastRemindFor: cutoff},
		"no email":  {NextCutoff: cutoff},
	} {
		if Due(s, now) {
			t.Errorf("%s: expected not due", name)
		}
	}
}

type fakeStore struct {
	subs     []Subscription
	enqueued []string
}

func (f *fakeStore) UpcomingCutoffs(context.Context, time.Time) ([]Subscription, error) {
	return f.subs, nil
}
func (f *fakeStore) EnqueueReminder(_ context.Context, id string, _ time.Time) error {
	f.enqueued = append(f.enqueued, id)
	return nil
}

func TestRunEnqueuesOnlyDue(t *testing.T) {
	st := &fakeStore{subs: []Subscription{
		{ID: "due", Email: "a@x", NextCutoff: cutoff},
		{ID: "paused", Email: "b@x", NextCutoff: cutoff, Paused: true},
		{ID: "done", Email: "c@x", NextCutoff: cutoff, LastRemindFor: cutoff},
	}}
	n, err := Run(context.Background(), st, cutoff.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(st.enqueued) != 1 || st.enqueued[0] != "due" {
		t.Fatalf("enqueued %v (n=%d), want [due]", st.enqueued, n)
	}
}
