package serve

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is what GET /metrics shows, in Prometheus's text format. It
// uses Prometheus's own Go client (one registry per server, not the
// global one): the exposition format, histogram buckets and the process
// collector (resident memory, open files: what a soak test watches) are
// the reference implementation's, not a hand-written copy.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	errors    *prometheus.CounterVec
	rows      *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	batchRows *prometheus.HistogramVec
	forward   *prometheus.HistogramVec
	loadTime  *prometheus.GaugeVec
	loadedAt  *prometheus.GaugeVec
	reloads   *prometheus.CounterVec
	phase     *prometheus.HistogramVec
	// phaseOf holds the phase histograms of each inference endpoint,
	// looked up once (WithLabelValues hashes its labels at every call).
	phaseOf map[string]map[string]prometheus.Observer
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nnfc_serve_requests_total", Help: "HTTP requests answered, by endpoint and status code.",
		}, []string{"endpoint", "code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nnfc_serve_errors_total", Help: "Requests answered with a 4xx or 5xx status, by status code.",
		}, []string{"code"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nnfc_serve_rows_total", Help: "Rows (samples) answered, by model.",
		}, []string{"model"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nnfc_serve_request_duration_seconds",
			Help:    "Time from the request's headers to its answer, by endpoint.",
			Buckets: []float64{.0002, .0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5},
		}, []string{"endpoint"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "nnfc_serve_in_flight_requests", Help: "Inference requests being answered now.",
		}),
		batchRows: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nnfc_serve_batch_rows",
			Help:    "Rows per forward pass (requests batched together), by model.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096},
		}, []string{"model"}),
		forward: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nnfc_serve_forward_seconds",
			Help:    "Time of one forward pass, by model.",
			Buckets: []float64{.00005, .0001, .0002, .0005, .001, .002, .005, .01, .02, .05, .1},
		}, []string{"model"}),
		loadTime: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "nnfc_serve_model_load_seconds", Help: "Time the model's last (re)load took.",
		}, []string{"model", "version"}),
		loadedAt: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "nnfc_serve_model_loaded_timestamp_seconds", Help: "When the model serving now was loaded (Unix time).",
		}, []string{"model"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nnfc_serve_reloads_total", Help: "Model reloads (SIGHUP), by model and result (ok, refused).",
		}, []string{"model", "result"}),
	}
	m.phase = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "nnfc_serve_phase_seconds",
		Help: "Where an inference request's time goes, by endpoint and phase: read (the body off the network), " +
			"decode (parse and check), wait (queued for the batcher and its forward pass), write (encode and send the answer).",
		Buckets: []float64{.00005, .0001, .0002, .0005, .001, .002, .005, .01, .02, .05, .1, .2, .5},
	}, []string{"endpoint", "phase"})
	m.phaseOf = map[string]map[string]prometheus.Observer{}
	for _, ep := range []string{"v2_infer", "v1_predict"} {
		m.phaseOf[ep] = map[string]prometheus.Observer{}
		for _, ph := range []string{"read", "decode", "wait", "write"} {
			m.phaseOf[ep][ph] = m.phase.WithLabelValues(ep, ph)
		}
	}
	m.reg.MustRegister(m.requests, m.errors, m.rows, m.latency, m.inFlight, m.batchRows, m.forward,
		m.loadTime, m.loadedAt, m.reloads, m.phase,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) answered(endpoint string, code int, d time.Duration) {
	c := strconv.Itoa(code)
	m.requests.WithLabelValues(endpoint, c).Inc()
	if code >= 400 {
		m.errors.WithLabelValues(c).Inc()
	}
	m.latency.WithLabelValues(endpoint).Observe(d.Seconds())
}

func (m *metrics) batch(model string, rows int, d time.Duration) {
	m.batchRows.WithLabelValues(model).Observe(float64(rows))
	m.forward.WithLabelValues(model).Observe(d.Seconds())
}

func (m *metrics) loaded(mod *Model) {
	m.loadTime.DeletePartialMatch(prometheus.Labels{"model": mod.Name})
	m.loadTime.WithLabelValues(mod.Name, mod.Version).Set(mod.LoadTime.Seconds())
	m.loadedAt.WithLabelValues(mod.Name).Set(float64(mod.LoadedAt.UnixNano()) / 1e9)
}
