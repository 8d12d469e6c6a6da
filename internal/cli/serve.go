package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/serve"
	"github.com/nnfc/nnfc/pkg/limits"
)

// ServeOptions are nnfc serve's flags.
type ServeOptions struct {
	IO              IO
	Context         context.Context
	Models          []string
	ClassNames      []string
	Addr            string
	TokenFile       string
	Precision       string
	MaxBody         string
	MaxRows         int
	MaxConcurrent   int
	BatchWindow     time.Duration
	MaxBatch        int
	Workers         int
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	ShutdownTimeout time.Duration
	// OneThread runs the forward passes on one BLAS thread (nnfc's
	// --threads was not given).
	OneThread bool
}

func newCmdServe(io IO, runF func(*ServeOptions) error) *cobra.Command {
	o := &ServeOptions{IO: io}
	d := serve.Defaults
	cmd := &cobra.Command{
		Use:   "serve --model FILE [--model NAME=FILE ...] [--addr HOST:PORT]",
		Short: "Serve models over HTTP: Open Inference Protocol V2, a simple JSON/CSV predict, Prometheus metrics",
		Long: `Serve one or more model files over HTTP (Go's net/http), until SIGINT or
SIGTERM: then the listener closes, requests in flight are answered (within
--shutdown-timeout) and nnfc exits 0. SIGHUP reloads every model from its
file; a file that fails its integrity or shape checks is refused and the
model it would replace keeps serving. Requests in flight during a reload
finish on the model they started with.

Endpoints ({name} is the model's name: NAME of --model NAME=FILE, else the
file's base name without extension, or the run directory's name):

  POST /v2/models/{name}/infer   Open Inference Protocol V2 (KServe, Triton),
                                 JSON or Triton's binary tensor data extension
                                 (Inference-Header-Content-Length); input
                                 "input" [rows, features] FP32 or FP64; outputs
                                 probabilities, label (and label_name) for a
                                 classifier, reconstruction and code for an
                                 autoencoder
  POST /v1/models/{name}/predict {"instances": [[...], ...]} or a text/csv body;
                                 answers {"predictions": [{...}, ...]} (also at
                                 KServe's /v1/models/{name}:predict)
  GET  /v2/health/live, /v2/health/ready, /v2, /v2/models/{name}
  GET  /metrics                  Prometheus text format

Requests arriving together go through one forward pass (--batch-window,
--max-batch); the answers are the same as nnfc predict's. A bad request gets
a 4xx and a one-line JSON {"error": "..."}; the server keeps serving. The
forward passes run on one BLAS thread unless nnfc's --threads is given:
the other cores read, decode and answer requests meanwhile.

The address is loopback by default. A non-loopback address needs
--token-file: every request must then carry "Authorization: Bearer TOKEN"
(TOKEN is the file's content, trimmed), else 401. The server prints
"nnfc serve: listening on http://HOST:PORT" on stderr once it accepts
connections (--addr 127.0.0.1:0 picks a free port).

  curl -s localhost:8080/v1/models/mnist-swish/predict -H 'Content-Type: text/csv' --data-binary @rows.csv`,
		Example: `  nnfc serve --model runs/mnist-swish/model.safetensors
  nnfc serve --model mnist=runs/mnist-swish --model spiral=runs/spiral-7 --addr 127.0.0.1:9000
  head -c 24 /dev/urandom | base64 > token && nnfc serve --model runs/mnist-swish --addr 0.0.0.0:8080 --token-file token
  nnfc serve --model runs/mnist-swish --batch-window 1ms --max-batch 128 --max-rows 5000
  nnfc serve --model digits=runs/mnist-swish --class-names digits=zero,one,two,three,four,five,six,seven,eight,nine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Context = cmd.Context()
			if f := cmd.Flag("threads"); f == nil || !f.Changed {
				o.OneThread = true
			}
			if runF != nil {
				return runF(o)
			}
			return runServe(o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Models, "model", nil, "model file or run directory to serve, as FILE or NAME=FILE (repeat for several)")
	f.StringArrayVar(&o.ClassNames, "class-names", nil, "NAME=a,b,c: names of model NAME's classes, in class order (adds the label_name output; repeat per model)")
	f.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	f.StringVar(&o.TokenFile, "token-file", "", "file holding the bearer token every request must carry (required for a non-loopback --addr)")
	f.StringVar(&o.Precision, "precision", "", "compute in float32 or float64 (default: the precision each model was saved in)")
	f.StringVar(&o.MaxBody, "max-body", limits.Format(float64(d.MaxBody)), "largest request body (e.g. 64M); larger gets 413")
	f.IntVar(&o.MaxRows, "max-rows", d.MaxRows, "most rows in one request; more gets 413")
	f.IntVar(&o.MaxConcurrent, "max-concurrent", d.MaxConcurrent, "most inference requests answered at once; more get 429")
	f.DurationVar(&o.BatchWindow, "batch-window", d.BatchWindow, "how long a forward pass waits for more requests to batch with (0: batch only what is already queued)")
	f.IntVar(&o.MaxBatch, "max-batch", d.MaxBatch, "most rows in a forward pass made of several requests (a larger request runs alone)")
	f.IntVar(&o.Workers, "workers", 0, "forward passes that run at once, each on its own thread and copy of the network (0: one per CPU on one BLAS thread each; 1 with --threads)")
	f.DurationVar(&o.ReadTimeout, "read-timeout", d.ReadTimeout, "time to receive a request (headers and body); a slower client gets 408")
	f.DurationVar(&o.WriteTimeout, "write-timeout", d.WriteTimeout, "time to answer a request once its headers are read")
	f.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", d.ShutdownTimeout, "on SIGINT/SIGTERM, how long to wait for requests in flight")
	return cmd
}

func runServe(o *ServeOptions) error {
	if len(o.Models) == 0 {
		return usageError{errors.New("serve: --model FILE is required")}
	}
	maxBody, err := limits.Parse(strings.ReplaceAll(o.MaxBody, " ", ""))
	if err != nil {
		return usageError{fmt.Errorf("--max-body: %v", err)}
	}
	for _, c := range []struct {
		flag string
		v    int
	}{{"--max-rows", o.MaxRows}, {"--max-concurrent", o.MaxConcurrent}, {"--max-batch", o.MaxBatch}} {
		if c.v <= 0 {
			return usageError{fmt.Errorf("%s: must be > 0, got %d", c.flag, c.v)}
		}
	}
	for _, c := range []struct {
		flag string
		v    time.Duration
	}{{"--read-timeout", o.ReadTimeout}, {"--write-timeout", o.WriteTimeout}, {"--shutdown-timeout", o.ShutdownTimeout}} {
		if c.v <= 0 {
			return usageError{fmt.Errorf("%s: must be > 0, got %v", c.flag, c.v)}
		}
	}
	if o.Workers < 0 {
		return usageError{fmt.Errorf("--workers: must be ≥ 0 (0: one per CPU), got %d", o.Workers)}
	}
	if o.BatchWindow < 0 {
		return usageError{fmt.Errorf("--batch-window: must be ≥ 0, got %v", o.BatchWindow)}
	}
	switch o.Precision {
	case "", "float32", "float64":
	default:
		return usageError{fmt.Errorf("--precision: must be float32 or float64, got %q", o.Precision)}
	}
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		return usageError{fmt.Errorf("--addr %q: expected HOST:PORT (e.g. 127.0.0.1:8080)", o.Addr)}
	}
	token := ""
	if o.TokenFile != "" {
		b, err := os.ReadFile(o.TokenFile)
		if err != nil {
			return fmt.Errorf("--token-file: %v", err)
		}
		if token = strings.TrimSpace(string(b)); token == "" || strings.ContainsAny(token, " \t\r\n") {
			return fmt.Errorf("--token-file %s: expected one token (no spaces), got %d bytes", o.TokenFile, len(b))
		}
	} else if !serve.IsLoopback(o.Addr) {
		return usageError{fmt.Errorf("--addr %s is not a loopback address: give --token-file so that only clients with the token are answered", o.Addr)}
	}
	workers := o.Workers
	if workers == 0 {
		workers = 1
		if o.OneThread {
			workers = runtime.GOMAXPROCS(0)
		}
	}
	cfg := serve.Config{Precision: o.Precision, Token: token, MaxBody: maxBody, MaxRows: o.MaxRows,
		MaxConcurrent: o.MaxConcurrent, BatchWindow: o.BatchWindow, MaxBatch: o.MaxBatch, Workers: workers,
		ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout, ShutdownTimeout: o.ShutdownTimeout, Log: o.IO.ErrOut}
	names := map[string][]string{}
	for _, c := range o.ClassNames {
		model, list, ok := strings.Cut(c, "=")
		if !ok || model == "" || list == "" {
			return usageError{fmt.Errorf("--class-names %q: expected NAME=a,b,c (NAME: a --model's name)", c)}
		}
		if _, dup := names[model]; dup {
			return usageError{fmt.Errorf("--class-names: model %q named twice", model)}
		}
		names[model] = strings.Split(list, ",")
	}
	seen := map[string]bool{}
	for _, s := range o.Models {
		ref, err := serve.ParseModelRef(s)
		if err != nil {
			return usageError{err}
		}
		if seen[ref.Name] {
			return usageError{fmt.Errorf("--model: two models named %q (name one: --model NAME=FILE)", ref.Name)}
		}
		seen[ref.Name] = true
		ref.Classes = names[ref.Name]
		delete(names, ref.Name)
		cfg.Models = append(cfg.Models, ref)
	}
	for model := range names {
		return usageError{fmt.Errorf("--class-names %s=...: no --model is named %q", model, model)}
	}
	if o.OneThread {
		// One BLAS thread for the forward passes, the other core for
		// reading, decoding and answering requests meanwhile: on this
		// 2-vCPU machine (loaded) single-row requests went 2.3-3.9×
		// and 1,000-row binary ones 1.5-2.5× faster than with 2 OpenMP
		// threads, whose barriers wait for a descheduled thread.
		if err := blasbackend.Init(1); err != nil {
			return err
		}
	}
	srv, err := serve.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %v", o.Addr, err)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			srv.Reload() // logs each model's outcome
		}
	}()
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	fmt.Fprintf(o.IO.ErrOut, "nnfc serve: forward passes on %d worker(s) of %d BLAS thread(s), %s\n", workers, blasbackend.Threads(), blasbackend.Name())
	fmt.Fprintf(o.IO.ErrOut, "nnfc serve: listening on http://%s\n", ln.Addr())
	return srv.Serve(ctx, ln)
}
