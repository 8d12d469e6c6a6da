package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/nnfc/nnfc/pkg/limits"
)

// maxClaim bounds any size computed from a file header so that products of
// header fields cannot overflow.
const maxClaim = 1 << 50

// mulClaim multiplies sizes taken from a header, reporting false when the
// product exceeds maxClaim.
func mulClaim(dims ...int64) (int64, bool) {
	p := int64(1)
	for _, d := range dims {
		if d < 0 || (d != 0 && p > maxClaim/d) {
			return 0, false
		}
		p *= d
	}
	return p, true
}

// source is an opened input file, transparently gunzipped when it starts
// with the gzip magic bytes 1f 8b.
type source struct {
	path    string
	f       *os.File
	r       io.Reader
	gz      *gzip.Reader
	size    int64 // size of the file on disk; the data size when !gzipped
	gzipped bool
}

func openSource(path string) (*source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory, expected a file", path)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	s := &source{path: path, f: f, r: br, size: st.Size()}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: bad gzip header: %v", path, err)
		}
		s.r, s.gz, s.gzipped = gz, gz, true
	}
	return s, nil
}

func (s *source) Close() error { return s.f.Close() }

// readPayload reads exactly claimed bytes that follow a header of hdr bytes.
// For a plain file the size is checked against the file size before any
// allocation. For a gzip stream, whose size is unknown up front, it reads
// through io.LimitReader(claimed+1) into a growing buffer, so memory is
// bounded by the data actually present, and compares afterwards. what
// describes the claim for the error message.
func (s *source) readPayload(hdr, claimed int64, what string) ([]byte, error) {
	if !s.gzipped {
		if have := s.size - hdr; have != claimed {
			return nil, fmt.Errorf("%s: header claims %s (%d bytes after the %d-byte header) but the file holds %d",
				s.path, what, claimed, hdr, have)
		}
		buf := make([]byte, claimed)
		if _, err := io.ReadFull(s.r, buf); err != nil {
			return nil, fmt.Errorf("%s: reading %d bytes at offset %d: %v", s.path, claimed, hdr, err)
		}
		return buf, nil
	}
	buf, err := io.ReadAll(io.LimitReader(s.r, claimed+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("%s: decompressing at offset %d: %v", s.path, hdr+int64(len(buf)), err)
	}
	switch {
	case int64(len(buf)) > claimed:
		return nil, fmt.Errorf("%s: header claims %s (%d bytes after the %d-byte header) but the decompressed file holds more",
			s.path, what, claimed, hdr)
	case int64(len(buf)) < claimed || err != nil:
		return nil, fmt.Errorf("%s: header claims %s (%d bytes after the %d-byte header) but the decompressed file holds %d",
			s.path, what, claimed, hdr, len(buf))
	}
	return buf, nil
}

// IDX magic numbers: two zero bytes, type 0x08 (unsigned byte), and the
// number of dimensions.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// readIDX reads an IDX file of unsigned bytes with ndims dimensions and
// returns the dimensions and the payload.
func readIDX(path string, ndims int) (dims []int64, payload []byte, err error) {
	s, dims, claimed, what, err := openIDX(path, ndims)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	if s.gzipped {
		// A plain file's claim is checked against its size; a gzip
		// stream is read into a buffer that grows up to the claim.
		if err := limits.Check(fmt.Sprintf("%s: the header's claim of %s", path, what), float64(claimed)); err != nil {
			return nil, nil, err
		}
	}
	payload, err = s.readPayload(int64(4+4*ndims), claimed, what)
	return dims, payload, err
}

// openIDX opens an IDX file of unsigned bytes with ndims dimensions and
// reads its header. It returns the source positioned at the payload, the
// dimensions, the payload size they claim and a description of the claim
// for error messages. The caller closes the source.
func openIDX(path string, ndims int) (s *source, dims []int64, claimed int64, what string, err error) {
	src, err := openSource(path)
	if err != nil {
		return nil, nil, 0, "", err
	}
	defer func() {
		if err != nil {
			src.Close()
		}
	}()
	s = src
	hdrLen := 4 + 4*ndims
	hdr := make([]byte, hdrLen)
	if n, err := io.ReadFull(s.r, hdr[:4]); err != nil {
		if n == 0 {
			return nil, nil, 0, "", fmt.Errorf("%s: empty file, expected a %d-byte IDX header", path, hdrLen)
		}
		return nil, nil, 0, "", fmt.Errorf("%s: file ends at byte %d inside the %d-byte IDX header", path, n, hdrLen)
	}
	want := uint32(0x0800 | ndims)
	if magic := binary.BigEndian.Uint32(hdr); magic != want {
		kind := "images"
		if ndims == 1 {
			kind = "labels"
		}
		return nil, nil, 0, "", fmt.Errorf("%s: bad magic 0x%08x at offset 0, expected 0x%08x (IDX %s: unsigned bytes, %d dimensions)",
			path, magic, want, kind, ndims)
	}
	if n, err := io.ReadFull(s.r, hdr[4:]); err != nil {
		return nil, nil, 0, "", fmt.Errorf("%s: file ends at byte %d inside the %d-byte IDX header", path, 4+n, hdrLen)
	}
	dims = make([]int64, ndims)
	for i := range dims {
		dims[i] = int64(binary.BigEndian.Uint32(hdr[4+4*i:]))
	}
	claimed, ok := mulClaim(dims...)
	if !ok {
		return nil, nil, 0, "", fmt.Errorf("%s: header dimensions %v are implausibly large", path, dims)
	}
	what = fmt.Sprintf("%d labels", dims[0])
	if ndims == 3 {
		what = fmt.Sprintf("%d images of %dx%d", dims[0], dims[1], dims[2])
	}
	return s, dims, claimed, what, nil
}

// maxDeflateRatio bounds how much DEFLATE can expand its input (about
// 1032:1); a gzip file claiming more than that cannot hold its claim.
const maxDeflateRatio = 1032

// readIDXPixels reads the payload of an opened IDX image file straight
// into float32 pixels, 64 KiB at a time, so the bytes of the file are never
// held in memory next to the floats. The size checks and their errors are
// readPayload's. A gzip claim larger than the compressed file could
// possibly expand to goes through readPayload, which bounds memory by the
// data actually present.
func readIDXPixels(s *source, hdr, claimed int64, what string) ([]float32, error) {
	if s.gzipped && claimed > maxDeflateRatio*s.size+(1<<16) {
		return nil, fmt.Errorf("%s: header claims %s (%d bytes after the %d-byte header) but %d gzipped bytes decompress to at most %d",
			s.path, what, claimed, hdr, s.size, maxDeflateRatio*s.size+(1<<16))
	}
	if !s.gzipped {
		if have := s.size - hdr; have != claimed {
			return nil, fmt.Errorf("%s: header claims %s (%d bytes after the %d-byte header) but the file holds %d",
				s.path, what, claimed, hdr, have)
		}
	}
	if err := limits.Check(fmt.Sprintf("%s: the header's claim of %s", s.path, what), 4*float64(claimed)); err != nil {
		return nil, err
	}
	x := make([]float32, claimed)
	buf := make([]byte, 1<<16)
	r := io.LimitReader(s.r, claimed+1)
	var off int64
	for {
		n, err := r.Read(buf)
		if off+int64(n) > claimed {
			return nil, fmt.Errorf("%s: header claims %s (%d bytes after the %d-byte header) but the decompressed file holds more",
				s.path, what, claimed, hdr)
		}
		for i, p := range buf[:n] {
			x[off+int64(i)] = float32(p)
		}
		off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			if !s.gzipped {
				return nil, fmt.Errorf("%s: reading %d bytes at offset %d: %v", s.path, claimed, hdr, err)
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%s: decompressing at offset %d: %v", s.path, hdr+off, err)
			}
			break
		}
	}
	if off < claimed {
		if !s.gzipped {
			return nil, fmt.Errorf("%s: reading %d bytes at offset %d: %v", s.path, claimed, hdr, io.ErrUnexpectedEOF)
		}
		return nil, fmt.Errorf("%s: header claims %s (%d bytes after the %d-byte header) but the decompressed file holds %d",
			s.path, what, claimed, hdr, off)
	}
	return x, nil
}

// ReadIDX reads an IDX image file (magic 0x00000803: N×rows×cols unsigned
// bytes) and its IDX label file (magic 0x00000801: N unsigned bytes), as
// used by MNIST, Fashion-MNIST and EMNIST. Either file may be gzipped; that
// is detected from the gzip magic bytes, not from the file name. Pixels are
// the raw values 0..255 as float32; D = rows*cols. Classes is the largest
// label plus one.
func ReadIDX(imagesPath, labelsPath string) (*Dataset, error) {
	return readIDXPair(imagesPath, labelsPath, 0)
}

// readIDXPair is ReadIDX; classes > 0 fixes the number of classes and
// rejects labels outside [0, classes).
func readIDXPair(imagesPath, labelsPath string, classes int) (*Dataset, error) {
	s, dims, claimed, what, err := openIDX(imagesPath, 3)
	if err != nil {
		return nil, err
	}
	x, err := readIDXPixels(s, 4+4*3, claimed, what)
	s.Close()
	if err != nil {
		return nil, err
	}
	ldims, lab, err := readIDX(labelsPath, 1)
	if err != nil {
		return nil, err
	}
	n, d := int(dims[0]), int(dims[1]*dims[2])
	if ldims[0] != dims[0] {
		return nil, fmt.Errorf("%s: holds %d labels but %s holds %d images", labelsPath, ldims[0], imagesPath, dims[0])
	}
	if n == 0 || d == 0 {
		return nil, fmt.Errorf("%s: header claims %d images of %dx%d: no data", imagesPath, dims[0], dims[1], dims[2])
	}
	ds := &Dataset{Name: imagesPath, X: x, Y: make([]int32, n), N: n, D: d, Classes: classes}
	ymax, err := bytesToLabels(labelsPath, lab, ds.Y, 8, 1, classes)
	if err != nil {
		return nil, err
	}
	if classes == 0 {
		ds.Classes = ymax + 1
		if at, distinct := sparseLabels(ds.Y); at >= 0 {
			return nil, sparseError(fmt.Sprintf("%s: sample %d (byte offset %d)", labelsPath, at, 8+at), ds.Y[at], distinct)
		}
	}
	return ds, nil
}

// bytesToLabels copies label bytes into y, where label i sits at byte
// offset base + i*stride of the file. With classes > 0 a label must be
// below classes. It returns the largest label.
func bytesToLabels(path string, lab []byte, y []int32, base, stride int64, classes int) (int, error) {
	ymax := 0
	for i := range y {
		v := int(lab[int64(i)*stride])
		if classes > 0 && v >= classes {
			return 0, fmt.Errorf("%s: sample %d (byte offset %d): label %d, expected 0..%d",
				path, i, base+int64(i)*stride, v, classes-1)
		}
		y[i] = int32(v)
		ymax = max(ymax, v)
	}
	return ymax, nil
}

// LoadMNIST loads the split "train" or "test" of MNIST from dir, which
// holds the files {train,t10k}-{images-idx3,labels-idx1}-ubyte, each
// optionally gzipped with a .gz suffix (the plain file is preferred when
// both exist). Classes is 10 and labels above 9 are an error. The Name is
// "mnist/train" or "mnist/test".
func LoadMNIST(dir, split string) (*Dataset, error) {
	var prefix string
	switch split {
	case "train":
		prefix = "train"
	case "test":
		prefix = "t10k"
	default:
		return nil, fmt.Errorf("mnist: unknown split %q, expected \"train\" or \"test\"", split)
	}
	find := func(base string) (string, error) {
		p := filepath.Join(dir, base)
		for _, c := range []string{p, p + ".gz"} {
			if _, err := os.Stat(c); err == nil {
				return c, nil
			}
		}
		return "", fmt.Errorf("mnist: neither %s nor %s.gz exists", p, p)
	}
	imgs, err := find(prefix + "-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	labs, err := find(prefix + "-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	ds, err := readIDXPair(imgs, labs, 10)
	if err != nil {
		return nil, err
	}
	ds.Name = "mnist/" + split
	return ds, nil
}

// CIFAR-10 binary record layout: 1 label byte, then 32×32 red, green and
// blue planes.
const (
	cifarD      = 3 * 32 * 32
	cifarRecord = 1 + cifarD
)

// ReadCIFAR10 reads and concatenates CIFAR-10 binary batches
// (data_batch_1.bin … data_batch_5.bin, test_batch.bin). Each file is a
// sequence of 3073-byte records: one label byte 0..9, then the 1024 red,
// 1024 green and 1024 blue pixel bytes of a 32×32 image, each plane
// row-major. A sample keeps that layout: D = 3072, raw values 0..255,
// Classes = 10. A file size that is not a positive multiple of 3073 is an
// error, found before the data is allocated. Gzipped batches are accepted.
func ReadCIFAR10(paths ...string) (*Dataset, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("cifar10: no batch files given")
	}
	ds := &Dataset{Name: paths[0], D: cifarD, Classes: 10}
	if len(paths) > 1 {
		ds.Name = fmt.Sprintf("%s (+%d more)", paths[0], len(paths)-1)
	}
	for _, p := range paths {
		if err := readCIFARBatch(p, ds); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

func readCIFARBatch(path string, ds *Dataset) error {
	s, err := openSource(path)
	if err != nil {
		return err
	}
	defer s.Close()
	var buf []byte
	// The records, then their pixels as float32.
	lim, _ := limits.Limit()
	if !s.gzipped {
		if err := limits.Check(path, 5*float64(s.size)); err != nil {
			return err
		}
		if s.size == 0 || s.size%cifarRecord != 0 {
			return fmt.Errorf("%s: file holds %d bytes, expected a positive multiple of the %d-byte record (%d whole records, %d bytes left over)",
				path, s.size, cifarRecord, s.size/cifarRecord, s.size%cifarRecord)
		}
		buf = make([]byte, s.size)
		if _, err := io.ReadFull(s.r, buf); err != nil {
			return fmt.Errorf("%s: reading: %v", path, err)
		}
	} else {
		// A gzip stream's size is unknown until it is read: stop reading
		// where the data could no longer fit.
		buf, err = io.ReadAll(io.LimitReader(s.r, lim/5+1))
		if err != nil {
			return fmt.Errorf("%s: decompressing at offset %d: %v", path, len(buf), err)
		}
		if err := limits.Check(path+": the decompressed data", 5*float64(len(buf))); err != nil {
			return err
		}
		if len(buf) == 0 || len(buf)%cifarRecord != 0 {
			return fmt.Errorf("%s: decompressed data holds %d bytes, expected a positive multiple of the %d-byte record (%d whole records, %d bytes left over)",
				path, len(buf), cifarRecord, len(buf)/cifarRecord, len(buf)%cifarRecord)
		}
	}
	n := len(buf) / cifarRecord
	y := make([]int32, n)
	if _, err := bytesToLabels(path, buf, y, 0, cifarRecord, 10); err != nil {
		return err
	}
	x := slices.Grow(ds.X, n*cifarD)
	for i := range n {
		for _, p := range buf[i*cifarRecord+1 : (i+1)*cifarRecord] {
			x = append(x, float32(p))
		}
	}
	ds.X = x
	ds.Y = append(ds.Y, y...)
	ds.N += n
	return nil
}
