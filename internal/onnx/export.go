package onnx

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/nnfc/nnfc/internal/onnx/onnxpb"
	datasource "github.com/nnfc/nnfc/internal/source"
	"github.com/nnfc/nnfc/internal/sysinfo"
	"github.com/nnfc/nnfc/pkg/atomicfile"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// Metadata keys (ModelProto.metadata_props) of an exported file.
const (
	MetaVersion    = "nnfc.version"
	MetaCommit     = "nnfc.commit"
	MetaSpec       = "nnfc.spec"       // the model's spec, JSON, as in the model file
	MetaNormalizer = "nnfc.normalizer" // the input normalizer, JSON, when the model has one
	MetaClasses    = "nnfc.classes"    // the class names, a JSON array, when the model has names
	MetaSource     = "nnfc.source"     // the model file's name
	MetaSourceHash = "nnfc.source_sha256"
	MetaPrecision  = "nnfc.precision" // float32 or float64: the graph's element type
)

// Options control an export.
type Options struct {
	// Precision is the graph's element type, float32 or float64; "" is
	// the precision the model was saved in.
	Precision string
	// ClassNames name the classes of a classifier; nil: the graph has no
	// class output.
	ClassNames []string
	// NameClasses, when ClassNames is nil, names a classifier's classes
	// from their number (nil: no names).
	NameClasses func(classes int) []string

	// skipDoubleCheck writes graphs with ops ONNX Runtime has no double
	// kernel for (the tests use it to show that the refusal is needed).
	skipDoubleCheck bool
}

// noDouble lists the ops of the default domain that ONNX Runtime's CPU
// execution provider (1.30) has no double kernel for, among those the
// exporter writes (checked by TestDoubleKernels, which runs each of them).
var noDouble = map[string]string{"LeakyRelu": "the leaky_relu activation"}

// ExportFile reads the nnfc model file at path and returns its ONNX model,
// with the file's SHA-256 in the metadata.
func ExportFile(path string, o Options) (*onnxpb.ModelProto, error) {
	sum, err := stfile.FileSHA256(path)
	if err != nil {
		return nil, err
	}
	f, err := model.Open(path)
	if err != nil {
		return nil, err
	}
	return Export(f, sum, o)
}

// Export converts a model file read into memory to an ONNX model; sum is
// the file's SHA-256 (hex) for the metadata.
func Export(f *model.File, sum string, o Options) (*onnxpb.ModelProto, error) {
	prec := o.Precision
	switch prec {
	case "":
		prec = f.Precision()
	case "float32", "float64":
	default:
		return nil, fmt.Errorf("precision: must be float32 or float64, got %q", prec)
	}
	net, norm, err := model.LoadFile[float64](f)
	if err != nil {
		return nil, err
	}
	net.SetTraining(false)
	spec := net.Spec
	kind, err := model.KindOf(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", f.Path, err)
	}
	export, ok := tasks[kind.Name()]
	if !ok {
		return nil, fmt.Errorf("%s: model kind %q has no ONNX exporter", f.Path, kind.Name())
	}
	g := newGraph(elemType(prec))
	src := &source{net: net, norm: norm, opts: o, meta: map[string]string{}}
	if norm != nil {
		src.classes = datasource.FittedClassNames(norm.Source)
	}
	if err := export(g, src); err != nil {
		return nil, fmt.Errorf("%s: %v", f.Path, err)
	}
	if prec == "float64" && !o.skipDoubleCheck {
		for _, op := range g.ops() {
			if why, ok := noDouble[op]; ok {
				return nil, fmt.Errorf("%s: ONNX Runtime's CPU provider has no double kernel for %s (%s); export with --precision float32", f.Path, op, why)
			}
		}
	}
	build := sysinfo.GetBuild()
	meta := map[string]string{
		MetaVersion:    build.Version,
		MetaCommit:     build.Commit,
		MetaSpec:       f.Meta[model.MetaSpec],
		MetaSource:     baseName(f.Path),
		MetaSourceHash: sum,
		MetaPrecision:  prec,
	}
	if v, ok := f.Meta[model.MetaNormalizer]; ok {
		meta[MetaNormalizer] = v
	}
	for k, v := range src.meta {
		meta[k] = v
	}
	producer, version, domain := "nnfc", build.Version, "nnfc"
	ir := int64(IRVersion)
	doc := fmt.Sprintf("nnfc %s %s, exported from %s", spec, prec, baseName(f.Path))
	m := &onnxpb.ModelProto{
		IrVersion:       &ir,
		ProducerName:    &producer,
		ProducerVersion: &version,
		Domain:          &domain,
		DocString:       &doc,
		OpsetImport:     g.opsetImports(),
		Graph:           g.finish("nnfc", spec.String()),
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		k, v := k, meta[k]
		m.MetadataProps = append(m.MetadataProps, &onnxpb.StringStringEntryProto{Key: &k, Value: &v})
	}
	return m, nil
}

// Write writes m to path atomically: a crash or an error leaves the old
// file (or none), never half of the new one.
func Write(path string, m *onnxpb.ModelProto) error {
	b, err := proto.Marshal(m)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// Read reads an ONNX model file (for tests and tools).
func Read(path string) (*onnxpb.ModelProto, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%s: not an ONNX model: %v", path, err)
	}
	return m, nil
}

// Metadata returns m's metadata_props as a map.
func Metadata(m *onnxpb.ModelProto) map[string]string {
	out := map[string]string{}
	for _, p := range m.GetMetadataProps() {
		out[p.GetKey()] = p.GetValue()
	}
	return out
}

func baseName(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}
