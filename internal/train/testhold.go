package train

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// holdFile is the FIFO a test puts into a run directory to hold the run
// after an epoch (NNFC_TEST_HOLD=EPOCH): the tests of nnfc sweep stop a
// trial part-way at a known epoch instead of racing it.
const holdFile = ".test-hold"

// testHold, when NNFC_TEST_HOLD names the epoch just finished and the run
// directory holds the FIFO .test-hold, opens it and waits until its writer
// closes it or ctx is cancelled (a signal: the run then checkpoints).
func testHold(ctx context.Context, dir string, epoch int) {
	if n, err := strconv.Atoi(os.Getenv("NNFC_TEST_HOLD")); err != nil || n != epoch {
		return
	}
	p := filepath.Join(dir, holdFile)
	if st, err := os.Stat(p); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if f, err := os.Open(p); err == nil {
			_, _ = io.Copy(io.Discard, f)
			f.Close()
		}
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
