package train

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time         { return c.t }
func (c *fakeClock) add(d time.Duration)    { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock              { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func visible(s string) string               { return strings.NewReplacer("\r", "", "\x1b[K", "").Replace(s) }
func lastFrame(s string) string             { f := strings.Split(s, "\r"); return visible(f[len(f)-1]) }
func columns(s string) int                  { return utf8.RuneCountInString(s) }
func steps(p progress, c *fakeClock, n int) { stepsFrom(p, c, 0, n) }
func stepsFrom(p progress, c *fakeClock, from, n int) {
	for i := from; i < n; i++ {
		c.add(10 * time.Millisecond)
		p.step((i+1)*100, 0.5)
	}
}

// TestBarFitsTerminal: at every width the line stays narrower than the
// terminal (it must never wrap, or each redraw scrolls a line), with no
// newline; 60 columns still show a bar, the loss, the rate and both ETAs.
func TestBarFitsTerminal(t *testing.T) {
	for _, width := range []int{20, 40, 60, 80, 200} {
		var buf bytes.Buffer
		c := newFakeClock()
		p := &barProgress{w: &buf, width: func() int { return width }, m: meter{now: c.now}}
		p.start(12, 400, 60000, 0)
		steps(p, c, 300)
		out := buf.String()
		if strings.Contains(out, "\n") {
			t.Fatalf("width %d: the bar printed a newline", width)
		}
		for _, frame := range strings.Split(out, "\r")[1:] {
			if n := columns(visible(frame)); n >= width {
				t.Errorf("width %d: a %d-column frame %q", width, n, visible(frame))
			}
		}
		last := lastFrame(out)
		if width == 60 {
			for _, want := range []string{"epoch 12/400 [", "#", "loss 0.5000", "/s", "run "} {
				if !strings.Contains(last, want) {
					t.Errorf("60 columns: %q lacks %q", last, want)
				}
			}
		}
		p.end()
		if !strings.HasSuffix(buf.String(), "\r\x1b[K") {
			t.Errorf("width %d: end does not clear the line", width)
		}
	}
}

// TestRatesAndETAs: no rate before 0.2 s (the first steps' rate measures
// the timer), then samples over time since the epoch start; the run's ETA
// counts the epochs left at the measured wall time per epoch.
func TestRatesAndETAs(t *testing.T) {
	c := newFakeClock()
	m := meter{now: c.now}
	m.start(1, 10, 1000, 0)
	c.add(time.Millisecond)
	m.step(100, 1)
	if r := m.rate(); r != 0 {
		t.Errorf("rate after 1 ms: %g, want none yet", r)
	}
	if e, r := m.etas(); e != -1 || r != -1 {
		t.Errorf("ETAs after 1 ms: %g %g, want unknown", e, r)
	}
	c.add(999 * time.Millisecond)
	m.step(500, 1) // 500 samples in 1 s
	if r := m.rate(); r != 500 {
		t.Errorf("rate %g, want 500", r)
	}
	if e, r := m.etas(); e != 1 || r != 1+9*2 {
		t.Errorf("ETAs %g %g, want 1 s for the epoch and 19 s for the run", e, r)
	}
	// Epoch 1 took 4 s of wall time with its evaluation: the run's ETA
	// uses that.
	c.add(3 * time.Second)
	m.start(2, 10, 1000, 0)
	c.add(time.Second)
	m.step(500, 1)
	if e, r := m.etas(); e != 1 || r != 1+8*4 {
		t.Errorf("epoch 2: ETAs %g %g, want 1 and 33", e, r)
	}
	// A resumed epoch counts only the samples trained in this process.
	m2 := meter{now: c.now}
	m2.start(3, 10, 1000, 600)
	c.add(time.Second)
	m2.step(700, 1)
	if r := m2.rate(); r != 100 {
		t.Errorf("resumed epoch: rate %g, want 100", r)
	}
}

// TestPlainEvery: off a terminal, a line at most every PlainEvery, none
// for epochs shorter than that.
func TestPlainEvery(t *testing.T) {
	var buf bytes.Buffer
	c := newFakeClock()
	p := &plainProgress{w: &buf, m: meter{now: c.now}}
	for e := 1; e <= 400; e++ { // 400 short epochs of 30 steps, 0.3 s each
		p.start(e, 400, 3000, 0)
		steps(p, c, 30)
		p.end()
	}
	// 120 s in all: a line each 10 s.
	if n := strings.Count(buf.String(), "\n"); n < 10 || n > 12 {
		t.Errorf("400 epochs of 0.3 s printed %d lines, want about 12:\n%s", n, buf.String())
	}
	if l := strings.SplitN(buf.String(), "\n", 2)[0]; !strings.Contains(l, "samples/s") || !strings.Contains(l, "run ETA") {
		t.Errorf("plain line %q", l)
	}
}
