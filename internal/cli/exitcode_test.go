package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// badFlagValues are, for every flag that has them, values wrong whatever
// the files say: each must exit 2 (a bad command line, as the README's
// table of exit codes says) with an error naming the flag. Values of the
// wrong type ("x" for a number, "maybe" for a boolean) are tried for
// every flag besides these.
var badFlagValues = map[string][]string{
	"nnfc --blas": {"mkl"}, "nnfc --max-memory": {"lots"}, "nnfc --threads": {"-1"},

	"nnfc bench --act": {"tanh"}, "nnfc bench --batch": {"0"}, "nnfc bench --epochs": {"0"},
	"nnfc bench --eval-batch": {"0"}, "nnfc bench --gemm-seconds": {"-1"}, "nnfc bench --lr": {"-1"}, "nnfc bench --rule": {"newton"},
	"nnfc bench --precision": {"float16"}, "nnfc bench --rounds": {"0"}, "nnfc bench --steps": {"0"},
	"nnfc bench --seed": {"-1"},

	"nnfc embed --batch": {"0"}, "nnfc embed --iters": {"0"}, "nnfc embed --kernel": {"poly"},
	"nnfc embed --label-column": {"-2"}, "nnfc embed --max-points": {"2", "5001"}, "nnfc embed --method": {"tsne"},
	"nnfc embed --seed": {"-1"}, "nnfc embed --split": {"dev"}, "nnfc embed --gplvm-precision": {"float32"},

	"nnfc eval --batch": {"0"}, "nnfc eval --label-column": {"-2"}, "nnfc eval --precision": {"float16"},
	"nnfc eval --split": {"dev"},

	"nnfc export --format": {"tflite"}, "nnfc export --precision": {"float16"},

	"nnfc predict --batch": {"0"}, "nnfc predict --precision": {"float16"},

	"nnfc runs --sort": {"acc"},

	"nnfc lrfind --min-lr": {"0", "-1"}, "nnfc lrfind --max-lr": {"1e-9"}, "nnfc lrfind --steps": {"5"}, "nnfc lrfind --rule": {"newton"},

	"nnfc serve --addr": {"nohost"}, "nnfc serve --batch-window": {"-1s"}, "nnfc serve --class-names": {"a,b,c"}, "nnfc serve --max-batch": {"0"},
	"nnfc serve --max-body": {"lots"}, "nnfc serve --max-concurrent": {"0"}, "nnfc serve --max-rows": {"0"},
	"nnfc serve --precision": {"float16"}, "nnfc serve --read-timeout": {"0s"}, "nnfc serve --shutdown-timeout": {"0s"},
	"nnfc serve --workers": {"-1"}, "nnfc serve --write-timeout": {"0s"},

	"nnfc sweep --cpus-per-task": {"-1"}, "nnfc sweep --executor": {"k8s"}, "nnfc sweep --parallel": {"-1"},
	"nnfc cv --cpus-per-task": {"-1"}, "nnfc cv --executor": {"k8s"}, "nnfc cv --parallel": {"-1"}, "nnfc cv --folds": {"1", "-3"},

	"nnfc gradcheck --only": {""},

	"nnfc train --batch-size": {"0"}, "nnfc train --epochs": {"0"}, "nnfc train --lr": {"-1"},
	"nnfc train --precision": {"float16"}, "nnfc train --progress": {"fancy"}, "nnfc train --seed": {"-1"},
	"nnfc train --sweep-fd": {"x", "-1"},
}

// freeFlags take any value on the command line: paths and names, which
// are checked against the files they name (a wrong one exits 1: bad
// input), or free text passed on (Slurm's options).
var freeFlags = map[string]bool{
	"nnfc --cpuprofile":   true,
	"nnfc embed --config": true, "nnfc embed --data": true, "nnfc embed --model": true, "nnfc embed --out": true,
	"nnfc embed --run": true, "nnfc embed --layer": true, // a layer of the model
	"nnfc eval --config": true, "nnfc eval --data": true, "nnfc eval --model": true, "nnfc eval --run": true,
	"nnfc export --model": true, "nnfc export --run": true, "nnfc export --output": true,
	"nnfc export --class-names": true, // one per class of the model
	"nnfc gradcheck --config":   true,
	"nnfc import --onnx":        true, "nnfc import --output": true,
	"nnfc lrfind --config": true, "nnfc lrfind --out": true, "nnfc lrfind --apply": true,
	"nnfc plot --output": true, "nnfc plot --run": true,
	"nnfc predict --input": true, "nnfc predict --model": true, "nnfc predict --output": true,
	"nnfc report --output": true, "nnfc report --run": true, "nnfc report --sweep": true,
	"nnfc serve --model": true, "nnfc serve --token-file": true,
	"nnfc sweep --config": true, "nnfc sweep --out": true, "nnfc sweep --nnfc-binary": true,
	"nnfc sweep --partition": true, "nnfc sweep --time": true, "nnfc sweep --mem": true, "nnfc sweep --sbatch-arg": true,
	"nnfc sweep results --plot": true,
	"nnfc cv --config":          true, "nnfc cv --out": true, "nnfc cv --nnfc-binary": true,
	"nnfc cv --partition": true, "nnfc cv --time": true, "nnfc cv --mem": true, "nnfc cv --sbatch-arg": true,
	"nnfc train --config": true, "nnfc train --out": true, "nnfc train --resume": true,
}

// TestBadFlagValuesExit2 walks every command's flags (item 17 of issue
// 28): each value in badFlagValues, and a value of the wrong type for
// every flag, exits 2 naming the flag. A flag in neither table fails the
// test: a new flag says what a bad value of it is, or why it has none.
// Each command runs with arguments that are complete but name missing
// files (or, for train, print the config), so a bad value that slips
// through exits 1 or 0, never trains, and the test says which.
func TestBadFlagValuesExit2(t *testing.T) {
	tmp := t.TempDir()
	missing := filepath.Join(tmp, "missing")
	base := map[string][]string{
		"nnfc":               {"version"},
		"nnfc bench":         {"bench", "--blas", "gonum", "--scaling"}, // refused after the flags: gonum cannot --scaling
		"nnfc embed":         {"embed", "--run", missing},
		"nnfc eval":          {"eval", "--run", missing},
		"nnfc export":        {"export", "--run", missing},
		"nnfc gradcheck":     {"gradcheck", "--list", "--only", "layer/relu"},
		"nnfc import":        {"import", "--onnx", missing},
		"nnfc lrfind":        {"lrfind", "--config", missing},
		"nnfc plot":          {"plot", "--run", missing},
		"nnfc predict":       {"predict", "--model", missing, "--input", missing},
		"nnfc report":        {"report", "--run", missing},
		"nnfc runs":          {"runs", missing},
		"nnfc serve":         {"serve", "--model", missing},
		"nnfc sweep":         {"sweep", "--config", missing},
		"nnfc cv":            {"cv", "--config", missing, "--folds", "3"},
		"nnfc sweep results": {"sweep", "results", missing},
		"nnfc sweep status":  {"sweep", "status", missing},
		"nnfc train":         {"train", "--config", spiralConfig, "--print-config"},
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // nothing may start work that waits
	var walk func(c *cobra.Command)
	tried := 0
	walk = func(c *cobra.Command) {
		if c.Name() == "completion" || c.Name() == "help" {
			return
		}
		path := c.CommandPath()
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			name := path + " --" + f.Name
			var values []string
			switch f.Value.Type() {
			case "bool":
				values = []string{"=maybe"}
			case "int", "uint64", "float64", "duration":
				values = []string{"x"}
			}
			values = append(values, badFlagValues[name]...)
			if len(badFlagValues[name]) == 0 && !freeFlags[name] && f.Value.Type() != "bool" {
				t.Errorf("%s: no bad value in badFlagValues, and not in freeFlags: say which it is", name)
			}
			args, ok := base[path]
			if !ok {
				t.Errorf("%s: no base arguments for the command %q", name, path)
				return
			}
			for _, v := range values {
				a := append([]string(nil), args...)
				if strings.HasPrefix(v, "=") {
					a = append(a, "--"+f.Name+v)
				} else {
					a = append(a, "--"+f.Name, v)
				}
				tried++
				code, _, errOut := nnfc(t, ctx, a...)
				if code != ExitUsage || !strings.Contains(errOut, "--"+f.Name) {
					t.Errorf("nnfc %s: exit %d, %q; want exit 2 naming --%s", strings.Join(a, " "), code, strings.TrimSpace(errOut), f.Name)
				}
			}
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(NewRoot(IO{}))
	for name := range badFlagValues {
		found := false
		var find func(c *cobra.Command)
		find = func(c *cobra.Command) {
			c.LocalFlags().VisitAll(func(f *pflag.Flag) { found = found || c.CommandPath()+" --"+f.Name == name })
			for _, s := range c.Commands() {
				find(s)
			}
		}
		find(NewRoot(IO{}))
		if !found {
			t.Errorf("badFlagValues names %s, which is no flag", name)
		}
	}
	t.Logf("%d bad values tried", tried)
}
