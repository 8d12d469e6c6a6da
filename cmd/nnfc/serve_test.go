package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
)

// The tests of nnfc serve start the real binary on a free loopback port
// (--addr 127.0.0.1:0; it prints the address it bound) and talk to it
// over HTTP. Nothing waits on a clock: each step waits for an event (a
// log line, an answer, a metric reaching a value).

// serveProc is one running nnfc serve.
type serveProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	url   string
	lines chan string // stderr lines after the listening line
	log   *lockedBuffer
	done  chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) add(s string) {
	l.mu.Lock()
	l.b.WriteString(s + "\n")
	l.mu.Unlock()
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// No wait below has a deadline: each ends on an event (a line, stderr's
// end, the process's exit). A server that hangs fails at go test's
// -timeout, whatever the machine's speed.

func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(nnfcBin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = cleanEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{t: t, cmd: cmd, lines: make(chan string, 1000), log: &lockedBuffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.log.add(line)
			if a, ok := strings.CutPrefix(line, "nnfc serve: listening on "); ok {
				addr <- a
				continue
			}
			select {
			case p.lines <- line:
			default:
			}
		}
		close(addr)
		close(p.lines)
	}()
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("nnfc serve's stderr:\n%s", p.log)
		}
	})
	a, ok := <-addr
	if !ok {
		<-p.done
		t.Fatalf("nnfc serve %v exited before listening: %v\n%s", args, cmd.ProcessState, p.log)
	}
	p.url = a
	return p
}

// waitLine waits for a stderr line containing substr.
func (p *serveProc) waitLine(substr string) string {
	p.t.Helper()
	for l := range p.lines {
		if strings.Contains(l, substr) {
			return l
		}
	}
	p.t.Fatalf("nnfc serve's stderr ended without a line %q", substr)
	return ""
}

// exit waits for the process to end and returns its exit code.
func (p *serveProc) exit() int {
	p.t.Helper()
	<-p.done
	return p.cmd.ProcessState.ExitCode()
}

type answer struct {
	code   int
	body   []byte
	header http.Header
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.code, bytes.TrimSpace(a.body)) }

var client = &http.Client{}

// do sends one request; headers come in pairs (name, value).
func (p *serveProc) do(method, path string, body []byte, headers ...string) answer {
	p.t.Helper()
	a, err := p.try(method, path, body, headers...)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	return a
}

func (p *serveProc) try(method, path string, body []byte, headers ...string) (answer, error) {
	req, err := http.NewRequest(method, p.url+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("reading the answer: %v", err)
	}
	return answer{resp.StatusCode, b, resp.Header}, nil
}

// metric returns the value of the exposition line that starts with
// series (name{labels}), 0 if there is none.
func (p *serveProc) metric(series string) float64 {
	p.t.Helper()
	a := p.do("GET", "/metrics", nil)
	for _, l := range strings.Split(string(a.body), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				p.t.Fatalf("metrics line %q: %v", l, err)
			}
			return f
		}
	}
	return 0
}

// waitMetric polls /metrics until series reaches want.
func (p *serveProc) waitMetric(series string, want float64) {
	p.t.Helper()
	// The gauge is only observable over HTTP, hence a poll; it ends when
	// the value is reached or the server has exited, never on a clock.
	for p.metric(series) != want {
		select {
		case <-p.done:
			p.t.Fatalf("nnfc serve exited before metric %s reached %v", series, want)
		default:
			runtime.Gosched()
		}
	}
}

// A small classifier (4 features, 3 classes, standardized inputs) and a
// tied autoencoder (4 → 2), saved with nnfc's own writer.
func saveClassifier(t *testing.T, path string, seed uint64) {
	t.Helper()
	spec := model.Spec{InputDim: 4, Hidden: []int{16}, Activations: []string{"swish"}, Classes: 3, Loss: "softmax", Init: "he"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Save(path, net, fixtureNormalizer(t)); err != nil {
		t.Fatal(err)
	}
}

func saveAutoencoder(t *testing.T, path string) {
	t.Helper()
	spec := model.Spec{Kind: model.KindAutoencoder, InputDim: 4, CodeDim: 2, Activations: []string{"tanh"}, Init: "xavier"}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(3, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Save(path, net, fixtureNormalizer(t)); err != nil {
		t.Fatal(err)
	}
}

func fixtureNormalizer(t *testing.T) *data.Normalizer {
	ds := &data.Dataset{Name: "fixture", N: 50, D: 4, Classes: 1, Y: make([]int32, 50)}
	for i := range 50 * 4 {
		ds.X = append(ds.X, float32(i%7)*float32(1+i%4)+float32(i%4)*10)
	}
	norm, err := data.FitNormalizer(data.NormStandardize, ds)
	if err != nil {
		t.Fatal(err)
	}
	return norm
}

// fixtureRows are 20 rows of 4 features in the fixture's units.
func fixtureRows() [][]float32 {
	r := rand.New(rand.NewPCG(7, 7))
	rows := make([][]float32, 20)
	for i := range rows {
		for range 4 {
			rows[i] = append(rows[i], float32(math.Round(r.Float64()*3000)/100)) // 0.00..30.00
		}
	}
	return rows
}

func rowsCSV(rows [][]float32) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		for j, v := range r {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// predicted is nnfc predict's answer for one row.
type predicted struct {
	label int
	probs []float64
}

// nnfcPredict runs nnfc predict on rows and parses its CSV.
func nnfcPredict(t *testing.T, modelPath string, rows [][]float32) []predicted {
	t.Helper()
	in := writeFile(t, filepath.Join(t.TempDir(), "rows.csv"), rowsCSV(rows))
	o := run(t, time.Minute, nil, "predict", "--model", modelPath, "--input", in)
	if o.code != 0 {
		t.Fatalf("nnfc predict: exit %d\n%s", o.code, o.stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(o.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []predicted
	for _, r := range recs[1:] {
		var p predicted
		p.label, _ = strconv.Atoi(r[1])
		for _, f := range r[2:] {
			v, _ := strconv.ParseFloat(f, 64)
			p.probs = append(p.probs, v)
		}
		out = append(out, p)
	}
	return out
}

// sameAsPredict checks a server's label and probabilities for row i
// against nnfc predict's: the label exactly, the probabilities to the 6
// significant digits predict prints (half a unit of the 6th digit, plus
// float32 rounding: a batch of other rows may round the last bit of a
// GEMM differently).
func sameAsPredict(t *testing.T, what string, i int, label int, probs []float64, want predicted) {
	t.Helper()
	if label != want.label {
		t.Errorf("%s row %d: label %d, nnfc predict says %d", what, i, label, want.label)
	}
	if len(probs) != len(want.probs) {
		t.Fatalf("%s row %d: %d probabilities, nnfc predict has %d", what, i, len(probs), len(want.probs))
	}
	for j, p := range probs {
		tol := 5e-6*math.Abs(want.probs[j]) + 1e-7
		if math.Abs(p-want.probs[j]) > tol {
			t.Errorf("%s row %d: p%d = %v, nnfc predict says %v", what, i, j, p, want.probs[j])
		}
	}
}

type v2Out struct {
	Name       string          `json:"name"`
	Datatype   string          `json:"datatype"`
	Shape      []int           `json:"shape"`
	Data       json.RawMessage `json:"data"`
	Parameters map[string]any  `json:"parameters"`
}

type v2Resp struct {
	ModelName    string  `json:"model_name"`
	ModelVersion string  `json:"model_version"`
	ID           string  `json:"id"`
	Outputs      []v2Out `json:"outputs"`
}

func v2JSON(rows [][]float32) []byte {
	var flat []float32
	for _, r := range rows {
		flat = append(flat, r...)
	}
	b, _ := json.Marshal(map[string]any{"id": "req-1", "inputs": []map[string]any{{"name": "input", "shape": []int{len(rows), len(rows[0])}, "datatype": "FP32", "data": flat}}})
	return b
}

// v2Binary is an OIP V2 request with the input as raw FP32 after the JSON
// header, and the header's length.
func v2Binary(rows [][]float32, params string) ([]byte, int) {
	var raw []byte
	for _, r := range rows {
		for _, v := range r {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
	}
	head := fmt.Sprintf(`{"inputs":[{"name":"input","shape":[%d,%d],"datatype":"FP32","parameters":{"binary_data_size":%d}}]%s}`, len(rows), len(rows[0]), len(raw), params)
	return append([]byte(head), raw...), len(head)
}

func parseV2(t *testing.T, a answer) (v2Resp, map[string][]float64) {
	t.Helper()
	if a.code != 200 {
		t.Fatalf("infer: %v", a)
	}
	body := a.body
	var bin []byte
	if h := a.header.Get("Inference-Header-Content-Length"); h != "" {
		n, _ := strconv.Atoi(h)
		body, bin = a.body[:n], a.body[n:]
	}
	var r v2Resp
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("infer answer %q: %v", body, err)
	}
	vals := map[string][]float64{}
	for _, o := range r.Outputs {
		if size, ok := o.Parameters["binary_data_size"]; ok {
			n := int(size.(float64))
			chunk := bin[:n]
			bin = bin[n:]
			if o.Datatype == "BYTES" {
				continue // strings: checked by the caller
			}
			for len(chunk) > 0 {
				switch o.Datatype {
				case "FP32":
					vals[o.Name] = append(vals[o.Name], float64(math.Float32frombits(binary.LittleEndian.Uint32(chunk))))
					chunk = chunk[4:]
				case "INT64":
					vals[o.Name] = append(vals[o.Name], float64(int64(binary.LittleEndian.Uint64(chunk))))
					chunk = chunk[8:]
				default:
					t.Fatalf("binary output %s of type %s", o.Name, o.Datatype)
				}
			}
			continue
		}
		if o.Datatype == "BYTES" {
			continue // strings: checked by the caller
		}
		var v []float64
		if err := json.Unmarshal(o.Data, &v); err != nil {
			t.Fatalf("output %s: %v", o.Name, err)
		}
		vals[o.Name] = v
	}
	if len(bin) != 0 {
		t.Fatalf("%d binary bytes left over", len(bin))
	}
	return r, vals
}

func fileSHA(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestServeEndpoints: every endpoint of a classifier and an autoencoder,
// JSON, binary, V1 and CSV, each classifier answer equal to nnfc predict's
// on the same rows.
func TestServeEndpoints(t *testing.T) {
	dir := t.TempDir()
	clf, ae := filepath.Join(dir, "clf.safetensors"), filepath.Join(dir, "ae.safetensors")
	saveClassifier(t, clf, 1)
	saveAutoencoder(t, ae)
	names := []string{"setosa", "versicolor", "virginica"}
	p := startServe(t, "--model", clf, "--model", "auto="+ae, "--class-names", "clf="+strings.Join(names, ","))
	rows := fixtureRows()
	want := nnfcPredict(t, clf, rows)

	for _, path := range []string{"/v2/health/live", "/v2/health/ready"} {
		if a := p.do("GET", path, nil); a.code != 200 || !strings.Contains(string(a.body), "true") {
			t.Errorf("GET %s: %v", path, a)
		}
	}
	var meta struct {
		Name     string           `json:"name"`
		Versions []string         `json:"versions"`
		Inputs   []map[string]any `json:"inputs"`
		Outputs  []map[string]any `json:"outputs"`
		Classes  []string         `json:"classes"`
		Spec     model.Spec       `json:"spec"`
		SHA256   string           `json:"sha256"`
	}
	a := p.do("GET", "/v2/models/clf", nil)
	if err := json.Unmarshal(a.body, &meta); err != nil || a.code != 200 {
		t.Fatalf("GET /v2/models/clf: %v (%v)", a, err)
	}
	if meta.SHA256 != fileSHA(t, clf) || meta.Versions[0] != meta.SHA256[:12] || strings.Join(meta.Classes, ",") != strings.Join(names, ",") || meta.Spec.InputDim != 4 ||
		len(meta.Inputs) != 1 || meta.Inputs[0]["name"] != "input" || len(meta.Outputs) != 3 || meta.Outputs[2]["name"] != "label_name" {
		t.Errorf("GET /v2/models/clf: %s", a.body)
	}

	// OIP V2, JSON.
	r, vals := parseV2(t, p.do("POST", "/v2/models/clf/infer", v2JSON(rows)))
	if r.ModelName != "clf" || r.ID != "req-1" || r.ModelVersion != meta.Versions[0] {
		t.Errorf("infer: model %q version %q id %q", r.ModelName, r.ModelVersion, r.ID)
	}
	for i := range rows {
		sameAsPredict(t, "v2 JSON", i, int(vals["label"][i]), vals["probabilities"][3*i:3*i+3], want[i])
	}
	// OIP V2, binary in and out.
	body, h := v2Binary(rows, `,"parameters":{"binary_data_output":true}`)
	a = p.do("POST", "/v2/models/clf/infer", body, "Inference-Header-Content-Length", strconv.Itoa(h), "Content-Type", "application/octet-stream")
	if a.header.Get("Inference-Header-Content-Length") == "" {
		t.Errorf("binary_data_output: no Inference-Header-Content-Length in the answer")
	}
	_, vals = parseV2(t, a)
	for i := range rows {
		sameAsPredict(t, "v2 binary", i, int(vals["label"][i]), vals["probabilities"][3*i:3*i+3], want[i])
	}
	// Binary in, one output asked for, as JSON.
	body, h = v2Binary(rows[:2], `,"outputs":[{"name":"label"}]`)
	r, vals = parseV2(t, p.do("POST", "/v2/models/clf/infer", body, "Inference-Header-Content-Length", strconv.Itoa(h)))
	if len(r.Outputs) != 1 || len(vals["label"]) != 2 || int(vals["label"][1]) != want[1].label {
		t.Errorf("outputs [label]: %+v", r)
	}

	// The class names, as JSON strings and as Triton's binary BYTES (a
	// 4-byte little-endian length before each).
	var jsonNames []string
	body, h = v2Binary(rows, `,"outputs":[{"name":"label_name"}]`)
	a = p.do("POST", "/v2/models/clf/infer", body, "Inference-Header-Content-Length", strconv.Itoa(h))
	var named struct{ Outputs []v2Out }
	if err := json.Unmarshal(a.body, &named); err != nil || len(named.Outputs) != 1 || named.Outputs[0].Datatype != "BYTES" ||
		json.Unmarshal(named.Outputs[0].Data, &jsonNames) != nil || len(jsonNames) != len(rows) {
		t.Fatalf("label_name as JSON: %v", a)
	}
	body, h = v2Binary(rows, `,"outputs":[{"name":"label"},{"name":"label_name","parameters":{"binary_data":true}}]`)
	a = p.do("POST", "/v2/models/clf/infer", body, "Inference-Header-Content-Length", strconv.Itoa(h))
	hl, _ := strconv.Atoi(a.header.Get("Inference-Header-Content-Length"))
	if a.code != 200 || hl == 0 {
		t.Fatalf("label_name: %v", a)
	}
	if err := json.Unmarshal(a.body[:hl], &named); err != nil || len(named.Outputs) != 2 || named.Outputs[1].Datatype != "BYTES" {
		t.Fatalf("label_name: %s (%v)", a.body[:hl], err)
	}
	bin := a.body[hl:]
	for i := range rows {
		if len(bin) < 4 {
			t.Fatalf("binary label_name: %d rows, want %d", i, len(rows))
		}
		n := int(binary.LittleEndian.Uint32(bin))
		got := string(bin[4 : 4+n])
		bin = bin[4+n:]
		if got != names[want[i].label] || jsonNames[i] != got {
			t.Errorf("row %d: label_name %q (binary), %q (JSON), want %q", i, got, jsonNames[i], names[want[i].label])
		}
	}

	// V1 JSON, at both paths, and CSV with a header row.
	inst, _ := json.Marshal(map[string]any{"instances": rows})
	for _, path := range []string{"/v1/models/clf/predict", "/v1/models/clf:predict"} {
		a = p.do("POST", path, inst)
		var v1 struct {
			Predictions []struct {
				Label int       `json:"label"`
				Probs []float64 `json:"probabilities"`
			} `json:"predictions"`
		}
		if err := json.Unmarshal(a.body, &v1); err != nil || a.code != 200 || len(v1.Predictions) != len(rows) {
			t.Fatalf("POST %s: %v", path, a)
		}
		for i, pr := range v1.Predictions {
			sameAsPredict(t, path, i, pr.Label, pr.Probs, want[i])
		}
	}
	a = p.do("POST", "/v1/models/clf/predict", append([]byte("a,b,c,d\n"), rowsCSV(rows)...), "Content-Type", "text/csv")
	var v1 struct {
		Predictions []struct {
			Label int       `json:"label"`
			Probs []float64 `json:"probabilities"`
		} `json:"predictions"`
	}
	if err := json.Unmarshal(a.body, &v1); err != nil || a.code != 200 || len(v1.Predictions) != len(rows) {
		t.Fatalf("CSV: %v", a)
	}
	for i, pr := range v1.Predictions {
		sameAsPredict(t, "CSV", i, pr.Label, pr.Probs, want[i])
	}

	// The autoencoder: reconstruction in the data's units and the code,
	// against the network run here on the same normalized rows.
	net, norm, err := model.Load[float32](ae)
	if err != nil {
		t.Fatal(err)
	}
	ds := &data.Dataset{Name: "rows", N: len(rows), D: 4}
	for _, r := range rows {
		ds.X = append(ds.X, r...)
	}
	if err := norm.Apply(ds); err != nil {
		t.Fatal(err)
	}
	x := &layers.Matrix[float32]{Rows: ds.N, Cols: 4, Data: ds.X}
	code := append([]float32(nil), net.Code(x).Data...)
	rec := net.Scores(x)
	r, vals = parseV2(t, p.do("POST", "/v2/models/auto/infer", v2JSON(rows)))
	if len(r.Outputs) != 2 || r.Outputs[0].Name != "reconstruction" || r.Outputs[1].Name != "code" {
		t.Fatalf("autoencoder outputs: %+v", r.Outputs)
	}
	for i, v := range rec.Data {
		j := i % 4
		w := float64(v/norm.Scale[j] + norm.Shift[j])
		if math.Abs(vals["reconstruction"][i]-w) > 1e-5*math.Max(1, math.Abs(w)) {
			t.Fatalf("reconstruction[%d] = %v, want %v", i, vals["reconstruction"][i], w)
		}
	}
	for i, v := range code {
		if math.Abs(vals["code"][i]-float64(v)) > 1e-6 {
			t.Fatalf("code[%d] = %v, want %v", i, vals["code"][i], v)
		}
	}

	// The metrics count what happened above.
	m := string(p.do("GET", "/metrics", nil).body)
	for _, series := range []string{
		`nnfc_serve_requests_total{code="200",endpoint="v2_infer"} 6`,
		`nnfc_serve_requests_total{code="200",endpoint="v1_predict"} 3`,
		`nnfc_serve_rows_total{model="clf"} 142`,
		`nnfc_serve_rows_total{model="auto"} 20`,
		`nnfc_serve_request_duration_seconds_count{endpoint="v2_infer"} 6`,
		`nnfc_serve_in_flight_requests 0`,
		`nnfc_serve_model_load_seconds{model="clf",version="` + meta.Versions[0] + `"}`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(m, series) {
			t.Errorf("/metrics has no %s", series)
		}
	}
}

// TestServeBatching: four single-row requests sent together go through
// one forward pass (the window is an hour, so only --max-batch 4 can end
// the batch), each answered with its own row's prediction.
func TestServeBatching(t *testing.T) {
	clf := filepath.Join(t.TempDir(), "clf.safetensors")
	saveClassifier(t, clf, 1)
	rows := fixtureRows()[:4]
	want := nnfcPredict(t, clf, rows)
	p := startServe(t, "--model", clf, "--batch-window", "1h", "--max-batch", "4")
	var wg sync.WaitGroup
	for i, r := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, vals := parseV2(t, p.do("POST", "/v2/models/clf/infer", v2JSON([][]float32{r})))
			sameAsPredict(t, "batched", i, int(vals["label"][0]), vals["probabilities"], want[i])
		}()
	}
	wg.Wait()
	if n, rows := p.metric(`nnfc_serve_batch_rows_count{model="clf"}`), p.metric(`nnfc_serve_batch_rows_sum{model="clf"}`); n != 1 || rows != 4 {
		t.Errorf("forward passes %v with %v rows, want 1 with 4", n, rows)
	}
}

// TestServeBadRequests: every class of bad request gets its 4xx and a
// one-line JSON error naming what was wrong, and the server keeps serving.
func TestServeBadRequests(t *testing.T) {
	clf := filepath.Join(t.TempDir(), "clf.safetensors")
	saveClassifier(t, clf, 1)
	p := startServe(t, "--model", clf, "--max-rows", "50", "--max-body", "64k", "--read-timeout", "2s")
	nan, h := v2Binary([][]float32{{1, 2, float32(math.NaN()), 4}}, "")
	short, hs := v2Binary([][]float32{{1, 2, 3, 4}}, "")
	big := bytes.Repeat([]byte("[1,2,3,4],"), 51)
	for _, c := range []struct {
		name, path, ctype string
		body              string
		headers           []string
		code              int
		want              string
	}{
		{"malformed JSON", "/v2/models/clf/infer", "", `{"inputs": [`, nil, 400, "malformed JSON"},
		{"wrong shape", "/v2/models/clf/infer", "", `{"inputs":[{"name":"input","shape":[1,5],"datatype":"FP32","data":[1,2,3,4,5]}]}`, nil, 400, "inputs[0].shape"},
		{"data not the shape", "/v2/models/clf/infer", "", `{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[1,2,3,4]}]}`, nil, 400, "shape [2 4] needs 8"},
		{"wrong datatype", "/v2/models/clf/infer", "", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"BYTES","data":["a","b","c","d"]}]}`, nil, 400, "inputs[0].datatype"},
		{"string in data", "/v2/models/clf/infer", "", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,"2",3,4]}]}`, nil, 400, "inputs[0].data[1]: expected a number, got a string"},
		{"unknown input", "/v2/models/clf/infer", "", `{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}`, nil, 400, `no input "x"`},
		{"unknown output", "/v2/models/clf/infer", "", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"logits"}]}`, nil, 400, `no output "logits"`},
		{"output twice", "/v2/models/clf/infer", "", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"label"},{"name":"label"}]}`, nil, 400, `outputs[1].name: "label" is asked for twice`},
		{"unknown field", "/v2/models/clf/infer", "", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"input":1}`, nil, 400, `unknown field "input"`},
		{"Inf as FP32", "/v2/models/clf/infer", "", `{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,1e39,4]}]}`, nil, 400, "1e39 is not a finite FP32 number"},
		{"NaN in binary data", "/v2/models/clf/infer", "", string(nan), []string{"Inference-Header-Content-Length", strconv.Itoa(h)}, 400, "row 0, column 2 is NaN"},
		{"binary data short", "/v2/models/clf/infer", "", string(short[:len(short)-1]), []string{"Inference-Header-Content-Length", strconv.Itoa(hs)}, 400, "binary data: 15 bytes"},
		{"header length too long", "/v2/models/clf/infer", "", `{}`, []string{"Inference-Header-Content-Length", "99"}, 400, "Inference-Header-Content-Length: 99"},
		{"unknown model", "/v2/models/nope/infer", "", `{}`, nil, 404, `no model "nope"; this server has "clf"`},
		{"unknown model v1", "/v1/models/nope/predict", "", `{}`, nil, 404, `no model "nope"`},
		{"unknown route", "/v3/whatever", "", `{}`, nil, 404, "no route POST /v3/whatever"},
		{"unknown columns (records)", "/v1/models/clf/predict", "", `{"instances":[{"sepal":1,"petal":2}]}`, nil, 400, "no table schema"},
		{"v1 row too short", "/v1/models/clf/predict", "", `{"instances":[[1,2,3,4],[1,2,3]]}`, nil, 400, "instances[1]: has 3 numbers, the model takes 4"},
		{"v1 no instances", "/v1/models/clf/predict", "", `{"rows":[[1,2,3,4]]}`, nil, 400, `unknown field "rows"`},
		{"CSV bad cell", "/v1/models/clf/predict", "text/csv", "1,2,3,4\n1,2,x,4\n", nil, 400, `CSV line 2, column 3: "x" is not a number`},
		{"CSV NaN", "/v1/models/clf/predict", "text/csv", "1,2,3,4\n1,2,NaN,4\n", nil, 400, `CSV line 2, column 3: "NaN" is not a finite`},
		{"CSV columns", "/v1/models/clf/predict", "text/csv", "1,2,3\n", nil, 400, "CSV line 1: 3 columns, model clf takes 4"},
		{"too many rows", "/v1/models/clf/predict", "", `{"instances":[` + string(big[:len(big)-1]) + `]}`, nil, 413, "more than 50 rows"},
		{"too many rows by shape", "/v2/models/clf/infer", "", `{"inputs":[{"name":"input","shape":[51,4],"datatype":"FP32","data":[]}]}`, nil, 413, "--max-rows 50"},
		{"body over --max-body", "/v1/models/clf/predict", "", `{"instances":[` + strings.Repeat("[1,2,3,4],", 7000) + `[1,2,3,4]]}`, nil, 413, "--max-body 65536"},
		{"unsupported media type", "/v1/models/clf/predict", "application/xml", `<x/>`, nil, 415, "Content-Type"},
		{"wrong method", "/v2/models/clf/infer", "GET", "", nil, 405, ""},
	} {
		method := "POST"
		var body []byte
		if c.ctype == "GET" {
			method, c.ctype = "GET", ""
		} else {
			body = []byte(c.body)
		}
		hdr := c.headers
		if c.ctype != "" {
			hdr = append(hdr, "Content-Type", c.ctype)
		}
		a := p.do(method, c.path, body, hdr...)
		if a.code != c.code {
			t.Errorf("%s: %v, want %d", c.name, a, c.code)
			continue
		}
		if c.want == "" {
			continue
		}
		var e struct{ Error string }
		if err := json.Unmarshal(a.body, &e); err != nil || bytes.Count(bytes.TrimSpace(a.body), []byte("\n")) != 0 || !strings.Contains(e.Error, c.want) {
			t.Errorf("%s: %v, want a one-line JSON error containing %q", c.name, a, c.want)
		}
	}

	// A 1 GB body, declared: refused before it is read.
	conn := dial(t, p.url)
	fmt.Fprintf(conn, "POST /v1/models/clf/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"instances\":[", 1<<30)
	if code, msg := readAnswer(t, conn); code != 413 || !strings.Contains(msg, "1073741824 bytes, more than the server's --max-body") {
		t.Errorf("1 GB body: %d %s", code, msg)
	}
	// A 1 GB body streamed without a length (chunked): cut at --max-body.
	conn = dial(t, p.url)
	fmt.Fprintf(conn, "POST /v1/models/clf/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
	go func(conn net.Conn) {
		chunk := fmt.Sprintf("%x\r\n%s\r\n", 1<<16, bytes.Repeat([]byte("1"), 1<<16))
		for range (1 << 30) >> 16 {
			if _, err := io.WriteString(conn, chunk); err != nil {
				return // the server closed the connection: expected
			}
		}
	}(conn)
	if code, msg := readAnswer(t, conn); code != 413 || !strings.Contains(msg, "more than the server's --max-body 65536 bytes") {
		t.Errorf("1 GB chunked body: %d %s", code, msg)
	}
	// A slow client: headers, then part of the body, then nothing.
	conn = dial(t, p.url)
	fmt.Fprintf(conn, "POST /v1/models/clf/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"instances\":")
	if code, msg := readAnswer(t, conn); code != 408 || !strings.Contains(msg, "--read-timeout") {
		t.Errorf("slow client: %d %s", code, msg)
	}

	// Still serving, and the errors are counted by code.
	if a := p.do("POST", "/v1/models/clf/predict", []byte(`{"instances":[[1,2,3,4]]}`)); a.code != 200 {
		t.Errorf("after the bad requests: %v", a)
	}
	for code, n := range map[string]float64{"400": 19, "404": 3, "405": 1, "408": 1, "413": 5, "415": 1} {
		if got := p.metric(`nnfc_serve_errors_total{code="` + code + `"}`); got != n {
			t.Errorf("errors with code %s: %v, want %v", code, got, n)
		}
	}
}

func dial(t *testing.T, url string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readAnswer reads one HTTP answer from conn: its status and body.
func readAnswer(t *testing.T, conn net.Conn) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeWriteTimeout: a client that sends a request and does not read
// its answer holds the server's write no longer than --write-timeout.
// The answer is larger than the connection can buffer (over three times
// the kernel's largest TCP send buffer, the client's receive buffer set
// to 4 KiB), so the handler can only return, and the request be
// counted, once the write is cut; the test waits for that count (an
// event, not a clock), and the server then answers the next client.
// (The cut answer is not read: its buffered megabytes would crawl
// through 4 KiB windows.)
func TestServeWriteTimeout(t *testing.T) {
	dir := t.TempDir()
	clf := filepath.Join(dir, "clf.safetensors")
	saveClassifier(t, clf, 1)
	wmem := 4 << 20 // Linux's default largest send buffer
	if b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 3 {
			if v, err := strconv.Atoi(f[2]); err == nil {
				wmem = v
			}
		}
	}
	rows := 3 * wmem / 40 // each answer row is over 40 bytes of JSON
	p := startServe(t, "--model", clf, "--max-rows", strconv.Itoa(rows), "--write-timeout", "2s")
	body := `{"instances":[` + strings.Repeat("[1,2,3,4],", rows-1) + "[1,2,3,4]]}"

	conn := dial(t, p.url)
	if err := conn.(*net.TCPConn).SetReadBuffer(4096); err != nil { // no receive-buffer autotuning
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v1/models/clf/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	p.waitMetric(`nnfc_serve_requests_total{code="200",endpoint="v1_predict"}`, 1) // its handler has returned
	if got := p.metric("nnfc_serve_in_flight_requests"); got != 0 {
		t.Fatalf("in flight after the cut answer: %v", got)
	}
	conn.Close()
	if a := p.do("POST", "/v1/models/clf/predict", []byte(`{"instances":[[1,2,3,4]]}`)); a.code != 200 {
		t.Fatalf("after the cut answer: %v", a)
	}
}

// TestServeToken: with --token-file, a request without the token, or
// with another, gets 401 and nothing else; a non-loopback address without
// a token file is refused at start.
func TestServeToken(t *testing.T) {
	dir := t.TempDir()
	clf := filepath.Join(dir, "clf.safetensors")
	saveClassifier(t, clf, 1)
	tok := writeFile(t, filepath.Join(dir, "token"), []byte("s3cret-token\n"))
	p := startServe(t, "--model", clf, "--token-file", tok)
	for _, c := range []struct {
		path   string
		header []string
		code   int
	}{
		{"/v2/health/ready", nil, 401},
		{"/metrics", nil, 401},
		{"/v2/models/clf", []string{"Authorization", "Bearer wrong"}, 401},
		{"/v2/models/clf", []string{"Authorization", "s3cret-token"}, 401},
		{"/v2/models/clf", []string{"Authorization", "Bearer s3cret-token"}, 200},
	} {
		a := p.do("GET", c.path, nil, c.header...)
		if a.code != c.code {
			t.Errorf("GET %s %v: %v, want %d", c.path, c.header, a, c.code)
		}
		if c.code == 401 && (!strings.Contains(string(a.body), `"error":"Authorization: bearer token`) || strings.Contains(string(a.body), "clf")) {
			t.Errorf("GET %s %v: %s, want only the 401 error", c.path, c.header, a.body)
		}
	}
	if a := p.do("POST", "/v1/models/clf/predict", []byte(`{"instances":[[1,2,3,4]]}`), "Authorization", "Bearer s3cret-token"); a.code != 200 {
		t.Errorf("predict with the token: %v", a)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, 2, "not a loopback address: give --token-file"},
		{[]string{"--class-names", "clf=a,b"}, 1, "--class-names clf: 2 class names given, the model has 3 classes"},
		{[]string{"--class-names", "other=a,b,c"}, 2, `no --model is named "other"`},
		{[]string{"--max-rows", "0"}, 2, "--max-rows: must be > 0"},
	} {
		o := run(t, time.Minute, nil, append([]string{"serve", "--model", clf}, c.args...)...)
		if o.code != c.code || !strings.Contains(o.stderr, c.want) || strings.Count(strings.TrimSpace(o.stderr), "\n") != 0 {
			t.Errorf("serve %v: exit %d, %q; want exit %d and one line with %q", c.args, o.code, o.stderr, c.code, c.want)
		}
	}
}

// TestServeReloadUnderLoad: while clients keep asking, the model file is
// replaced and SIGHUP reloads it; then a corrupted file is refused and
// the new model keeps serving. Every answer is a 200 whose outputs are
// those of the version it names.
func TestServeReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	saveClassifier(t, path, 1)
	alt := filepath.Join(dir, "alt.safetensors")
	saveClassifier(t, alt, 2)
	rows := fixtureRows()
	want := map[string][]predicted{fileSHA(t, path)[:12]: nnfcPredict(t, path, rows), fileSHA(t, alt)[:12]: nnfcPredict(t, alt, rows)}
	p := startServe(t, "--model", path)

	stop := make(chan struct{})
	seen := make(chan string, 100000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				i := (c*7 + k) % len(rows)
				a, err := p.try("POST", "/v2/models/m/infer", v2JSON(rows[i:i+1]))
				var r v2Resp
				if err == nil && a.code == 200 {
					err = json.Unmarshal(a.body, &r)
				} else if err == nil {
					err = fmt.Errorf("%v", a)
				}
				var label []int
				var probs []float64
				if err == nil {
					json.Unmarshal(r.Outputs[1].Data, &label)
					json.Unmarshal(r.Outputs[0].Data, &probs)
					w, ok := want[r.ModelVersion]
					switch {
					case !ok:
						err = fmt.Errorf("unknown version %q", r.ModelVersion)
					case label[0] != w[i].label:
						err = fmt.Errorf("version %s row %d: label %d, want %d", r.ModelVersion, i, label[0], w[i].label)
					}
					for j := range probs {
						if err == nil && math.Abs(probs[j]-w[i].probs[j]) > 5e-6*w[i].probs[j]+1e-7 {
							err = fmt.Errorf("version %s row %d: p%d %v, want %v", r.ModelVersion, i, j, probs[j], w[i].probs[j])
						}
					}
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				select {
				case seen <- r.ModelVersion:
				case <-stop:
					return
				}
			}
		}()
	}
	old, next := fileSHA(t, path)[:12], fileSHA(t, alt)[:12]
	waitVersion := func(v string) {
		t.Helper()
		for got := range seen {
			if got == v {
				return
			}
		}
	}
	waitVersion(old)
	if err := os.Rename(alt, path); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLine("reload model m: version " + next)
	waitVersion(next)
	// A corrupted file (one byte of the weights flipped): refused.
	b, _ := os.ReadFile(path)
	b[len(b)-3] ^= 0x40
	writeFile(t, path+".tmp", b)
	os.Rename(path+".tmp", path)
	p.cmd.Process.Signal(syscall.SIGHUP)
	if l := p.waitLine("reload model m:"); !strings.Contains(l, "refused, still serving version "+next) || !strings.Contains(l, "checksum") {
		t.Errorf("reload of a corrupted file: %q", l)
	}
	// A file of another shape: refused too.
	spec := model.Spec{InputDim: 5, Hidden: []int{4}, Activations: []string{"relu"}, Classes: 3, Loss: "softmax", Init: "he"}
	other, _ := model.New[float32](spec, rand.New(rand.NewPCG(1, 1)))
	if err := model.Save(path, other, nil); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	if l := p.waitLine("reload model m:"); !strings.Contains(l, "refused, still serving version "+next) || !strings.Contains(l, "inputs [{input FP32 [-1 5]}] differ") {
		t.Errorf("reload of a model with another input: %q", l)
	}
	// Answers after the refusals still come from the new version.
	drain := len(seen)
	for range drain {
		<-seen
	}
	waitVersion(next)
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Errorf("%d failed requests during the reloads, first: %s", len(failures), failures[0])
	}
	if v := p.metric(`nnfc_serve_reloads_total{model="m",result="refused"}`); v != 2 {
		t.Errorf("refused reloads: %v, want 2", v)
	}
}

// TestServeShutdown: requests held in a batch (the window is an hour)
// when SIGTERM comes are all answered in full, the one over
// --max-concurrent got 429, new connections are refused, and nnfc exits 0.
func TestServeShutdown(t *testing.T) {
	clf := filepath.Join(t.TempDir(), "clf.safetensors")
	saveClassifier(t, clf, 1)
	rows := fixtureRows()
	want := nnfcPredict(t, clf, rows)
	const k = 5
	p := startServe(t, "--model", clf, "--batch-window", "1h", "--max-batch", "1000", "--max-concurrent", strconv.Itoa(k))
	type result struct {
		i int
		a answer
		e error
	}
	results := make(chan result, k)
	for i := range k {
		go func() {
			a, err := p.try("POST", "/v1/models/clf/predict", mustJSON(map[string]any{"instances": rows[i*4 : i*4+4]}))
			results <- result{i, a, err}
		}()
	}
	p.waitMetric("nnfc_serve_in_flight_requests", k)
	if a := p.do("POST", "/v1/models/clf/predict", []byte(`{"instances":[[1,2,3,4]]}`)); a.code != 429 || !strings.Contains(string(a.body), "--max-concurrent is 5") {
		t.Errorf("request over --max-concurrent: %v", a)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	for range k {
		r := <-results
		if r.e != nil || r.a.code != 200 {
			t.Errorf("request %d in flight at shutdown: %v %v", r.i, r.a, r.e)
			continue
		}
		var v1 struct {
			Predictions []struct {
				Label int       `json:"label"`
				Probs []float64 `json:"probabilities"`
			} `json:"predictions"`
		}
		if err := json.Unmarshal(r.a.body, &v1); err != nil || len(v1.Predictions) != 4 {
			t.Errorf("request %d: half an answer? %v (%v)", r.i, r.a, err)
			continue
		}
		for j, pr := range v1.Predictions {
			sameAsPredict(t, "at shutdown", r.i*4+j, pr.Label, pr.Probs, want[r.i*4+j])
		}
	}
	if code := p.exit(); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	if !strings.Contains(p.log.String(), "shut down cleanly") {
		t.Errorf("no 'shut down cleanly' line")
	}
	if _, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://")); err == nil {
		t.Errorf("a connection was accepted after the shutdown")
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// TestServePythonClient: a Python client using only the standard library
// (urllib) posts an OIP V2 request in the format KServe documents and
// gets nnfc predict's labels.
func TestServePythonClient(t *testing.T) {
	clf := filepath.Join(t.TempDir(), "clf.safetensors")
	saveClassifier(t, clf, 1)
	rows := fixtureRows()[:3]
	want := nnfcPredict(t, clf, rows)
	p := startServe(t, "--model", clf)
	cmd := exec.Command("python3", filepath.Join("testdata", "oip_client.py"), p.url, "clf", string(mustJSON(rows)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 oip_client.py: %v\n%s", err, out)
	}
	var got struct {
		Labels []int       `json:"labels"`
		Probs  [][]float64 `json:"probabilities"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python client printed %q: %v", out, err)
	}
	if len(got.Labels) != len(rows) {
		t.Fatalf("python client: %s", out)
	}
	for i := range rows {
		sameAsPredict(t, "python", i, got.Labels[i], got.Probs[i], want[i])
	}
}

// TestServeStoredClassNames: a model whose data source names its classes
// (Fashion-MNIST, cut to its first images) is served with those names
// without --class-names: the metadata lists them, the label_name output
// exists, and each row's label_name is the class nnfc predict prints for
// the same row. The twin: an MNIST-like model of unnamed classes has no
// label_name output.
func TestServeStoredClassNames(t *testing.T) {
	dir := t.TempDir()
	fm := filepath.Join(dir, "fashion-mnist")
	cutIDX(t, filepath.Join(repoRoot, "data", "fashion-mnist"), fm)
	cfg := writeFile(t, filepath.Join(dir, "fm.yaml"), []byte(fmt.Sprintf(`seed: 1
data: {source: fashion-mnist, dir: %s, val_count: 500}
model: {hidden: [8]}
optimizer: {rule: adam, lr: 0.01}
train: {epochs: 1, batch_size: 128, out_dir: %s}
`, fm, filepath.Join(dir, "run"))))
	if o := run(t, 2*time.Minute, nil, "train", "--config", cfg, "--progress", "none"); o.code != 0 {
		t.Fatalf("nnfc train: exit %d\n%s", o.code, o.stderr)
	}
	modelPath := filepath.Join(dir, "run", "model.safetensors")
	ds, err := data.ReadIDXImages(filepath.Join(fm, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]float32
	for i := range 6 {
		rows = append(rows, ds.X[i*784:(i+1)*784])
	}
	in := writeFile(t, filepath.Join(dir, "rows.csv"), rowsCSV(rows))
	o := run(t, time.Minute, nil, "predict", "--model", modelPath, "--input", in)
	if o.code != 0 {
		t.Fatalf("nnfc predict: exit %d\n%s", o.code, o.stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(o.stdout)).ReadAll()
	if err != nil || len(recs) != len(rows)+1 {
		t.Fatalf("nnfc predict: %d records, %v:\n%s", len(recs), err, o.stdout)
	}

	p := startServe(t, "--model", "fm="+modelPath)
	var meta struct {
		Classes []string         `json:"classes"`
		Outputs []map[string]any `json:"outputs"`
	}
	if err := json.Unmarshal(p.do("GET", "/v2/models/fm", nil).body, &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Classes) != 10 || meta.Classes[0] != "T-shirt/top" || meta.Classes[9] != "Ankle boot" ||
		len(meta.Outputs) != 3 || meta.Outputs[2]["name"] != "label_name" {
		t.Fatalf("metadata: classes %q, outputs %v; want Fashion-MNIST's 10 names and a label_name output", meta.Classes, meta.Outputs)
	}
	r, _ := parseV2(t, p.do("POST", "/v2/models/fm/infer", v2JSON(rows)))
	var names []string
	for _, out := range r.Outputs {
		if out.Name == "label_name" {
			if err := json.Unmarshal(out.Data, &names); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(names) != len(rows) {
		t.Fatalf("label_name: %q, want %d names", names, len(rows))
	}
	for i, rec := range recs[1:] {
		if names[i] != rec[1] {
			t.Errorf("row %d: label_name %q, nnfc predict says %q", i, names[i], rec[1])
		}
	}

	// The twin: classes without names, no label_name.
	plain := filepath.Join(dir, "plain.safetensors")
	saveClassifier(t, plain, 1)
	q := startServe(t, "--model", "plain="+plain)
	var meta2 struct {
		Classes any              `json:"classes"`
		Outputs []map[string]any `json:"outputs"`
	}
	if err := json.Unmarshal(q.do("GET", "/v2/models/plain", nil).body, &meta2); err != nil {
		t.Fatal(err)
	}
	if len(meta2.Outputs) != 2 {
		t.Fatalf("a model of unnamed classes: outputs %v, classes %v; want probabilities and label only", meta2.Outputs, meta2.Classes)
	}
}
