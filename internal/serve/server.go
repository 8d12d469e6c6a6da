package serve

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nnfc/nnfc/internal/sysinfo"
)

// Config is everything a server is started with. Zero values take the
// defaults in Defaults.
type Config struct {
	Models    []ModelRef
	Precision string // "" (each file's own), float32 or float64
	// Token, when not empty, is the bearer token every request must carry.
	Token string
	// MaxBody is the largest request body in bytes.
	MaxBody int64
	// MaxRows is the most rows one request may hold.
	MaxRows int
	// MaxConcurrent is the most inference requests answered at once;
	// more get 429.
	MaxConcurrent int
	// BatchWindow is how long the batcher waits for more requests after
	// the first of a batch (0: it takes what is queued, as Triton's
	// dynamic batcher with max_queue_delay 0 does).
	BatchWindow time.Duration
	// MaxBatch is the most rows of one forward pass made of several
	// requests.
	MaxBatch int
	// Workers is how many forward passes run at once, each on its own OS
	// thread with its own copy of every network (0: 1).
	Workers int
	// ReadTimeout bounds reading a request (headers and body); a slower
	// client gets 408. WriteTimeout bounds answering it.
	ReadTimeout, WriteTimeout time.Duration
	// ShutdownTimeout is how long a shutdown waits for requests in flight.
	ShutdownTimeout time.Duration
	// Log receives one line per event (start, reload, shutdown).
	Log io.Writer
}

// Defaults are the values a zero Config field takes.
var Defaults = Config{
	MaxBody:         64 << 20,
	MaxRows:         10000,
	MaxConcurrent:   256,
	MaxBatch:        256,
	ReadTimeout:     30 * time.Second,
	WriteTimeout:    30 * time.Second,
	ShutdownTimeout: 30 * time.Second,
}

func (c *Config) setDefaults() {
	d := Defaults
	if c.MaxBody <= 0 {
		c.MaxBody = d.MaxBody
	}
	if c.MaxRows <= 0 {
		c.MaxRows = d.MaxRows
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = d.MaxConcurrent
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = d.MaxBatch
	}
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = d.ReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = d.WriteTimeout
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// Server answers inference requests for a set of models.
type Server struct {
	cfg     Config
	models  atomic.Pointer[map[string]*Model]
	reload  sync.Mutex // one reload at a time
	batch   *batcher
	metrics *metrics
	slots   chan struct{} // MaxConcurrent tokens
	ready   atomic.Bool
	log     *log.Logger
}

// New loads every model of cfg; any model that fails to load is an error.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if len(cfg.Models) == 0 {
		return nil, errors.New("serve: no model to serve (--model)")
	}
	s := &Server{cfg: cfg, metrics: newMetrics(), slots: make(chan struct{}, cfg.MaxConcurrent),
		log: log.New(cfg.Log, "", log.LstdFlags|log.LUTC)}
	s.batch = newBatcher(cfg.BatchWindow, cfg.MaxBatch, cfg.Workers, s.metrics)
	ms := map[string]*Model{}
	for _, ref := range cfg.Models {
		if _, dup := ms[ref.Name]; dup {
			return nil, fmt.Errorf("--model: two models named %q (give one a name: --model NAME=PATH)", ref.Name)
		}
		m, err := LoadModel(ref, cfg.Precision)
		if err == nil {
			err = m.replicate(cfg.Workers)
		}
		if err != nil {
			return nil, fmt.Errorf("--model %s: %w", ref.Path, err)
		}
		ms[ref.Name] = m
		s.metrics.loaded(m)
		s.log.Printf("model %s: %s (%s, %s, sha256 %s) loaded in %v", m.Name, m.Path, m.Spec, m.Precision, m.SHA256, m.LoadTime.Round(time.Microsecond))
	}
	s.models.Store(&ms)
	s.ready.Store(true)
	return s, nil
}

// Models returns the models serving now, by name.
func (s *Server) Models() map[string]*Model { return *s.models.Load() }

// Reload reloads every model from its file. Each is swapped in whole
// (requests already holding the old one finish on it); a file that fails
// to load (integrity, shape, anything) is refused and its model keeps
// serving the old one. It returns the refusals.
func (s *Server) Reload() error {
	s.reload.Lock()
	defer s.reload.Unlock()
	old := s.Models()
	next := make(map[string]*Model, len(old))
	var errs []error
	for _, ref := range s.cfg.Models {
		m, err := LoadModel(ref, s.cfg.Precision)
		if err == nil {
			err = sameShape(old[ref.Name], m)
		}
		if err == nil {
			err = m.replicate(s.cfg.Workers)
		}
		if err != nil {
			next[ref.Name] = old[ref.Name]
			s.metrics.reloads.WithLabelValues(ref.Name, "refused").Inc()
			s.log.Printf("reload model %s: refused, still serving version %s: %v", ref.Name, old[ref.Name].Version, err)
			errs = append(errs, fmt.Errorf("model %s: %w", ref.Name, err))
			continue
		}
		next[ref.Name] = m
		s.metrics.reloads.WithLabelValues(ref.Name, "ok").Inc()
		s.metrics.loaded(m)
		s.log.Printf("reload model %s: version %s (sha256 %s) loaded in %v, was %s", m.Name, m.Version, m.SHA256, m.LoadTime.Round(time.Microsecond), old[ref.Name].Version)
	}
	s.models.Store(&next)
	return errors.Join(errs...)
}

// sameShape checks that a reloaded model takes and answers what the one
// it replaces did: clients built against a model's metadata keep working
// across a reload, and changing a model's shape takes a restart.
func sameShape(old, m *Model) error {
	describe := func(ts []TensorMeta) string { return fmt.Sprint(ts) }
	if a, b := describe(old.Inputs()), describe(m.Inputs()); a != b {
		return fmt.Errorf("%s: its inputs %s differ from the serving model's %s (restart the server to change them)", m.Path, b, a)
	}
	if a, b := describe(old.Outputs()), describe(m.Outputs()); a != b {
		return fmt.Errorf("%s: its outputs %s differ from the serving model's %s (restart the server to change them)", m.Path, b, a)
	}
	return nil
}

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: the listener closes, requests in flight are answered (the
// batcher stops waiting for more rows), and Serve returns once they are,
// or when ShutdownTimeout has passed (then with an error). The forward
// passes run on the calling goroutine.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: min(s.cfg.ReadTimeout, 10*time.Second),
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var err error
		select {
		case <-ctx.Done():
		case err = <-serveErr:
		}
		s.ready.Store(false)
		close(s.batch.flush)
		s.log.Printf("shutting down: answering the requests in flight (at most %v)", s.cfg.ShutdownTimeout)
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		defer cancel()
		if e := hs.Shutdown(sctx); e != nil {
			hs.Close()
			err = errors.Join(err, fmt.Errorf("shutdown: requests still in flight after %v: %w", s.cfg.ShutdownTimeout, e))
		}
		close(stop)
		done <- err
	}()
	s.batch.run(stop)
	err := <-done
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		s.log.Printf("shut down cleanly")
		return nil
	}
	return err
}

// Handler is the server's HTTP routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/health/live", s.health("live", func() bool { return true }))
	mux.HandleFunc("GET /v2/health/ready", s.health("ready", s.ready.Load))
	mux.HandleFunc("GET /v2", s.serverMetadata)
	mux.HandleFunc("GET /v2/models/{name}", s.modelMetadata)
	mux.HandleFunc("GET /v2/models/{name}/ready", s.modelReady)
	mux.HandleFunc("POST /v2/models/{name}/infer", s.inference("v2_infer", s.inferV2))
	mux.HandleFunc("POST /v1/models/{name}/predict", s.inference("v1_predict", s.predictV1))
	metrics := s.metrics.handler()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) { metrics.ServeHTTP(w, r) })
	predict := s.inference("v1_predict", s.predictV1)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// KServe's V1 path, /v1/models/NAME:predict (a mux pattern's
		// wildcard is a whole segment, so it is matched here).
		if name, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v1/models/"), ":predict"); ok && r.Method == http.MethodPost &&
			strings.HasPrefix(r.URL.Path, "/v1/models/") && name != "" && !strings.Contains(name, "/") {
			r.SetPathValue("name", name)
			predict(w, r)
			return
		}
		if allow := allowed(r.URL.Path); allow != "" {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, allow))
			return
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s (see nnfc serve --help for the endpoints)", r.Method, r.URL.Path))
	})
	return s.authenticate(s.count(mux))
}

// authenticate answers 401 to a request without the bearer token.
func (s *Server) authenticate(next http.Handler) http.Handler {
	if s.cfg.Token == "" {
		return next
	}
	want := []byte("Bearer " + s.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="nnfc"`)
			what := "missing"
			if len(got) > 0 {
				what = "wrong"
			}
			writeError(w, http.StatusUnauthorized, "Authorization: bearer token "+what+" (the server was started with --token-file)")
			s.metrics.answered("unauthorized", http.StatusUnauthorized, 0)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return w.ResponseWriter.Write(b)
}

// count records every request's endpoint, status and latency, and turns
// a handler's panic into a 500 (the server keeps serving).
func (s *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Printf("panic answering %s %s: %v\n%s", r.Method, r.URL.Path, p, debug.Stack())
				if sw.code == 0 {
					writeError(sw, http.StatusInternalServerError, fmt.Sprintf("internal error: %v", p))
				}
			}
			s.metrics.answered(endpointOf(r), sw.code, time.Since(t0))
		}()
		next.ServeHTTP(sw, r)
	})
}

// allowed returns the method a known path takes ("" for an unknown path).
func allowed(p string) string {
	switch {
	case strings.HasPrefix(p, "/v2/models/") && strings.HasSuffix(p, "/infer"),
		strings.HasPrefix(p, "/v1/models/") && (strings.HasSuffix(p, "/predict") || strings.HasSuffix(p, ":predict")):
		return http.MethodPost
	case strings.HasPrefix(p, "/v2/health/"), strings.HasPrefix(p, "/v2/models/"), p == "/v2", p == "/metrics":
		return http.MethodGet
	}
	return ""
}

func endpointOf(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/v2/health/"):
		return "health"
	case strings.HasSuffix(p, "/infer"):
		return "v2_infer"
	case strings.HasSuffix(p, "predict"):
		return "v1_predict"
	case strings.HasPrefix(p, "/v2/models/"):
		return "v2_model"
	case p == "/metrics":
		return "metrics"
	case p == "/v2":
		return "v2_server"
	}
	return "other"
}

// writeError answers {"error": msg} with code: one line, as OIP V2
// answers errors.
func writeError(w http.ResponseWriter, code int, msg string) {
	msg = strings.Join(strings.Fields(msg), " ")
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Del("Inference-Header-Content-Length")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

func (s *Server) health(what string, ok func() bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !ok() {
			writeError(w, http.StatusServiceUnavailable, "not "+what+": shutting down")
			return
		}
		writeJSON(w, map[string]bool{what: true})
	}
}

func (s *Server) serverMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"name": "nnfc", "version": sysinfo.GetBuild().Version, "extensions": []string{"binary_tensor_data"}})
}

// model finds the model of the request's {name}, answering 404 if none.
func (s *Server) model(w http.ResponseWriter, r *http.Request) *Model {
	name := r.PathValue("name")
	m := s.Models()[name]
	if m == nil {
		var names []string
		for n := range s.Models() {
			names = append(names, strconv.Quote(n))
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("no model %q; this server has %s", name, strings.Join(names, ", ")))
	}
	return m
}

// modelMetadata answers OIP V2's model metadata, with nnfc's additions:
// the spec, the classes, the file's SHA-256 and when it was loaded.
func (s *Server) modelMetadata(w http.ResponseWriter, r *http.Request) {
	m := s.model(w, r)
	if m == nil {
		return
	}
	classes := any(m.Classes)
	if m.Classes == nil && m.Spec.Classes > 0 {
		classes = m.Spec.Classes
	}
	writeJSON(w, map[string]any{
		"name":       m.Name,
		"versions":   []string{m.Version},
		"platform":   "nnfc",
		"inputs":     m.Inputs(),
		"outputs":    m.Outputs(),
		"classes":    classes,
		"spec":       m.Spec,
		"sha256":     m.SHA256,
		"path":       m.Path,
		"precision":  m.Precision,
		"loaded_at":  m.LoadedAt.UTC().Format(time.RFC3339Nano),
		"load_secs":  m.LoadTime.Seconds(),
		"batch_rows": s.cfg.MaxBatch,
		"max_rows":   s.cfg.MaxRows,
	})
}

func (s *Server) modelReady(w http.ResponseWriter, r *http.Request) {
	if m := s.model(w, r); m != nil {
		writeJSON(w, map[string]any{"name": m.Name, "ready": s.ready.Load()})
	}
}

// inference wraps an inference handler: the concurrency cap, the in-flight
// gauge, the body limit and read (408 for a slow client, 413 for too
// large), and the model lookup.
func (s *Server) inference(endpoint string, h func(http.ResponseWriter, *http.Request, *Model, []byte, *phases)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.slots <- struct{}{}:
			defer func() { <-s.slots }()
		default:
			writeError(w, http.StatusTooManyRequests, fmt.Sprintf("too many concurrent requests (the server's --max-concurrent is %d); retry later", s.cfg.MaxConcurrent))
			return
		}
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		m := s.model(w, r)
		if m == nil {
			return
		}
		if r.ContentLength > s.cfg.MaxBody {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: %d bytes, more than the server's --max-body %d", r.ContentLength, s.cfg.MaxBody))
			return
		}
		s.batch.active.Add(1)
		defer s.batch.active.Add(-1)
		ph := &phases{obs: s.metrics.phaseOf[endpoint], t: time.Now()}
		// A binary request's tensors start after its JSON header: the
		// body is placed so that they are 8-byte aligned, to be used in
		// place (float32View).
		align := 0
		if hl, err := strconv.Atoi(r.Header.Get("Inference-Header-Content-Length")); err == nil && hl > 0 {
			align = hl
		}
		body, buf, err := readBody(w, r, s.cfg.MaxBody, align)
		defer bodies.put(buf)
		ph.done("read")
		if err != nil {
			var mb *http.MaxBytesError
			var ne net.Error
			switch {
			case errors.As(err, &mb):
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: more than the server's --max-body %d bytes", s.cfg.MaxBody))
			case errors.As(err, &ne) && ne.Timeout():
				writeError(w, http.StatusRequestTimeout, fmt.Sprintf("body: not received within the server's --read-timeout %v", s.cfg.ReadTimeout))
			default:
				writeError(w, http.StatusBadRequest, fmt.Sprintf("body: %v", err))
			}
			return
		}
		h(w, r, m, body, ph)
	}
}

// phases times the phases of one inference request (see metrics.phase).
type phases struct {
	obs map[string]prometheus.Observer
	t   time.Time
}

func (p *phases) done(phase string) {
	now := time.Now()
	p.obs[phase].Observe(now.Sub(p.t).Seconds())
	p.t = now
}

// readBody reads the request body (at most max bytes) into a buffer of
// the size its Content-Length declares, placed so that body[align:]
// starts 8-byte aligned. Bodies of 64 KiB or more are read into buffers
// kept for the next request (bodies): a 1,000-row MNIST request is 3 MB,
// which is then not allocated (and zeroed, and collected) per request.
// buf is what to hand back to bodies.put once nothing refers to the body any
// more (nil for an unpooled one).
func readBody(w http.ResponseWriter, r *http.Request, max int64, align int) (body []byte, buf *[]byte, err error) {
	rd := http.MaxBytesReader(w, r.Body, max)
	pad := (8 - align%8) % 8
	if n := r.ContentLength; n >= 0 {
		buf = bodies.get(pad + int(n))
		body = (*buf)[pad : pad+int(n)]
		if k, err := io.ReadFull(rd, body); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				err = fmt.Errorf("%d bytes received, Content-Length says %d", k, n)
			}
			return nil, buf, err
		}
		return body, buf, nil
	}
	b := make([]byte, pad, pad+512)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		k, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+k]
		if errors.Is(err, io.EOF) {
			return b[pad:], nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// pool keeps buffers of min values or more for later requests: request
// bodies (a 1,000-row MNIST request is 3 MB), the rows a JSON or CSV
// request decodes to (784,000 float32) and JSON responses, which are then
// not allocated (and zeroed, and collected) per request.
type pool[T any] struct {
	min int
	p   sync.Pool // of *[]T, each of min values or more
}

// get returns an empty buffer for n or more values: a kept one when
// n ≥ min and one large enough is at hand.
func (p *pool[T]) get(n int) *[]T {
	if n >= p.min {
		if b, _ := p.p.Get().(*[]T); b != nil && cap(*b) >= n {
			*b = (*b)[:0]
			return b
		}
	}
	b := make([]T, 0, n)
	return &b
}

// put keeps buf for a later request (nil and small buffers are left to
// the garbage collector).
func (p *pool[T]) put(buf *[]T) {
	if buf != nil && cap(*buf) >= p.min {
		p.p.Put(buf)
	}
}

// pooledBody is the smallest body, or JSON response, kept for later
// requests; row buffers are kept from the same 64 KiB.
const pooledBody = 64 << 10

var (
	bodies     = &pool[byte]{min: pooledBody}
	rowBuffers = &pool[float32]{min: pooledBody / 4}
	responses  = &pool[byte]{min: pooledBody}
)

// run puts the request's normalized rows through the batcher, answering
// 500 if the forward pass failed.
func (s *Server) run(w http.ResponseWriter, m *Model, req *request) ([]Tensor, bool) {
	j := &job{m: m, x: req.x, x64: req.x64, n: req.n}
	s.batch.submit(j)
	if j.err != nil {
		writeError(w, http.StatusInternalServerError, j.err.Error())
		return nil, false
	}
	s.metrics.rows.WithLabelValues(m.Name).Add(float64(req.n))
	return j.out, true
}

func answerDecodeError(w http.ResponseWriter, err error) {
	var br *badRequest
	if errors.As(err, &br) {
		writeError(w, br.code, br.msg)
		return
	}
	writeError(w, http.StatusBadRequest, err.Error())
}

func (s *Server) inferV2(w http.ResponseWriter, r *http.Request, m *Model, body []byte, ph *phases) {
	headerLen := -1
	if h := r.Header.Get("Inference-Header-Content-Length"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Inference-Header-Content-Length: %q is not a byte count", h))
			return
		}
		headerLen = n
	} else if ct := mediaType(r); !jsonType(ct) {
		writeError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type: %q; /v2 inference takes application/json, or the binary extension with an Inference-Header-Content-Length header", ct))
		return
	}
	req, err := decodeV2(body, headerLen, m, s.cfg.MaxRows)
	if err != nil {
		answerDecodeError(w, err)
		return
	}
	defer req.release()
	if r, c, v, ok := m.prepareRequest(req); !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("inputs[0]: row %d, column %d is %v: inputs must be finite numbers", r, c, v))
		return
	}
	ph.done("decode")
	out, ok := s.run(w, m, req)
	ph.done("wait")
	if !ok {
		return
	}
	defer ph.done("write")
	buf := responses.get(responseSize(m, req, out))
	defer responses.put(buf)
	resp, h := encodeV2(*buf, m, req, out)
	*buf = resp[:0]
	if h >= 0 {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Inference-Header-Content-Length", strconv.Itoa(h))
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
	w.Write(resp)
}

// jsonType reports whether a body of media type ct is read as JSON: an
// explicit application/json, none, or what curl -d sends by default
// (application/x-www-form-urlencoded) and text/plain.
func jsonType(ct string) bool {
	switch ct {
	case "", "application/json", "application/x-www-form-urlencoded", "text/plain":
		return true
	}
	return false
}

func mediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

func (s *Server) predictV1(w http.ResponseWriter, r *http.Request, m *Model, body []byte, ph *phases) {
	var req *request
	var err error
	switch ct := mediaType(r); ct {
	case "text/csv":
		req, err = decodeCSV(body, m, s.cfg.MaxRows)
	default:
		if !jsonType(ct) {
			writeError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type: %q; /v1 predict takes application/json or text/csv", ct))
			return
		}
		req, err = decodeV1(body, m, s.cfg.MaxRows)
	}
	if err != nil {
		answerDecodeError(w, err)
		return
	}
	defer req.release()
	if r, c, v, ok := m.prepareRequest(req); !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("instances: row %d, column %d is %v: inputs must be finite numbers", r, c, v))
		return
	}
	ph.done("decode")
	out, ok := s.run(w, m, req)
	ph.done("wait")
	if !ok {
		return
	}
	defer ph.done("write")
	buf := responses.get(responseSize(m, req, out))
	defer responses.put(buf)
	resp := encodeV1(*buf, req, out)
	*buf = resp[:0]
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
	w.Write(resp)
}

// IsLoopback reports whether addr (host:port) listens on loopback only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
