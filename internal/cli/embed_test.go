package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmbed embeds a trained spiral net's hidden layer with PCA and GP-LVM
// into RUN_DIR/embed/ (the layout nnfc report reads) and checks the files.
func TestEmbed(t *testing.T) {
	dir := trainSpiral(t)
	ctx := context.Background()
	code, out, errOut := nnfc(t, ctx, "embed", "--run", dir, "--max-points", "150", "--iters", "300")
	if code != ExitOK {
		t.Fatalf("embed exited %d:\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "gplvm: iteration 1 ") || !strings.Contains(errOut, "150 of ") {
		t.Errorf("stderr lacks the GP-LVM progress or the subsample note:\n%s", errOut)
	}
	for _, m := range []string{"pca", "gplvm"} {
		prefix := filepath.Join(dir, "embed", "h1-"+m)
		f, err := os.Open(prefix + ".csv")
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(recs) != 151 || strings.Join(recs[0], ",") != "row,label,x,y" {
			t.Errorf("%s.csv: %d records, header %v, %v; want row,label,x,y and 150 rows", prefix, len(recs), recs[0], err)
		}
		var r map[string]any
		b, err := os.ReadFile(prefix + ".json")
		if err != nil || json.Unmarshal(b, &r) != nil {
			t.Fatalf("%s.json: %v\n%s", prefix, err, b)
		}
		if r["method"] != m || r["layer"] != "h1" || r["points"] != 150.0 {
			t.Errorf("%s.json: %v", prefix, r)
		}
		if e, ok := r["knn1_error"].(float64); !ok || e < 0 || e > 1 {
			t.Errorf("%s.json: knn1_error %v", prefix, r["knn1_error"])
		}
		if m == "pca" {
			ev, _ := r["explained_variance"].([]any)
			if len(ev) != 2 || ev[0].(float64) < ev[1].(float64) {
				t.Errorf("pca: explained_variance %v", r["explained_variance"])
			}
		} else {
			l0, l1, cf := r["loglik_init"].(float64), r["loglik_final"].(float64), r["loglik_ppca_closed_form"].(float64)
			if !(l1 >= l0) || math.Abs(l1-cf) > 1e-6*math.Abs(cf) {
				t.Errorf("gplvm: loglik %g → %g, closed form %g", l0, l1, cf)
			}
		}
		pf, err := os.Open(prefix + ".png")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(pf); err != nil {
			t.Errorf("%s.png: %v", prefix, err)
		}
		pf.Close()
	}

	// A successful run does not end on gonum's "Failure" word.
	if strings.Contains(errOut, "Failure") || !strings.Contains(errOut, "gplvm: stopped after") {
		t.Errorf("stderr reports a failure, or not why the GP-LVM stopped:\n%s", errOut)
	}

	// The RBF kernel's files are named by kernel: the linear kernel's
	// stay as they were.
	linear, err := os.ReadFile(filepath.Join(dir, "embed", "h1-gplvm.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = nnfc(t, ctx, "embed", "--run", dir, "--method", "gplvm", "--kernel", "rbf", "--max-points", "150", "--iters", "20")
	if code != ExitOK {
		t.Fatalf("embed --kernel rbf exited %d:\n%s\n%s", code, out, errOut)
	}
	for _, ext := range []string{"csv", "png", "json"} {
		if _, err := os.Stat(filepath.Join(dir, "embed", "rbf-h1-gplvm."+ext)); err != nil {
			t.Errorf("--kernel rbf: %v", err)
		}
	}
	if again, err := os.ReadFile(filepath.Join(dir, "embed", "h1-gplvm.json")); err != nil || string(again) != string(linear) {
		t.Errorf("--kernel rbf replaced the linear kernel's h1-gplvm.json (%v)", err)
	}
	// --gplvm-precision mixed: the JSON says which arithmetic ran.
	mixed := filepath.Join(t.TempDir(), "m-")
	code, out, errOut = nnfc(t, ctx, "embed", "--run", dir, "--method", "gplvm", "--kernel", "rbf", "--gplvm-precision", "mixed",
		"--max-points", "150", "--iters", "5", "--out", mixed)
	if code != ExitOK {
		t.Fatalf("embed --gplvm-precision mixed exited %d:\n%s\n%s", code, out, errOut)
	}
	for file, want := range map[string]string{mixed + "rbf-h1-gplvm.json": `"precision": "mixed"`, filepath.Join(dir, "embed", "rbf-h1-gplvm.json"): `"precision": "float64"`} {
		if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s: want %s (%v)", file, want, err)
		}
	}

	// --model with --out PREFIX, the raw input, PCA only.
	prefix := filepath.Join(t.TempDir(), "sub", "spiral-")
	code, out, errOut = nnfc(t, ctx, "embed", "--model", filepath.Join(dir, "model.safetensors"), "--config", filepath.Join(dir, "config.yaml"),
		"--layer", "input", "--method", "pca", "--out", prefix)
	if code != ExitOK {
		t.Fatalf("embed --model exited %d:\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(prefix + "input-pca.png"); err != nil {
		t.Error(err)
	}

	// Bad input: one line, exit 2, nothing written.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--layer", "h2"}, `--layer "h2": the 2-200(relu)-7 softmax network has layers input, h1, scores`},
		{[]string{"--layer", "7"}, "--layer 7:"},
		{[]string{"--max-points", "6000"}, "--max-points: must be in 3..5000 (GP-LVM costs O(N³)"},
		{[]string{"--layer", "input"}, "--method gplvm: layer input has 2 dimensions"},
		{[]string{"--method", "tsne"}, `--method: unknown "tsne"`},
	} {
		out := filepath.Join(t.TempDir(), "x-")
		code, _, errOut := nnfc(t, ctx, append([]string{"embed", "--run", dir, "--out", out}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", tc.args, code, errOut, tc.want)
		}
		if m, _ := filepath.Glob(out + "*"); len(m) > 0 {
			t.Errorf("%v: wrote %v", tc.args, m)
		}
	}
}
