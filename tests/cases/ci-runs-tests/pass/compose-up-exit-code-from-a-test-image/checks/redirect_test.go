package checks

import (
	"net/http"
	"testing"
)

func TestRootAnswers(t *testing.T) {
	resp, err := http.Get("http://shortener:8080/healthz")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestUnknownCodeIsNotFound(t *testing.T) {
	resp, err := http.Get("http://shortener:8080/zzzz")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
