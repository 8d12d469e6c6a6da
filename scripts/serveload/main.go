// Command serveload is nnfc serve's load generator: C concurrent clients
// send requests of R MNIST test rows to a server on the loopback
// interface, until N requests are answered or the duration has passed,
// and it prints throughput and latency percentiles. It refuses any
// address that is not loopback.
//
//	go run ./scripts/serveload --url http://127.0.0.1:8080 --model mnist --mode v2-binary --rows 1000 --clients 2 --requests 300
//	go run ./scripts/serveload --eval runs/mnist/model.safetensors   # nnfc eval's rows/s, same code, same batch
//
// Modes: v2-json (OIP V2, JSON), v2-binary (OIP V2, binary tensor data in
// and out), v1-json ({"instances": ...}). --rate paces the requests (an
// open loop at that many requests/s, for a soak at a fraction of the
// capacity); without it each client sends its next request when the
// last is answered. The request bodies are encoded before the clock
// starts. The client shares the machine with the server: on 2 vCPUs its
// own CPU time is part of what is measured.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nnfc/nnfc/internal/blasbackend"
	"github.com/nnfc/nnfc/internal/train"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/model"
)

func main() {
	var (
		base     = flag.String("url", "", "server base URL (loopback only)")
		name     = flag.String("model", "mnist", "model name")
		mode     = flag.String("mode", "v2-binary", "v2-json, v2-binary or v1-json")
		rows     = flag.Int("rows", 1, "rows per request")
		clients  = flag.Int("clients", 32, "concurrent clients")
		requests = flag.Int("requests", 10000, "stop after this many requests")
		duration = flag.Duration("duration", 30*time.Second, "stop after this long")
		warmup   = flag.Int("warmup", 0, "requests sent (and not counted) before the measurement")
		rate     = flag.Float64("rate", 0, "requests per second in all (0: as fast as answered)")
		mnist    = flag.String("data", "data/mnist", "MNIST directory (its t10k images are the rows)")
		token    = flag.String("token", "", "bearer token")
		eval     = flag.String("eval", "", "instead: time nnfc eval's forward pass (train.Evaluator) of this model file on the MNIST test set")
		evalSecs = flag.Float64("eval-seconds", 3, "with --eval: measure for at least this long")
		evalThr  = flag.Int("eval-threads", 0, "with --eval: BLAS threads (0: the default, as nnfc eval without --threads)")
		srvPID   = flag.Int("server-pid", 0, "also report this (server) process's CPU time per counted request, from /proc/PID/stat")
	)
	flag.Parse()
	if *eval != "" {
		if err := timeEval(*eval, *mnist, *evalSecs, *evalThr); err != nil {
			fail(err)
		}
		return
	}
	u, err := url.Parse(*base)
	if err != nil || u.Host == "" {
		fail(fmt.Errorf("--url %q: expected http://127.0.0.1:PORT", *base))
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fail(fmt.Errorf("--url %s: load tests go to the loopback interface only", *base))
	}
	if *rows < 1 || *clients < 1 || *requests < 1 || *duration <= 0 {
		fail(fmt.Errorf("--rows, --clients, --requests and --duration must be positive"))
	}
	ds, err := data.ReadIDXImages(filepath.Join(*mnist, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		fail(err)
	}
	// 16 distinct bodies, cycled.
	var bodies []body
	for k := range 16 {
		lo := (k * *rows) % max(1, ds.N-*rows)
		b, err := encode(*mode, ds, lo, *rows)
		if err != nil {
			fail(err)
		}
		bodies = append(bodies, b)
	}
	target := fmt.Sprintf("%s/v2/models/%s/infer", strings.TrimRight(*base, "/"), *name)
	if *mode == "v1-json" {
		target = fmt.Sprintf("%s/v1/models/%s/predict", strings.TrimRight(*base, "/"), *name)
	}
	tr := &http.Transport{MaxIdleConns: *clients, MaxIdleConnsPerHost: *clients, DisableCompression: true}
	cl := &http.Client{Transport: tr, Timeout: time.Minute}
	send := func(b body) (time.Duration, error) {
		req, _ := http.NewRequest("POST", target, bytes.NewReader(b.data))
		req.Header.Set("Content-Type", "application/json")
		if b.header >= 0 {
			req.Header.Set("Content-Type", "application/octet-stream")
			req.Header.Set("Inference-Header-Content-Length", strconv.Itoa(b.header))
		}
		if *token != "" {
			req.Header.Set("Authorization", "Bearer "+*token)
		}
		t0 := time.Now()
		resp, err := cl.Do(req)
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != 200 || n == 0 {
			return 0, fmt.Errorf("status %d, %d bytes", resp.StatusCode, n)
		}
		return d, nil
	}
	for i := range *warmup {
		if _, err := send(bodies[i%len(bodies)]); err != nil {
			fail(fmt.Errorf("warm-up: %v", err))
		}
	}

	load0 := loadavg()
	srv0, _ := procCPU(*srvPID)
	cli0 := selfCPU()
	var next, errs atomic.Int64
	lat := make([][]time.Duration, *clients)
	var firstErr atomic.Value
	stop := time.Now().Add(*duration)
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	t0 := time.Now()
	var wg sync.WaitGroup
	for c := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(*requests) || time.Now().After(stop) {
					return
				}
				if *rate > 0 {
					// Request i is due at t0 + i/rate: an open loop that
					// catches up when it falls behind (a ticker drops the
					// ticks nobody was ready for: at load 20-30 it sent
					// 1,254 of 3,200 requests/s).
					due := t0.Add(time.Duration(float64(i) * float64(time.Second) / *rate))
					if due.After(stop) {
						return
					}
					time.Sleep(time.Until(due))
				}
				d, err := send(bodies[i%int64(len(bodies))])
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lat[c] = append(lat[c], d)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(t0)
	srv1, srvErr := procCPU(*srvPID)
	cli1 := selfCPU()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return math.NaN()
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / 1e6
	}
	out := map[string]any{
		"mode": *mode, "rows_per_request": *rows, "clients": *clients, "rate": *rate,
		"requests_ok": len(all), "errors": errs.Load(), "seconds": round(wall.Seconds()),
		"requests_per_s": round(float64(len(all)) / wall.Seconds()),
		"rows_per_s":     round(float64(len(all)**rows) / wall.Seconds()),
		"p50_ms":         round(pct(0.50)), "p90_ms": round(pct(0.90)), "p99_ms": round(pct(0.99)), "max_ms": round(pct(1)),
		"loadavg_before": load0, "loadavg_after": loadavg(),
		"request_bytes": len(bodies[0].data),
	}
	if len(all) > 0 {
		// CPU time per counted request (errors are sent too; a run
		// with errors is not a measurement anyway).
		out["client_cpu_ms_per_request"] = round3(1e3 * (cli1 - cli0) / float64(len(all)))
		if *srvPID > 0 && srvErr == nil {
			out["server_cpu_ms_per_request"] = round3(1e3 * (srv1 - srv0) / float64(len(all)))
		}
	}
	if e := firstErr.Load(); e != nil {
		out["first_error"] = e
	}
	b, _ := json.Marshal(out)
	fmt.Println("SERVELOAD " + string(b))
}

// body is one encoded request: the bytes, and the JSON header's length
// for a binary request (-1 for JSON).
type body struct {
	data   []byte
	header int
}

func encode(mode string, ds *data.Dataset, lo, n int) (body, error) {
	x := ds.X[lo*ds.D : (lo+n)*ds.D]
	switch mode {
	case "v2-binary":
		raw := make([]byte, 0, 4*len(x))
		for _, v := range x {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
		head := fmt.Sprintf(`{"inputs":[{"name":"input","shape":[%d,%d],"datatype":"FP32","parameters":{"binary_data_size":%d}}],"parameters":{"binary_data_output":true}}`, n, ds.D, len(raw))
		return body{append([]byte(head), raw...), len(head)}, nil
	case "v2-json", "v1-json":
		var b bytes.Buffer
		if mode == "v2-json" {
			fmt.Fprintf(&b, `{"inputs":[{"name":"input","shape":[%d,%d],"datatype":"FP32","data":[`, n, ds.D)
		} else {
			b.WriteString(`{"instances":[`)
		}
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for j, v := range x[i*ds.D : (i+1)*ds.D] {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
			}
			b.WriteByte(']')
		}
		if mode == "v2-json" {
			b.WriteString("]}]}")
		} else {
			b.WriteString("]}")
		}
		return body{b.Bytes(), -1}, nil
	}
	return body{}, fmt.Errorf("--mode %q: expected v2-json, v2-binary or v1-json", mode)
}

// timeEval runs nnfc eval's evaluator (batch 1000, as nnfc eval's
// default) over the normalized MNIST test set until at least secs have
// passed, on one OS thread as nnfc does, and prints its rows/s.
func timeEval(path, mnist string, secs float64, threads int) error {
	if err := blasbackend.Init(threads); err != nil {
		return err
	}
	net, norm, err := model.Load[float32](path)
	if err != nil {
		return err
	}
	ds, err := data.LoadMNIST(mnist, "test")
	if err != nil {
		return err
	}
	if norm != nil {
		if err := norm.Apply(ds); err != nil {
			return err
		}
	}
	load0 := loadavg()
	var n int
	var wall time.Duration
	blasbackend.OnPoolThread(func() {
		ev := &train.Evaluator[float32]{Net: net, Batch: 1000}
		ev.Evaluate(ds, nil, false) // warm-up
		t0 := time.Now()
		for time.Since(t0).Seconds() < secs {
			ev.Evaluate(ds, nil, false)
			n += ds.N
		}
		wall = time.Since(t0)
	})
	b, _ := json.Marshal(map[string]any{"eval_rows_per_s": round(float64(n) / wall.Seconds()), "rows": n, "seconds": round(wall.Seconds()),
		"threads": blasbackend.Threads(), "loadavg_before": load0, "loadavg_after": loadavg()})
	fmt.Println("EVAL " + string(b))
	return nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func round(v float64) float64 { return math.Round(v*100) / 100 }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// procCPU is the user + system CPU seconds process pid has used (its
// /proc/PID/stat utime and stime, in clock ticks of 1/100 s: Linux's
// USER_HZ on every architecture Go supports).
func procCPU(pid int) (float64, error) {
	if pid <= 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, utime 14, stime 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	s, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	return (u + s) / 100, nil
}

// selfCPU is this process's user + system CPU seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "serveload:", err)
	os.Exit(1)
}
