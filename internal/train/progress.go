package train

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how an epoch advances, on stderr: a progress bar on a
// terminal, a plain line every tenth of an epoch otherwise, or nothing.
type progress interface {
	start(epoch, epochs, samples int)
	step(done int, loss float64)
	end()
}

func newProgress(mode string, w io.Writer) progress {
	switch mode {
	case "bar":
		return &barProgress{w: w}
	case "plain":
		return &plainProgress{w: w}
	}
	return noProgress{}
}

type noProgress struct{}

func (noProgress) start(int, int, int) {}
func (noProgress) step(int, float64)   {}
func (noProgress) end()                {}

type barProgress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	label string
	last  int
	n     int
}

func (p *barProgress) start(epoch, epochs, samples int) {
	p.label = fmt.Sprintf("epoch %d/%d", epoch, epochs)
	p.last, p.n = 0, 0
	p.bar = progressbar.NewOptions(samples,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(p.label),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("samples"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func (p *barProgress) step(done int, loss float64) {
	p.n++
	if p.n%10 == 0 {
		p.bar.Describe(fmt.Sprintf("%s loss %.4f", p.label, loss))
	}
	_ = p.bar.Add(done - p.last)
	p.last = done
}

func (p *barProgress) end() { _ = p.bar.Finish() }

type plainProgress struct {
	w            io.Writer
	label        string
	samples      int
	next         int
	t0           time.Time
	startSamples int
}

func (p *plainProgress) start(epoch, epochs, samples int) {
	p.label = fmt.Sprintf("epoch %d/%d", epoch, epochs)
	p.samples, p.next, p.t0, p.startSamples = samples, 1, time.Now(), -1
}

func (p *plainProgress) step(done int, loss float64) {
	if p.startSamples < 0 {
		p.startSamples = done - 1
	}
	if done*10 < p.next*p.samples || done >= p.samples {
		return
	}
	for done*10 >= p.next*p.samples {
		p.next++
	}
	el := time.Since(p.t0).Seconds()
	rate := float64(done-p.startSamples) / el
	eta := float64(p.samples-done) / rate
	fmt.Fprintf(p.w, "%s %3d%% loss %.4f %.0f samples/s ETA %.0fs\n", p.label, done*100/p.samples, loss, rate, eta)
}

func (p *plainProgress) end() {}
