package reminders

import "testing"

func TestDue(t *testing.T) {
	if !Due(25) {
		t.Fatal("a cart abandoned 25 hours ago is due a reminder")
	}
}
