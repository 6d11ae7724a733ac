package cart

import "testing"

func TestTotal(t *testing.T) {
	if Total([]int{2, 3}) != 5 {
		t.Fatal("want 5")
	}
}
