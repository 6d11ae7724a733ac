package main

import (
	"github.com/open-feature/go-sdk/openfeature"
)
