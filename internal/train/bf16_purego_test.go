//go:build !cgo || purego

package train

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestBFloat16NeedsOneDNN: the pure-Go build has no bfloat16 mode; the
// run is refused before anything is written, naming the backend it needs.
func TestBFloat16NeedsOneDNN(t *testing.T) {
	c := loadConfig(t, "precision: bfloat16\n"+smallSpiral+"model: {hidden: [8]}\ntrain: {epochs: 1, batch_size: 16}\n")
	_, err := Start(context.Background(), c, Options{})
	if err == nil || !strings.Contains(err.Error(), "precision bfloat16") || !strings.Contains(err.Error(), "onednn") {
		t.Fatalf("got %v, want an error naming precision bfloat16 and onednn", err)
	}
	if _, err := os.Stat(c.Train.OutDir); !os.IsNotExist(err) {
		t.Errorf("the refused run left %s behind (%v)", c.Train.OutDir, err)
	}
}
