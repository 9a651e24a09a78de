//go:build tools

// Package tools pins actionlint, which the release tests run over .github/workflows. Nothing imports this
// package; it only keeps go mod tidy from dropping the requirement.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
