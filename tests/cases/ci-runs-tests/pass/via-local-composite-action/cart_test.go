package shop

import "testing"

func TestTotal(t *testing.T) {
	if Total([]int{2, 3}) != 5 {
		t.Errorf("want 5")
	}
}

func TestEmpty(t *testing.T) {
	if Total(nil) != 0 {
		t.Fatal("want 0")
	}
}

func TestOne(t *testing.T) {
	if Total([]int{1}) != 1 {
		t.Error("want 1")
	}
}
