// Package tablegen writes a synthetic mixed-type CSV for benchmarking the
// table reader (pkg/data.ReadTable and Schema.Encode) against pandas on
// the same file: 20 columns, of which 12 numeric (two with 1% NA cells),
// 6 categorical (3 to 50 values, one with quoted values holding commas,
// one with 1% blank cells), 1 binary and the string target "label" (4
// classes). The rows are a pure function of the seed.
package tablegen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Cardinalities of the categorical columns c1..c6.
var Cardinalities = []int{3, 5, 8, 12, 20, 50}

// Write writes the header and rows data rows to w.
func Write(w io.Writer, rows int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	rng := rand.New(rand.NewPCG(seed, 0x7ab1e))
	for j := range 12 {
		fmt.Fprintf(bw, "x%d,", j+1)
	}
	for j := range Cardinalities {
		fmt.Fprintf(bw, "c%d,", j+1)
	}
	bw.WriteString("flag,label\n")
	buf := make([]byte, 0, 32)
	for range rows {
		for j := range 12 {
			if j >= 10 && rng.IntN(100) == 0 {
				bw.WriteString("NA,")
				continue
			}
			v := rng.NormFloat64()*float64(j+1) + float64(10*j)
			buf = strconv.AppendFloat(buf[:0], v, 'f', 3+j%3, 64)
			bw.Write(buf)
			bw.WriteByte(',')
		}
		for j, k := range Cardinalities {
			v := rng.IntN(k)
			switch {
			case j == 5 && rng.IntN(100) == 0:
			case j == 2:
				fmt.Fprintf(bw, "\"city %d, region %d\"", v, v%3)
			default:
				bw.WriteString("v")
				bw.WriteString(strconv.Itoa(v))
			}
			bw.WriteByte(',')
		}
		bw.WriteString([]string{"no", "yes"}[rng.IntN(2)])
		bw.WriteByte(',')
		bw.WriteString([]string{"alpha", "beta", "gamma", "delta"}[rng.IntN(4)])
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
