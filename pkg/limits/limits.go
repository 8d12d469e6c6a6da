package limits

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Caps on inputs that cost time or memory to parse before their sizes are
// known.
const (
	// MaxConfigBytes is the largest config file nnfc reads: real configs
	// are a few hundred bytes.
	MaxConfigBytes = 1 << 20
	// MaxConfigDepth is the deepest nesting of mappings and lists a config
	// may have; nnfc's schema needs 3 (data.spiral.per_class, and a list
	// under model).
	MaxConfigDepth = 16
	// MaxHiddenLayers is the most hidden layers a network may have.
	MaxHiddenLayers = 1000
)

var (
	mu       sync.Mutex
	max      int64 // set by SetMax; 0: the available memory
	availOne sync.Once
	avail    int64 // MemAvailable at first use; 0: unknown
)

// SetMax sets the limit to n bytes; n <= 0 restores the default, the
// available memory.
func SetMax(n int64) {
	mu.Lock()
	defer mu.Unlock()
	max = n
}

// Limit returns the limit in bytes (math.MaxInt64 when none is known) and
// what it is, for messages: "--max-memory" or "available memory".
func Limit() (int64, string) {
	mu.Lock()
	m := max
	mu.Unlock()
	if m > 0 {
		return m, "--max-memory"
	}
	availOne.Do(func() { avail = memAvailable("/proc/meminfo") })
	if avail > 0 {
		return avail, "available memory"
	}
	return math.MaxInt64, "no limit"
}

// memAvailable reads MemAvailable (in kB) from a meminfo file; 0 when the
// file or the line is missing.
func memAvailable(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil || kb <= 0 || kb > math.MaxInt64/1024 {
			return 0
		}
		return kb * 1024
	}
	return 0
}

// Error is a refused size.
type Error struct {
	What  string // what asked, e.g. "model.hidden: the network"
	Bytes float64
	Limit int64
	Of    string // "--max-memory" or "available memory"
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s needs %s, more than the %s limit of %s (raise it with --max-memory)",
		e.What, Format(e.Bytes), e.Of, Format(float64(e.Limit)))
}

// Check returns an *Error when bytes exceed the limit. bytes is a float64
// so that estimates from untrusted sizes (products of header fields) never
// overflow; NaN and negative sizes are refused as too large.
func Check(what string, bytes float64) error {
	lim, of := Limit()
	if bytes >= 0 && bytes <= float64(lim) {
		return nil
	}
	return &Error{What: what, Bytes: bytes, Limit: lim, Of: of}
}

// Mul multiplies sizes as float64, so that a product of untrusted integers
// cannot overflow.
func Mul(xs ...int) float64 {
	p := 1.0
	for _, x := range xs {
		p *= float64(x)
	}
	return p
}

// Format renders a byte count in binary units: "512 B", "3.2 MiB",
// "1.5e+03 TiB".
func Format(b float64) string {
	if math.IsNaN(b) || b < 0 {
		return fmt.Sprint(b, " B")
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	if b >= 1e4 {
		return fmt.Sprintf("%.3g %s", b, units[i])
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}

// Parse reads a size such as "512M", "4GiB", "2g", "1.5T" or "1000000"
// (bytes). Decimal (k, M, G, T, with or without B) and binary (KiB, MiB,
// GiB, TiB) suffixes are both powers of 1024, as memory sizes usually are.
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	num := strings.TrimRight(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	unit := strings.ToLower(strings.TrimSpace(t[len(num):]))
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "b"), "i")
	mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[unit]
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || mult == 0 || !(v > 0) || v*mult >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a memory size, expected e.g. 512M, 4G or 4GiB", s)
	}
	return int64(v * mult), nil
}
