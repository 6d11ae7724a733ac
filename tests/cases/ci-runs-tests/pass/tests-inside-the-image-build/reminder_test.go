package reminder

import "testing"

func TestDueAfterADay(t *testing.T) {
	if !Due(25) {
		t.Fatalf("a cart left 25 hours is due a reminder")
	}
}

func TestNotDueTooSoon(t *testing.T) {
	if Due(2) {
		t.Errorf("a cart left 2 hours is not due")
	}
}

func TestNotDueNegative(t *testing.T) {
	if Due(-1) {
		t.Error("negative ages are never due")
	}
}
