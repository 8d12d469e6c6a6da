// Command gendata writes the binary fixtures of package data into a
// directory (testdata/data). Run it through go generate in pkg/data. The
// values follow closed formulas so that tests can check them:
//
//	IDX pixel (image i, row r, col c) = (37i + 7r + 3c) mod 256, images 4x3
//	IDX labels = 5 0 4 1 9 (the first five MNIST training labels)
//	CIFAR pixel (record i, plane p, position k) = (50i + 80p + k) mod 256
//	CIFAR labels = 6 9 9 (the first three CIFAR-10 training labels)
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"log"
	"os"
	"path/filepath"
)

var (
	idxLabels   = []byte{5, 0, 4, 1, 9}
	cifarLabels = []byte{6, 9, 9}
)

const idxRows, idxCols = 4, 3

func idxImages(n int) []byte {
	var b bytes.Buffer
	for _, v := range []uint32{0x803, uint32(n), idxRows, idxCols} {
		binary.Write(&b, binary.BigEndian, v)
	}
	for i := range n {
		for r := range idxRows {
			for c := range idxCols {
				b.WriteByte(byte((37*i + 7*r + 3*c) % 256))
			}
		}
	}
	return b.Bytes()
}

func idxLabelFile(labels []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(0x801))
	binary.Write(&b, binary.BigEndian, uint32(len(labels)))
	b.Write(labels)
	return b.Bytes()
}

func gz(p []byte) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if _, err := w.Write(p); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

func cifar(labels []byte) []byte {
	var b bytes.Buffer
	for i, l := range labels {
		b.WriteByte(l)
		for p := range 3 {
			for k := range 1024 {
				b.WriteByte(byte((50*i + 80*p + k) % 256))
			}
		}
	}
	return b.Bytes()
}

func main() {
	out := flag.String("out", "testdata/data", "output directory")
	flag.Parse()
	imgs := idxImages(len(idxLabels))
	badMagic := bytes.Clone(imgs)
	badMagic[2] = 0x0d // float type code instead of unsigned byte
	bigClaim := bytes.Clone(imgs[:16+12])
	binary.BigEndian.PutUint32(bigClaim[4:], 60000)
	binary.BigEndian.PutUint32(bigClaim[8:], 28)
	binary.BigEndian.PutUint32(bigClaim[12:], 28)
	files := map[string][]byte{
		"tiny-images-idx3-ubyte":         imgs,
		"tiny-labels-idx1-ubyte":         idxLabelFile(idxLabels),
		"tiny-images-idx3-ubyte.gz":      gz(imgs),
		"tiny-labels-idx1-ubyte.gz":      gz(idxLabelFile(idxLabels)),
		"truncated-images-idx3-ubyte":    imgs[:16+2*idxRows*idxCols+5],
		"truncated-images-idx3-ubyte.gz": gz(imgs[:16+2*idxRows*idxCols+5]),
		"bigclaim-images-idx3-ubyte.gz":  gz(bigClaim),
		"badmagic-images-idx3-ubyte":     badMagic,
		"badlabel-labels-idx1-ubyte":     idxLabelFile([]byte{5, 0, 12, 1, 9}),
		"tiny-cifar.bin":                 cifar(cifarLabels),
		"truncated-cifar.bin":            cifar(cifarLabels)[:2*3073+100],
		"badlabel-cifar.bin":             cifar([]byte{6, 11, 9}),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
