package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nnfc/nnfc/internal/testfix"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// badCase is one bad input: the command that reads it, the exit code and
// the words the one-line error must hold.
type badCase struct {
	kind, name string
	args       []string
	env        []string
	code       int
	want       []string
}

// TestBadInputs runs the binary on every bad input below (configs, data
// files of each format, model files, run directories, flags): each must
// exit with its code (1 bad input, 2 bad command line) and one line on
// stderr naming what is wrong, within 100 MB of memory, and nothing may
// panic. With NNFC_BAD_INPUT_TABLE=FILE it writes the outcomes (exit code,
// wall time, peak RSS, message) as a Markdown table; docs/hardening.md
// holds one.
func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	cases := badCases(t, dir)
	var table strings.Builder
	table.WriteString("| # | kind | input | exit | time | max RSS | message |\n|---|---|---|---|---|---|---|\n")
	for i, tc := range cases {
		t.Run(tc.kind+"/"+tc.name, func(t *testing.T) {
			o := run(t, 60*time.Second, tc.env, tc.args...)
			msg := errorLines(o.stderr)
			fmt.Fprintf(&table, "| %d | %s | %s | %d | %.2f s | %.0f MB | %s |\n", i+1, tc.kind, tc.name, o.code, o.wall.Seconds(), float64(o.maxRSS)/1e6,
				strings.ReplaceAll(shorten(strings.ReplaceAll(msg, dir+"/", ""), 220), "|", `\|`))
			if o.code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", o.code, tc.code, o.stderr)
			}
			if msg == "" || strings.Contains(msg, "\n") {
				t.Errorf("stderr has not exactly one error line (besides the blas: line of train):\n%s", o.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q: %s", w, msg)
				}
			}
			if strings.Contains(o.stderr, "goroutine ") || strings.Contains(o.stderr, "panic") {
				t.Errorf("crashed:\n%s", o.stderr)
			}
			if o.maxRSS > 100e6 {
				t.Errorf("peak RSS %.0f MB, want under 100 MB", float64(o.maxRSS)/1e6)
			}
			t.Logf("exit %d in %v, peak RSS %.0f MB: %s", o.code, o.wall.Round(time.Millisecond), float64(o.maxRSS)/1e6, msg)
		})
	}
	if p := os.Getenv("NNFC_BAD_INPUT_TABLE"); p != "" {
		if err := os.WriteFile(p, []byte(table.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// errorLines is stderr without the informational "blas: ..." line that
// nnfc train prints before it reads anything.
func errorLines(stderr string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if !strings.HasPrefix(l, "blas: ") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// spiralYAML is a small valid spiral config; cases append to or replace
// parts of it.
const spiralYAML = `seed: 1
data:
  source: spiral
  spiral: {per_class: 50, classes: 3}
  val_fraction: 0.2
  normalize: none
model:
  hidden: [8]
train:
  epochs: 1
`

func badCases(t *testing.T, dir string) []badCase {
	p := func(name string) string { return filepath.Join(dir, name) }
	file := func(name string, b []byte) string { return writeFile(t, p(name), b) }
	text := func(name, s string) string { return file(name, []byte(s)) }
	out := func(name string) string { return "train:\n  out_dir: " + p("runs/"+name) + "\n" }
	// cfg writes a config: the spiral config with the given YAML
	// appended (later keys of the same section override, so the extra
	// text uses sections the base does not have, or replaces the base).
	cfg := func(name, extra string) string { return text(name+".yaml", extra) }
	trainCfg := func(path string, flags ...string) []string {
		return append([]string{"train", "--config", path, "--progress", "none"}, flags...)
	}
	var cs []badCase
	add := func(kind, name string, code int, args []string, want ...string) {
		cs = append(cs, badCase{kind: kind, name: name, args: args, code: code, want: want})
	}
	spiralWith := func(name, model, data string) string {
		y := strings.Replace(spiralYAML, "model:\n  hidden: [8]\n", model, 1)
		if data != "" {
			y = strings.Replace(y, "data:\n  source: spiral\n  spiral: {per_class: 50, classes: 3}\n  val_fraction: 0.2\n  normalize: none\n", data, 1)
		}
		return cfg(name, y+"  out_dir: "+p("runs/"+name)+"\n")
	}

	// ---- Configs: sizes, nesting, YAML syntax, values.
	c := spiralWith("hidden1e9", "model:\n  hidden: [1000000000]\n", "")
	add("config", "model.hidden: [1000000000]", 1, trainCfg(c), "model.hidden: the 2-1000000000(relu)-3 softmax network", "needs", "limit of")
	c = spiralWith("hidden1e5x2", "model:\n  hidden: [100000, 100000]\n", "")
	add("config", "model.hidden: [100000, 100000]", 1, trainCfg(c), "model.hidden:", "needs 111.8 GiB")
	c = spiralWith("mnisthidden", "model:\n  hidden: [100000, 100000]\n", "data:\n  source: mnist\n  dir: "+p("nomnist")+"\n")
	add("config", "model.hidden: [100000, 100000] with MNIST (refused before reading data)", 1, trainCfg(c), "the 784-100000(relu)-100000(relu)-10 softmax network")
	c = spiralWith("layers1500", "model:\n  hidden: ["+strings.Repeat("1, ", 1499)+"1]\n", "")
	add("config", "1500 hidden layers", 1, trainCfg(c), "model.hidden: lists 1500 layers, at most 1000")
	c = cfg("big", "model:\n  hidden: ["+strings.Repeat("1, ", 1<<20)+"1]\n")
	add("config", "3 MB config listing a million hidden layers", 1, trainCfg(c), "config file larger than 1048576 bytes")
	c = spiralWith("spiral1e12", "model:\n  hidden: [8]\n", "data:\n  source: spiral\n  spiral: {per_class: 1000000000000, classes: 3}\n")
	add("config", "data.spiral.per_class: 10^12", 1, trainCfg(c), "data.spiral: 1000000000000 points per class × 3 classes needs")
	var deep strings.Builder
	deep.WriteString("bogus:\n")
	for i := range 200 {
		fmt.Fprintf(&deep, "%sk%d:\n", strings.Repeat(" ", i+1), i)
	}
	c = cfg("deepblock", deep.String())
	add("config", "200 nested block mappings under an unknown key", 1, trainCfg(c), "nested more than 16 levels deep")
	c = cfg("deepflow", "seed: "+strings.Repeat("[", 100000)+strings.Repeat("]", 100000)+"\n")
	add("config", "100000 nested flow lists", 1, trainCfg(c), "not valid YAML: exceeded max depth of 10000")
	var bomb strings.Builder
	bomb.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&bomb, "a%d: &a%d [%s*a%d]\n", i, i, strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), i-1)
	}
	add("config", "YAML alias bomb (10^9 values)", 1, trainCfg(cfg("bomb", bomb.String())), "holds more than 10000 values")
	add("config", "duplicate key", 1, trainCfg(cfg("dup", "seed: 1\nseed: 2\n")), `line 2: mapping key "seed" already defined at line 1`)
	add("config", "tab indentation", 1, trainCfg(cfg("tab", "data:\n\tsource: csv\n")), "not valid YAML: line 2")
	add("config", "bad indentation", 1, trainCfg(cfg("indent", "data:\n  source: csv\n bad: 1\n")), "not valid YAML: line 2")
	add("config", "unterminated flow list", 1, trainCfg(cfg("flow", "model: {hidden: [1, 2\n")), "not valid YAML")
	add("config", "unterminated quote", 1, trainCfg(cfg("quote", "seed: \"abc\n")), "not valid YAML")
	add("config", "top-level list", 1, trainCfg(cfg("list", "- seed: 1\n")), "the config must be a mapping")
	add("config", "top-level scalar", 1, trainCfg(cfg("scalar", "hello\n")), "the config must be a mapping")
	rnd := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(rnd.IntN(256))
	}
	add("config", "4 kB of random bytes", 1, trainCfg(file("garbage.yaml", garbage)), "garbage.yaml")
	add("config", "NUL bytes", 1, trainCfg(cfg("nul", "seed: 1\x00\x00\n")), "not valid YAML")
	os.MkdirAll(p("cfgdir"), 0o755)
	add("config", "a directory", 1, trainCfg(p("cfgdir")), "is a directory")
	add("config", "missing file", 1, trainCfg(p("nope.yaml")), "config file not found")
	add("config", "unknown key", 1, trainCfg(cfg("unknown", "trian: {epochs: 3}\n")), "unknown key trian.epochs")
	add("config", "epochs: ten", 1, trainCfg(cfg("ten", "train: {epochs: ten}\n")), "train.epochs")
	add("config", "lr: .nan", 1, trainCfg(cfg("nan", "optimizer: {lr: .nan}\n")), "optimizer.lr: must be > 0, got NaN")
	add("config", "hidden: [1e30]", 1, trainCfg(cfg("e30", "model: {hidden: [1e30]}\n")), "model.hidden[0]: must be an integer")
	add("config", "batch_size: -5", 1, trainCfg(cfg("neg", "train: {batch_size: -5}\n")), "train.batch_size: must be > 0")
	add("config", "val_fraction: 1.5", 1, trainCfg(cfg("vf", "data: {val_fraction: 1.5}\n")), "data.val_fraction: must be in [0,1)")
	add("config", "patience without validation split", 1, trainCfg(cfg("pat", "data: {val_count: 0}\ntrain: {patience: 2}\n")), "train.patience: early stopping needs a validation split")
	add("config", "seed: [1, 2]", 1, trainCfg(cfg("seedlist", "seed: [1, 2]\n")), "seed")
	c = spiralWith("maxmem", "model:\n  hidden: [4000, 4000]\n", "")
	add("config", "model.hidden: [4000, 4000] under --max-memory 100M", 1, append([]string{"--max-memory", "100M"}, trainCfg(c)...), "needs", "--max-memory limit of 100.0 MiB")
	cs = append(cs, badCase{kind: "config", name: "NNFC_MODEL_HIDDEN=1000000000", args: trainCfg(spiralWith("env", "model:\n  activation: relu\n", "")),
		env: []string{"NNFC_MODEL_HIDDEN=1000000000"}, code: 1, want: []string{`model.hidden (from NNFC_MODEL_HIDDEN="1000000000"): the 2-1000000000(relu)-3`}})

	// ---- CSV data, read by train (data.source: csv) and eval --data.
	csvCfg := func(name, body string, extra string) string {
		f := text(name+".csv", body)
		return cfg("csv-"+name, "data: {source: csv, train: "+f+", val_fraction: 0.25"+extra+"}\n"+out(name))
	}
	add("csv", "NaN feature", 1, trainCfg(csvCfg("nan", "0,1,2\n1,nan,3\n0,1,1\n1,2,2\n", "")), "nan.csv:2: column 2: \"nan\" is not a finite float32 number")
	add("csv", "infinite feature", 1, trainCfg(csvCfg("inf", "0,1,2\n1,-Inf,3\n", "")), "inf.csv:2: column 2")
	add("csv", "1e39 (beyond float32)", 1, trainCfg(csvCfg("e39", "0,1,2\n1,1e39,3\n", "")), "e39.csv:2: column 2: \"1e39\" is not a finite float32")
	add("csv", "ragged row", 1, trainCfg(csvCfg("ragged", "0,1,2\n1,2\n", "")), "ragged.csv:2: row has 2 columns, expected 3")
	add("csv", "negative label", 1, trainCfg(csvCfg("neglab", "0,1,2\n-1,2,3\n", "")), "neglab.csv:2: label \"-1\"")
	add("csv", "label 2.5", 1, trainCfg(csvCfg("frac", "0,1,2\n2.5,2,3\n", "")), "frac.csv:2: label \"2.5\"")
	add("csv", "label 99 among 0..3", 1, trainCfg(csvCfg("sparse", "0,1,2\n1,2,3\n2,3,4\n3,4,5\n99,5,6\n", "")), "sparse.csv:5: label 99 would make 100 classes", "data.classes: 100")
	add("csv", "label 12 with data.classes: 10", 1, trainCfg(csvCfg("classes", "0,1,2\n12,2,3\n", ", classes: 10")), "classes.csv:2: label 12 out of range, expected 0..9")
	add("csv", "random bytes", 1, trainCfg(csvCfg("garbage", string(garbage), "")), "garbage.csv")
	add("csv", "empty file", 1, trainCfg(csvCfg("empty", "", "")), "empty.csv: no data rows")
	add("csv", "header only", 1, trainCfg(csvCfg("hdr", "label,a,b\n", "")), "hdr.csv: no data rows")
	add("csv", "one column", 1, trainCfg(csvCfg("onecol", "1\n2\n", "")), "onecol.csv:1: row has 1 column")
	add("csv", "unterminated quote", 1, trainCfg(csvCfg("quote", "0,1,2\n1,\"2,3\n", "")), "quote.csv:2: column")
	add("csv", "label_column 7 of 3", 1, trainCfg(csvCfg("labcol", "0,1,2\n", ", label_column: 7")), "label column 7 (0-based) out of range for 3 columns")
	add("csv", "data.train missing", 1, trainCfg(cfg("csv-missing", "data: {source: csv, train: "+p("absent.csv")+"}\n")), "absent.csv")

	// ---- NPY / NPZ.
	npyCfg := func(name string, x, y []byte) string {
		xp, yp := file(name+"-x.npy", x), file(name+"-y.npy", y)
		return cfg("npy-"+name, "data: {source: npy, train: "+xp+", train_labels: "+yp+", val_fraction: 0.25}\n"+out(name))
	}
	x4 := testfix.NPY("<f4", false, "(4, 2)", testfix.F32LE(1, 2, 3, 4, 5, 6, 7, 8))
	add("npy", "label 99 among 0..3", 1, trainCfg(npyCfg("sparse", x4, testfix.NPY("<i8", false, "(4,)", testfix.I64LE(0, 1, 2, 99)))), "label 3: label 99 would make 100 classes")
	add("npy", "float labels", 1, trainCfg(npyCfg("flab", x4, testfix.NPY("<f4", false, "(4,)", testfix.F32LE(0, 1, 0, 1)))), "labels have dtype <f4, expected an integer array")
	add("npy", "shape claims 99999999×2", 1, trainCfg(npyCfg("claim", testfix.NPY("<f4", false, "(99999999, 2)", testfix.F32LE(1, 2)), testfix.NPY("<i8", false, "(1,)", testfix.I64LE(0)))), "header claims shape (99999999, 2)")
	add("npy", "header length 2^32-1 (v2)", 1, trainCfg(npyCfg("hlen", []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{}"), testfix.NPY("<i8", false, "(1,)", testfix.I64LE(0)))), ".npy header length 4294967295")
	add("npy", "bad magic", 1, trainCfg(npyCfg("magic", []byte("PK\x03\x04 not an npy"), testfix.NPY("<i8", false, "(1,)", testfix.I64LE(0)))), "not a .npy array")
	add("npy", "NaN feature", 1, trainCfg(npyCfg("nanx", testfix.NPY("<f4", false, "(2, 2)", testfix.F32LE(1, float32(math.NaN()), 3, 4)), testfix.NPY("<i8", false, "(2,)", testfix.I64LE(0, 1)))), "element 1 (sample 0, feature 1) is NaN")
	add("npy", "complex dtype", 1, trainCfg(npyCfg("cplx", testfix.NPY("<c8", false, "(2, 1)", make([]byte, 16)), testfix.NPY("<i8", false, "(2,)", testfix.I64LE(0, 1)))), "unsupported dtype")
	add("npy", "object dtype", 1, trainCfg(npyCfg("obj", testfix.NPY("|O", false, "(2, 1)", make([]byte, 16)), testfix.NPY("<i8", false, "(2,)", testfix.I64LE(0, 1)))), "-x.npy")
	add("npy", "label count mismatch", 1, trainCfg(npyCfg("count", x4, testfix.NPY("<i8", false, "(3,)", testfix.I64LE(0, 1, 0)))), "holds 3 labels, expected 4")
	add("npy", "truncated data", 1, trainCfg(npyCfg("trunc", testfix.NPY("<f4", false, "(4, 2)", testfix.F32LE(1, 2, 3)), testfix.NPY("<i8", false, "(4,)", testfix.I64LE(0, 1, 0, 1)))), "but the file holds 12")
	npzCfg := func(name string, path string) string {
		return cfg("npz-"+name, "data: {source: npz, train: "+path+", val_fraction: 0.25}\n"+out(name))
	}
	add("npz", "not a zip", 1, trainCfg(npzCfg("notzip", text("notzip.npz", "hello"))), "not a .npz (zip) archive")
	add("npz", "member y missing", 1, trainCfg(npzCfg("noy", file("noy.npz", testfix.Zip(t, map[string][]byte{"x.npy": x4}, zip.Store)))), `no array "y"`)
	zeros := testfix.NPY("<f4", false, "(5000000, 1)", make([]byte, 20e6))
	bombNPZ := file("bomb.npz", testfix.Zip(t, map[string][]byte{"x.npy": zeros, "y.npy": testfix.NPY("<i8", false, "(1,)", testfix.I64LE(0))}, zip.Deflate))
	add("npz", "20 MB member deflated to 20 kB, --max-memory 16M", 1, append([]string{"--max-memory", "16M"}, trainCfg(npzCfg("bomb", bombNPZ))...), "bomb.npz[x]: a member of 20000128 bytes needs")

	// ---- IDX (MNIST directories) and CIFAR-10 batches, via eval --data.
	m := goodModel(t, p("model.safetensors"), 784, 10)
	mnistDir := func(name string, images, labels []byte) string {
		d := p(name)
		file(filepath.Join(name, "t10k-images-idx3-ubyte"), images)
		file(filepath.Join(name, "t10k-labels-idx1-ubyte"), labels)
		return d
	}
	evalData := func(d string, flags ...string) []string {
		return append([]string{"eval", "--model", m, "--data", d}, flags...)
	}
	img := testfix.IDX(3, []uint32{2, 28, 28}, make([]byte, 2*784))
	lab := testfix.IDX(1, []uint32{2}, []byte{1, 2})
	add("idx", "bad magic", 1, evalData(mnistDir("magic", append([]byte{0, 0, 8, 1}, img[4:]...), lab)), "bad magic 0x00000801 at offset 0")
	add("idx", "truncated images", 1, evalData(mnistDir("trunc", img[:len(img)-100], lab)), "but the file holds 1468")
	add("idx", "header claims 2^32-1 images", 1, evalData(mnistDir("claim", testfix.IDX(3, []uint32{math.MaxUint32, 28, 28}, nil), lab)), "header claims 4294967295 images")
	add("idx", "label count mismatch", 1, evalData(mnistDir("count", img, testfix.IDX(1, []uint32{3}, []byte{1, 2, 3}))), "holds 3 labels but")
	add("idx", "label 10 in MNIST", 1, evalData(mnistDir("lab10", img, testfix.IDX(1, []uint32{2}, []byte{1, 10}))), "label 10, expected 0..9")
	bigImg := testfix.IDX(3, []uint32{20000, 28, 28}, make([]byte, 20000*784))
	add("idx", "gzip of 15 MB of pixels, --max-memory 16M", 1, append([]string{"--max-memory", "16M"}, evalData(mnistDir("gzbomb", testfix.Gzip(bigImg), testfix.IDX(1, []uint32{20000}, make([]byte, 20000))))...),
		"the header's claim of 20000 images of 28x28 needs")
	add("idx", "gzip claiming more than DEFLATE can hold", 1, evalData(mnistDir("gzclaim", testfix.Gzip(testfix.IDX(3, []uint32{60000000, 28, 28}, make([]byte, 1000))), lab)), "header claims 60000000 images of 28x28", "gzipped bytes decompress to at most")
	add("idx", "corrupt gzip stream", 1, evalData(mnistDir("gzcorrupt", append(testfix.Gzip(img)[:20], bytes.Repeat([]byte{0xff}, 100)...), lab)), "t10k-images-idx3-ubyte")
	add("idx", "missing files", 1, evalData(p("emptydir")), "emptydir")
	os.MkdirAll(p("emptydir"), 0o755)
	cifar := func(name string, b []byte) string {
		file(filepath.Join(name, "test_batch.bin"), b)
		return p(name)
	}
	mc := goodModel(t, p("cifar.safetensors"), 3072, 10)
	evalCIFAR := func(d string, flags ...string) []string {
		return append([]string{"eval", "--model", mc, "--data", d}, flags...)
	}
	add("cifar", "size not a multiple of 3073", 1, evalCIFAR(cifar("c-size", make([]byte, 3073+5))), "file holds 3078 bytes, expected a positive multiple of the 3073-byte record")
	rec := make([]byte, 2*3073)
	rec[3073] = 12
	add("cifar", "label 12", 1, evalCIFAR(cifar("c-label", rec)), "sample 1 (byte offset 3073): label 12, expected 0..9")
	add("cifar", "gzip of 31 MB, --max-memory 16M", 1, append([]string{"--max-memory", "16M"}, evalCIFAR(cifar("c-bomb", testfix.Gzip(make([]byte, 10000*3073))))...), "the decompressed data needs")
	add("cifar", "empty batch", 1, evalCIFAR(cifar("c-empty", nil)), "file holds 0 bytes")

	// ---- Model files, read by eval, predict and export.
	points := text("points.csv", "0,0.1,0.2\n1,0.3,-0.2\n2,-0.5,0.5\n")
	inputs := text("inputs.csv", "0.1,0.2\n0.3,-0.2\n")
	modelCase := func(name string, path string, want ...string) {
		add("model", name+" (eval)", 1, []string{"eval", "--model", path, "--data", points}, append([]string{path}, want...)...)
		add("model", name+" (predict)", 1, []string{"predict", "--model", path, "--input", inputs}, append([]string{path}, want...)...)
		add("model", name+" (export)", 1, []string{"export", "--model", path, "--output", p("bad.onnx")}, append([]string{path}, want...)...)
	}
	base := func() ([]stfile.Tensor, map[string]string) { return spiralModel(t) }
	variant := func(name string, change func(ts []stfile.Tensor, meta map[string]string) []stfile.Tensor) string {
		ts, meta := base()
		ts = change(ts, meta)
		path := p(name + ".safetensors")
		if err := stfile.Write(path, ts, meta); err != nil {
			t.Fatal(err)
		}
		return path
	}
	modelCase("NaN weight", variant("nanw", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
		ts[0].F32[3] = float32(math.NaN())
		return ts
	}), `tensor "0.weight" element 3 (of shape [8 2]) is NaN`)
	modelCase("infinite bias", variant("infb", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
		ts[3].F32[0] = float32(math.Inf(1))
		return ts
	}), `tensor "2.bias" element 0 (of shape [3]) is +Inf`)
	modelCase("extra tensor", variant("extra", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
		return append(ts, stfile.Tensor{Name: "9.weight", Shape: []int{2}, F32: []float32{1, 2}})
	}), `tensor "9.weight" (shape [2]) is not part of the 2-8(relu)-3 softmax network`)
	modelCase("zero-scale normalizer", variant("zscale", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
		m[model.MetaNormalizer] = `{"mode":"scale","shift":[0,0],"scale":[0,1]}`
		return ts
	}), "scale[0] is 0")
	modelCase("unknown normalizer mode", variant("nmode", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
		m[model.MetaNormalizer] = `{"mode":"whiten","shift":[0,0],"scale":[1,1]}`
		return ts
	}), `mode "whiten" unknown`)
	modelCase("spec claims 100000×100000 layers", variant("hugespec", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
		m[model.MetaSpec] = `{"input_dim":2,"hidden":[100000,100000],"activations":["relu","relu"],"classes":3,"loss":"softmax","init":"he","reg":0}`
		return ts
	}), "the 2-100000(relu)-100000(relu)-3 softmax network its metadata describes needs [100000 2]")
	modelCase("spec is not JSON", variant("specjson", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
		m[model.MetaSpec] = `{"input_dim": 2,`
		return ts
	}), "metadata nnfc.spec is not valid JSON")
	modelCase("no nnfc metadata", variant("plain", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
		clear(m)
		return ts
	}), "not an nnfc model file")
	modelCase("version 9", variant("version", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor {
		m[model.MetaVersion] = "9"
		return ts
	}), `model file version "9"`)
	good := variant("good", func(ts []stfile.Tensor, m map[string]string) []stfile.Tensor { return ts })
	gb, _ := os.ReadFile(good)
	flipped := bytes.Clone(gb)
	flipped[len(flipped)-7] ^= 0x10
	modelCase("one bit flipped in the weights", file("flipped.safetensors", flipped), "do not match the nnfc.sha256 checksum")
	modelCase("duplicate tensor name", file("dup.safetensors", dupHeader(t, gb)), `tensor "0.bias": duplicate name`)
	modelCase("truncated", file("trunc.safetensors", gb[:len(gb)-10]), "data_offsets do not cover")
	huge := bytes.Clone(gb)
	binary.LittleEndian.PutUint64(huge, 1<<40)
	modelCase("header length 2^40", file("hlen.safetensors", huge), "exceeds the 100000000-byte limit")
	modelCase("random bytes", file("garbage.safetensors", garbage), "garbage.safetensors")
	modelCase("empty file", file("empty.safetensors", nil), "truncated: 0 bytes")
	modelCase("F16 tensor", file("f16.safetensors", testfix.Safetensors(`{"0.weight":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4))), "unsupported dtype F16")
	ts, meta := base()
	ts[1] = stfile.Tensor{Name: ts[1].Name, Shape: ts[1].Shape, F64: []float64{0, 1e300, 0, 0, 0, 0, 0, 0}}
	beyond := p("beyond.safetensors")
	if err := stfile.Write(beyond, ts, meta); err != nil {
		t.Fatal(err)
	}
	add("model", "float64 1e300 evaluated in float32", 1, []string{"eval", "--model", beyond, "--data", points, "--precision", "float32"}, `tensor "0.bias" element 1 is 1e+300, beyond the range of float32`)
	add("model", "a directory", 1, []string{"eval", "--model", dir, "--data", points}, "not a regular file")
	add("model", "missing file", 1, []string{"predict", "--model", p("none.safetensors"), "--input", inputs}, "--model "+p("none.safetensors")+": no such file")

	// ---- Run directories.
	add("run", "--resume an empty directory", 1, []string{"train", "--resume", p("emptydir")}, "no run there")
	add("run", "--resume a missing directory", 1, []string{"train", "--resume", p("gone")}, "no such run directory")
	add("run", "eval --run without a model", 1, []string{"eval", "--run", p("emptydir")}, "emptydir")

	// ---- Command lines (exit 2).
	add("flag", "--max-memory lots", 2, []string{"--max-memory", "lots", "version"}, `--max-memory: "lots" is not a memory size`)
	add("flag", "--threads -1", 2, []string{"--threads", "-1", "version"}, "--threads: must be ≥ 0")
	add("flag", "eval --precision float16", 2, []string{"eval", "--model", good, "--data", points, "--precision", "float16"}, "--precision: must be float32, float64 or bfloat16")
	add("flag", "predict --batch 0", 2, []string{"predict", "--model", good, "--input", inputs, "--batch", "0"}, "--batch: must be > 0")
	add("flag", "unknown flag", 2, []string{"train", "--epochz", "3"}, "unknown flag: --epochz")
	add("flag", "export --format pmml", 2, []string{"export", "--model", good, "--format", "pmml"}, `--format: must be onnx, got "pmml"`)
	add("flag", "export without --model or --run", 2, []string{"export"}, "exactly one of --model FILE or --run RUN_DIR")
	add("model", "export --class-names of the wrong count", 1, []string{"export", "--model", good, "--output", p("names.onnx"), "--class-names", "a,b"}, "2 class names given, the model has 3 classes")
	garbageONNX := file("garbage.onnx", garbage)
	add("onnx", "import of random bytes", 1, []string{"import", "--onnx", garbageONNX, "--output", p("g.safetensors")}, "not an ONNX model")
	gelu, err := filepath.Abs(filepath.Join("..", "..", "testdata", "onnx", "gelu.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	add("onnx", "import of a GELU MLP", 1, []string{"import", "--onnx", gelu, "--output", p("gelu.safetensors")}, `node "/1/Div" (Div): op Div is not part of a plain MLP`)
	bf := spiralWith("bf16gonum", "model:\n  hidden: [8]\n", "")
	add("flag", "train --precision bfloat16 --blas gonum", 1, append([]string{"--blas", "gonum"}, trainCfg(bf, "--precision", "bfloat16")...),
		"precision bfloat16 needs the onednn backend")
	return cs
}

// goodModel saves a valid model with in inputs and the given classes.
func goodModel(t *testing.T, path string, in, classes int) string {
	spec := model.Spec{InputDim: in, Hidden: []int{4}, Activations: []string{"relu"}, Classes: classes, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Save(path, net, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// spiralModel returns the tensors and metadata of a 2-8-3 model with a
// normalizer, for the model-file variants.
func spiralModel(t *testing.T) ([]stfile.Tensor, map[string]string) {
	spec := model.Spec{InputDim: 2, Hidden: []int{8}, Activations: []string{"relu"}, Classes: 3, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := model.Metadata(spec, &data.Normalizer{Mode: "scale", Shift: []float32{0, 0}, Scale: []float32{1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	var ts []stfile.Tensor
	for _, x := range model.Tensors(net, "") {
		x.F32 = append([]float32(nil), x.F32...)
		ts = append(ts, x)
	}
	return ts, meta
}

// dupHeader rewrites a model file so that its header names "0.bias"
// twice: the second entry points at the first tensor's data.
func dupHeader(t *testing.T, b []byte) []byte {
	n := binary.LittleEndian.Uint64(b)
	h := string(b[8 : 8+n])
	i := strings.Index(h, `"0.bias":`)
	if i < 0 {
		t.Fatal("no 0.bias in header")
	}
	j := strings.Index(h[i:], "}") + i + 1
	entry := h[i:j]
	var info struct {
		Shape []int `json:"shape"`
	}
	json.Unmarshal([]byte(entry[len(`"0.bias":`):]), &info)
	h = strings.TrimRight(h, " ")
	h = h[:len(h)-1] + "," + entry + "}"
	return testfix.Safetensors(h, b[8+n:])
}
