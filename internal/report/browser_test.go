package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nnfc/nnfc/internal/plots"
)

// The browser test opens a report in Debian's chromium, headless, offline
// (a proxy on a dead port, every host name unresolvable), and checks what
// a person would see: every section in the DOM, the plots painted, no
// console message and no network request. make deps installs chromium; a
// missing browser fails the test, it never skips it.

// chromiumPath finds the browser: $NNFC_CHROMIUM, else chromium on PATH.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("NNFC_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found on PATH: make deps installs Debian's chromium package (or set NNFC_CHROMIUM)")
	return ""
}

// browserRun is what chromium made of a page.
type browserRun struct {
	dom      string      // the DOM after loading (--dump-dom)
	console  []string    // console messages logged to stderr
	requests []string    // URLs the page asked the network for
	shot     *image.RGBA // the screenshot, cropped below the last non-white row
	height   int         // the window height it was taken with
}

// openInChromium loads the HTML file in headless chromium and returns the
// DOM, the console messages, the network requests of the page and a
// full-page screenshot: the window is taller than the page and the
// screenshot is cropped to the content.
func openInChromium(t *testing.T, page string) browserRun {
	t.Helper()
	tmp := t.TempDir()
	shot, netlog := filepath.Join(tmp, "shot.png"), filepath.Join(tmp, "net.json")
	const width, height = 1280, 9000
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, chromiumPath(t),
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
		"--user-data-dir="+filepath.Join(tmp, "profile"),
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		// Offline: whatever the page asks for fails, and is logged.
		"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
		"--log-net-log="+netlog, "--enable-logging=stderr", "--v=0",
		fmt.Sprintf("--window-size=%d,%d", width, height), "--screenshot="+shot, "--dump-dom",
		"file://"+abs)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 2000))
	}
	r := browserRun{dom: stdout.String(), height: height}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") {
			r.console = append(r.console, line)
		}
	}
	r.requests = pageRequests(t, netlog)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v\n%s", err, tail(stderr.String(), 2000))
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Fatalf("screenshot is %v, asked for %dx%d", b.Size(), width, height)
	}
	r.shot = cropWhite(img)
	return r
}

// pageRequests returns the URLs of the network requests the page made
// (its network isolation key is the file:// page), leaving out the
// browser's own background requests.
func pageRequests(t *testing.T, netlog string) []string {
	t.Helper()
	b, err := os.ReadFile(netlog)
	if err != nil {
		t.Fatalf("chromium wrote no net log: %v", err)
	}
	var log struct {
		Events []struct {
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatalf("net log %s: %v", netlog, err)
	}
	var urls []string
	for _, e := range log.Events {
		url, _ := e.Params["url"].(string)
		nik, _ := e.Params["network_isolation_key"].(string)
		if url != "" && strings.Contains(nik, "file://") {
			urls = append(urls, url)
		}
	}
	return urls
}

// cropWhite cuts the image below its last row with a non-white pixel.
func cropWhite(img image.Image) *image.RGBA {
	b := img.Bounds()
	last := b.Min.Y
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xf800 || g < 0xf800 || bl < 0xf800 {
				last = y
				break
			}
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), last-b.Min.Y+1))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	return out
}

func countColor(img *image.RGBA, c color.RGBA) int {
	n := 0
	for i := 0; i+3 < len(img.Pix); i += 4 {
		if img.Pix[i] == c.R && img.Pix[i+1] == c.G && img.Pix[i+2] == c.B {
			n++
		}
	}
	return n
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// external matches what would make a page fetch something: a src, href or
// CSS url() with a network address, or a script.
var external = regexp.MustCompile(`(?i)((src|href)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//|<script)`)

// TestReportInBrowser writes the report of a small spiral run (2-D inputs:
// decision regions), of a run on 4×4 images (weight images and
// mistakes), of a diabetes regression and of a breast-cancer binary model
// (real tables), and opens each in chromium.
func TestReportInBrowser(t *testing.T) {
	chromiumPath(t) // fail early, before training
	spiral, _ := sharedSpiral(t)
	diabetes, _ := diabetesRun(t)
	cancer, _ := cancerRun(t)
	classIDs := []string{"confusion", "per-class", "classes"}
	for _, c := range []struct {
		name    string
		dir     string
		ids     []string // sections that must be in the DOM
		not     []string // and must not
		minImgs int      // embedded PNGs at least
		colors  map[string]color.RGBA
	}{
		{"spiral", spiral, append([]string{"regions"}, classIDs...), []string{"weights", "mistakes"}, 4,
			map[string]color.RGBA{"the decision regions' tint of class 0": plots.Tint(plots.ClassColors(5)[0], 0.72),
				"the per-class bars' orange": plots.Orange, "the reliability diagram's bars": plots.Tint(plots.Blue, 0.15)}},
		{"squares", squaresRun(t), append([]string{"weights", "mistakes"}, classIDs...), []string{"regions"}, 6,
			map[string]color.RGBA{"the per-class bars' orange": plots.Orange, "the reliability diagram's bars": plots.Tint(plots.Blue, 0.15)}},
		// The tasks beyond classification on real tables: a regression
		// has no class sections, a binary model's per-class bars stay.
		{"diabetes", diabetes, nil, append([]string{"weights", "mistakes", "regions"}, classIDs...), 2, nil},
		{"breast-cancer", cancer, classIDs, []string{"weights", "mistakes", "regions"}, 4,
			map[string]color.RGBA{"the per-class bars' orange": plots.Orange}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, err := Write(c.dir, "", Options{})
			if err != nil {
				t.Fatal(err)
			}
			html, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if m := external.Find(html); m != nil {
				t.Errorf("%s: the page would fetch or run something: %q", path, m)
			}
			r := openInChromium(t, path)
			if save := os.Getenv("NNFC_REPORT_SHOTS"); save != "" {
				writePNG(t, filepath.Join(save, "report-"+c.name+".png"), r.shot)
			}
			for _, msg := range r.console {
				t.Errorf("console message: %s", msg)
			}
			for _, u := range r.requests {
				t.Errorf("network request: %s", u)
			}
			for _, id := range append([]string{"summary", "curves", "epochs", "test", "metrics", "metric-pictures", "network", "layers", "config"}, c.ids...) {
				if !strings.Contains(r.dom, `id="`+id+`"`) {
					t.Errorf("the DOM has no element id=%q", id)
				}
			}
			for _, id := range c.not {
				if strings.Contains(r.dom, `id="`+id+`"`) {
					t.Errorf("the DOM has a section id=%q", id)
				}
			}
			if n := strings.Count(r.dom, `src="data:image/png;base64,`); n < c.minImgs {
				t.Errorf("the DOM has %d embedded PNG images, want at least %d", n, c.minImgs)
			}
			// The page was laid out and painted, plots included: the
			// screenshot is a long page (but shorter than the window, so it
			// is the whole page) and shows the per-class bars' orange.
			if h := r.shot.Bounds().Dy(); h < 2500 || h > r.height-100 {
				t.Errorf("screenshot content is %d px tall: want the whole page, between 2500 and %d", h, r.height-100)
			}
			for what, col := range c.colors {
				if n := countColor(r.shot, col); n < 500 {
					t.Errorf("screenshot has %d pixels of %s: that plot did not render", n, what)
				}
			}
		})
	}
}

// TestBrowserChecksCatch is the negative twin of TestReportInBrowser: a
// page that fetches an image and a style sheet and logs to the console
// must trip the same checks.
func TestBrowserChecksCatch(t *testing.T) {
	page := filepath.Join(t.TempDir(), "bad.html")
	bad := `<!DOCTYPE html><html><head><link rel="stylesheet" href="https://fonts.example.invalid/x.css"></head>` +
		`<body><h1>bad</h1><img src="http://example.invalid/a.png"><script>console.error("boom")</script></body></html>`
	if err := os.WriteFile(page, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if external.FindString(bad) == "" {
		t.Error("the HTML scan misses the external references")
	}
	r := openInChromium(t, page)
	if len(r.console) != 1 || !strings.Contains(r.console[0], "boom") {
		t.Errorf("console messages %q, want the one with boom", r.console)
	}
	got := strings.Join(r.requests, " ")
	for _, u := range []string{"http://example.invalid/a.png", "https://fonts.example.invalid/x.css"} {
		if !strings.Contains(got, u) {
			t.Errorf("network requests %q miss %s", r.requests, u)
		}
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
