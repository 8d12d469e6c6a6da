package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nnfc/nnfc/internal/config"
	"github.com/nnfc/nnfc/internal/sweep"
	"github.com/nnfc/nnfc/internal/train"
)

// TestSweepReport prepares a 2×2 grid sweep, trains its trials in this
// process (as the local executor would in subprocesses) and checks the
// page: every trial ranked by validation accuracy, the search plot, the
// curves, a link to a trial's own report.
func TestSweepReport(t *testing.T) {
	chromiumPath(t) // fail early, before training
	tmp := t.TempDir()
	base := filepath.Join(tmp, "base.yaml")
	if err := os.WriteFile(base, []byte(tinySpiral), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(tmp, "sweep.yaml")
	if err := os.WriteFile(file, []byte(`name: tiny
base: base.yaml
set: {train.epochs: 8}
method: grid
space:
  optimizer.lr: [0.05, 1.0]
  model.reg: [0.0001, 0.01]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := sweep.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "sweep")
	m, err := sweep.Prepare(s, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildSweep(dir, Options{}); err != nil {
		t.Fatalf("a sweep before any trial ran: %v", err)
	}
	for _, mt := range m.Trials {
		td := filepath.Join(dir, "trials", mt.Dir)
		c, err := config.LoadStored(filepath.Join(td, "config.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		c.Train.OutDir = td
		if _, err := train.Start(context.Background(), c, train.Options{Progress: "none"}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(td, sweep.StatusFile), []byte(`{"state":"exited","exit_code":0,"executor":"local"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tab, err := sweep.Results(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(tab.Best.Dir, "", Options{}); err != nil {
		t.Fatal(err)
	}
	p, err := BuildSweep(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 4 || p.Counts != "4 done" || p.Best == nil || p.Best.Index != tab.Best.Index {
		t.Fatalf("rows %d, counts %q, best %+v; want 4 done trials, best %d", len(p.Rows), p.Counts, p.Best, tab.Best.Index)
	}
	for i, r := range p.Rows {
		if r.Rank != i+1 || r.Index != tab.Trials[i].Index || len(r.Values) != 2 {
			t.Errorf("row %d: rank %d, trial %d, values %v; the table has trial %d there", i, r.Rank, r.Index, r.Values, tab.Trials[i].Index)
		}
		if (r.Report != "") != (r.Index == tab.Best.Index) {
			t.Errorf("trial %d: report link %q; only the best trial has a report", r.Index, r.Report)
		}
	}
	if p.Search == "" || p.Curves == "" {
		t.Errorf("search plot %v, curves %v: want both", p.Search != "", p.Curves != "")
	}
	var b bytes.Buffer
	if err := RenderSweep(&b, p); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if m := external.FindString(html); m != "" {
		t.Errorf("the sweep page would fetch or run something: %q", m)
	}
	for _, want := range []string{`id="trials"`, `id="search"`, `id="curves"`, `href="` + p.Best.Report + `"`, "<code>" + p.Best.Params[0] + "</code>", "<th>model.reg</th>"} {
		if !strings.Contains(html, want) {
			t.Errorf("the sweep page lacks %q", want)
		}
	}
	// In the browser: offline, silent, every section there.
	path, err := WriteSweep(dir, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := openInChromium(t, path)
	if save := os.Getenv("NNFC_REPORT_SHOTS"); save != "" {
		writePNG(t, filepath.Join(save, "report-sweep.png"), r.shot)
	}
	for _, msg := range r.console {
		t.Errorf("console message: %s", msg)
	}
	for _, u := range r.requests {
		t.Errorf("network request: %s", u)
	}
	for _, id := range []string{"summary", "trials", "trial-table", "search", "curves"} {
		if !strings.Contains(r.dom, `id="`+id+`"`) {
			t.Errorf("the sweep page's DOM has no element id=%q", id)
		}
	}
	if n := strings.Count(r.dom, `src="data:image/png;base64,`); n != 2 {
		t.Errorf("the sweep page's DOM has %d embedded PNGs, want 2 (search plot, curves)", n)
	}
	if h := r.shot.Bounds().Dy(); h < 1000 || h > r.height-100 {
		t.Errorf("sweep screenshot content is %d px tall: want the whole page, between 1000 and %d", h, r.height-100)
	}

	if _, err := BuildSweep(tmp, Options{}); err == nil || !strings.Contains(err.Error(), "not a sweep directory (no sweep.json)") {
		t.Errorf("not a sweep directory: err = %v", err)
	}
}
