package model_test

import (
	"fmt"
	"os"
	"time"
)

// watchdog prints the input of a call still running after d. It never
// fails a test by itself (a slow machine is not a finding): Go's fuzzing
// has no per-input timeout, so a real hang fails at go test's -timeout,
// and this line says which input it was.
func watchdog(d time.Duration, input []byte) (stop func()) {
	t := time.AfterFunc(d, func() {
		fmt.Fprintf(os.Stderr, "still running after %v (a hang fails at go test's -timeout): input %q\n", d, input)
	})
	return func() { t.Stop() }
}
