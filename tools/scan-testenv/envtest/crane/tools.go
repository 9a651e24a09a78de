//go:build tools

// Package tools pins crane, whose "registry serve" command is the in-memory OCI registry of the scan
// test harness. Nothing imports this package; it only keeps go mod tidy from dropping the requirement.
package tools

import (
	_ "github.com/google/go-containerregistry/cmd/crane"
)
