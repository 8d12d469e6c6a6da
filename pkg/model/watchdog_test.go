package model_test

import (
	"fmt"
	"os"
	"time"
)

// watchdog crashes the fuzz worker when a call runs longer than d: Go's
// fuzzing has no per-input timeout, so a hang would stall the search
// without a report. The crash makes the engine save the input.
func watchdog(d time.Duration, input []byte) (stop func()) {
	t := time.AfterFunc(d, func() {
		fmt.Fprintf(os.Stderr, "hang: input %q\n", input)
		panic(fmt.Sprintf("call still running after %v", d))
	})
	return func() { t.Stop() }
}
