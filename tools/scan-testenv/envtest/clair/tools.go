//go:build tools

// Package tools pins Clair v4's server and CLI for the scan test harness. Nothing imports this package; it
// only keeps go mod tidy from dropping the requirement. (Installing the commands with
// "go install …@v4.9.0" fails on the module proxy, a wrapper module like this one builds them.)
package tools

import (
	_ "github.com/quay/clair/v4/cmd/clair"
	_ "github.com/quay/clair/v4/cmd/clairctl"
)
