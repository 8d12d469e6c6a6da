// Command gentable writes tablegen's mixed CSV: go run
// ./internal/tablegen/gentable -rows 1000000 -out /tmp/mixed.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/nnfc/nnfc/internal/tablegen"
)

func main() {
	rows := flag.Int("rows", 1000000, "data rows")
	seed := flag.Uint64("seed", 1, "seed")
	out := flag.String("out", "mixed.csv", "output file")
	flag.Parse()
	f, err := os.Create(*out)
	if err == nil {
		err = tablegen.Write(f, *rows, *seed)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gentable:", err)
		os.Exit(1)
	}
}
