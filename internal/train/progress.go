package train

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress shows how a run advances, on stderr: a one-line display
// redrawn in place on a terminal ("bar"), a plain line every PlainEvery
// otherwise ("plain"), or nothing ("none"). The per-epoch summary lines go
// to stdout from the trainer, not from here.
type progress interface {
	// start begins epoch (1-based) of epochs; samples per epoch, of which
	// done were already trained before this process (a resumed epoch).
	start(epoch, epochs, samples, done int)
	// step reports samples done in the epoch and the mean training loss of
	// the epoch's steps so far.
	step(done int, meanLoss float64)
	// end clears the display (before the epoch's line on stdout).
	end()
}

// PlainEvery is how often the plain display prints a line within an epoch.
const PlainEvery = 10 * time.Second

func newProgress(mode string, w io.Writer, width func() int) progress {
	switch mode {
	case "bar":
		if width == nil {
			width = func() int { return 80 }
		}
		return &barProgress{w: w, width: width, m: meter{now: time.Now}}
	case "plain":
		return &plainProgress{w: w, m: meter{now: time.Now}}
	}
	return noProgress{}
}

type noProgress struct{}

func (noProgress) start(int, int, int, int) {}
func (noProgress) step(int, float64)        {}
func (noProgress) end()                     {}

// meter measures rates and times to go, for the epoch and for the run.
type meter struct {
	now               func() time.Time
	epoch, epochs     int
	samples           int
	t0                time.Time // epoch start
	done, done0       int       // samples done in the epoch; of those, before this process
	loss              float64   // mean loss so far
	runT0             time.Time // first epoch start in this process
	epochsSeen        int       // epochs started in this process
	finishedEpochWall float64   // wall seconds of the epochs finished in this process, eval included
}

func (m *meter) start(epoch, epochs, samples, done int) {
	now := m.now()
	if m.epochsSeen == 0 {
		m.runT0 = now
	} else {
		m.finishedEpochWall = now.Sub(m.runT0).Seconds()
	}
	m.epochsSeen++
	m.epoch, m.epochs, m.samples, m.t0, m.done, m.done0, m.loss = epoch, epochs, samples, now, done, done, 0
}

func (m *meter) step(done int, loss float64) { m.done, m.loss = done, loss }

// rate is the epoch's samples/s, 0 until 0.2 s have passed: the first
// steps' rate says more about timer resolution than about speed.
func (m *meter) rate() float64 {
	el := m.now().Sub(m.t0).Seconds()
	if el < 0.2 || m.done <= m.done0 {
		return 0
	}
	return float64(m.done-m.done0) / el
}

// etas returns the seconds left in the epoch and in the run, or -1 when
// not known yet. The run's is the epochs left times the mean wall time of
// the epochs finished in this process (evaluation included), or, before
// one finished, times this epoch's projected time.
func (m *meter) etas() (epoch, run float64) {
	r := m.rate()
	if r == 0 {
		return -1, -1
	}
	epoch = float64(m.samples-m.done) / r
	per := float64(m.samples) / r
	if n := m.epochsSeen - 1; n > 0 {
		per = m.finishedEpochWall / float64(n)
	}
	return epoch, epoch + float64(m.epochs-m.epoch)*per
}

// barProgress redraws one line in place ("\r", clear to end of line),
// never wider than the terminal less one column, so it never wraps and
// scrolls: on a narrow terminal the bar shrinks first, then fields go
// (barLine).
type barProgress struct {
	w     io.Writer
	width func() int
	m     meter
	last  time.Time
	drawn bool
}

func (p *barProgress) start(epoch, epochs, samples, done int) {
	p.m.start(epoch, epochs, samples, done)
	p.last = time.Time{}
}

func (p *barProgress) step(done int, loss float64) {
	p.m.step(done, loss)
	now := p.m.now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r%s\x1b[K", barLine(&p.m, p.width()-1))
	p.drawn = true
}

func (p *barProgress) end() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// barLine renders the display in at most width columns:
//
//	epoch 3/15 [#####-----]  45% loss 0.1234 61.2k/s ETA 0:04 run 1:10
//
// where ETA is the epoch's time left and run the run's. When the line does
// not fit, the bar narrows (from 30 columns to 8), then the fields go in
// this order: the epoch's ETA, the rate, the run's time left, the loss.
func barLine(m *meter, width int) string {
	label := fmt.Sprintf("epoch %d/%d", m.epoch, m.epochs)
	pct := fmt.Sprintf("%3d%%", 100*m.done/max(m.samples, 1))
	type field struct {
		text string
		keep int // the higher, the later it is dropped
	}
	fields := []field{{fmt.Sprintf("loss %.4f", m.loss), 4}}
	eEta, rEta := m.etas()
	if r := m.rate(); r > 0 {
		fields = append(fields, field{si(r) + "/s", 2}, field{"ETA " + clock(eEta), 1}, field{"run " + clock(rEta), 3})
	}
	const minBar, maxBar = 8, 30
	for keep := 0; keep <= 5; keep++ {
		var kept []string
		for _, f := range fields {
			if f.keep > keep {
				kept = append(kept, f.text)
			}
		}
		tail := strings.Join(kept, " ")
		fixed := len(label) + len(" [") + len("] ") + len(pct)
		if tail != "" {
			fixed += 1 + len(tail)
		}
		if barW := min(width-fixed, maxBar); barW >= minBar {
			fill := barW * m.done / max(m.samples, 1)
			s := label + " [" + strings.Repeat("#", fill) + strings.Repeat("-", barW-fill) + "] " + pct
			if tail != "" {
				s += " " + tail
			}
			return s
		}
	}
	// Too narrow for any bar: the bare numbers, cut to width.
	s := label + " " + pct + " " + fmt.Sprintf("loss %.4f", m.loss)
	if len(s) > width {
		s = s[:max(width, 0)]
	}
	return s
}

// plainProgress prints a line every PlainEvery within an epoch: a short
// epoch prints none, as its line on stdout says all.
type plainProgress struct {
	w    io.Writer
	m    meter
	next time.Time
}

func (p *plainProgress) start(epoch, epochs, samples, done int) {
	p.m.start(epoch, epochs, samples, done)
	if p.next.IsZero() {
		p.next = p.m.t0.Add(PlainEvery)
	}
}

func (p *plainProgress) step(done int, loss float64) {
	p.m.step(done, loss)
	now := p.m.now()
	if now.Before(p.next) || done >= p.m.samples {
		return
	}
	p.next = now.Add(PlainEvery)
	eEta, rEta := p.m.etas()
	fmt.Fprintf(p.w, "epoch %d/%d %3d%% loss %.4f %.0f samples/s, epoch ETA %s, run ETA %s\n",
		p.m.epoch, p.m.epochs, 100*done/max(p.m.samples, 1), loss, p.m.rate(), clock(eEta), clock(rEta))
}

func (p *plainProgress) end() {}

// si formats a rate with a k or M suffix: 61.2k.
func si(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.1fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

// clock formats seconds as m:ss or h:mm:ss; "?" when unknown.
func clock(s float64) string {
	if s < 0 {
		return "?"
	}
	t := int(s + 0.5)
	if t >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60)
	}
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}
