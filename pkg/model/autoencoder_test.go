package model_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// trainAutoencoder fits a linear tied autoencoder (W m×d) to the rows of
// x with Adam, in minibatches of batch rows (all rows when batch ≥ N).
func trainAutoencoder(t *testing.T, x *layers.Matrix[float64], m, epochs, batch int, lr float64, seed uint64) *model.Net[float64] {
	t.Helper()
	spec := model.Spec{Kind: model.KindAutoencoder, InputDim: x.Cols, CodeDim: m, Activations: []string{model.Identity}, Init: layers.InitXavier}
	net, err := model.New[float64](spec, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := optim.Defaults("adam")
	opt, err := optim.New(cfg, net.Params())
	if err != nil {
		t.Fatal(err)
	}
	b := &layers.Matrix[float64]{}
	rng := rand.New(rand.NewPCG(seed, 2))
	for e := range epochs {
		perm := rng.Perm(x.Rows)
		for lo := 0; lo < x.Rows; lo += batch {
			idx := perm[lo:min(lo+batch, x.Rows)]
			b.Resize(len(idx), x.Cols)
			for i, r := range idx {
				copy(b.Row(i), x.Row(r))
			}
			// The learning rate decays over the last half: Adam's steps
			// then shrink enough to settle at the optimum.
			step := lr
			if h := epochs / 2; e >= h {
				step = lr * math.Pow(0.02, float64(e-h)/float64(epochs-h))
			}
			net.Loss(b, layers.Target[float64]{})
			opt.Step(step)
		}
	}
	return net
}

// pcaBasis returns the top-m principal directions of the rows of x (d×m,
// orthonormal columns) and the mean squared reconstruction error per
// entry of the rank-m PCA reconstruction (of the data as given: x is
// centered by the callers).
func pcaBasis(x *layers.Matrix[float64], m int) (*mat.Dense, float64) {
	X := mat.NewDense(x.Rows, x.Cols, x.Data)
	var pc stat.PC
	if !pc.PrincipalComponents(X, nil) {
		panic("PCA failed")
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	var rest float64
	for _, v := range vars[m:] {
		rest += v
	}
	// Σ of the discarded variances (with the N−1 of stat.PC) is the
	// squared error per sample; per entry, divide by d and rescale to 1/N.
	mse := rest * float64(x.Rows-1) / float64(x.Rows) / float64(x.Cols)
	return mat.DenseCopyOf(vecs.Slice(0, x.Cols, 0, m)), mse
}

// largestPrincipalAngle is the largest principal angle between the row
// space of W (m×d) and the column space of U (d×m, orthonormal): the
// arcsine of the spectral norm of (I − UUᵀ)Q, Q an orthonormal basis of
// W's rows (the sine form is accurate for small angles).
func largestPrincipalAngle(w []float64, m, d int, u *mat.Dense) float64 {
	var qr mat.QR
	qr.Factorize(mat.NewDense(m, d, w).T())
	var q mat.Dense
	qr.QTo(&q)
	qm := q.Slice(0, d, 0, m)
	var utq, r mat.Dense
	utq.Mul(u.T(), qm)
	r.Mul(u, &utq)
	r.Sub(qm, &r)
	var svd mat.SVD
	svd.Factorize(&r, mat.SVDNone)
	return math.Asin(min(1, svd.Values(nil)[0]))
}

func mseOf(net *model.Net[float64], x *layers.Matrix[float64]) float64 {
	return 2 * net.EvalLoss(x, layers.Target[float64]{}) / float64(x.Cols)
}

// TestAutoencoderSpansPCA: on data with a known spectrum, the linear tied
// autoencoder's learned row space is the top-m principal subspace (Baldi &
// Hornik 1989), to a largest principal angle below 1e-2 rad.
func TestAutoencoderSpansPCA(t *testing.T) {
	const n, d, m = 2000, 10, 3
	spectrum := []float64{9, 6, 4, 1, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02}
	rng := rand.New(rand.NewPCG(5, 6))
	// A random orthonormal basis B: columns of the Q of a Gaussian matrix.
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var basis mat.Dense
	qr.QTo(&basis)
	x := layers.NewMatrix[float64](n, d)
	z := make([]float64, d)
	for i := range n {
		for k := range d {
			z[k] = rng.NormFloat64() * math.Sqrt(spectrum[k])
		}
		for j := range d {
			var v float64
			for k := range d {
				v += basis.At(j, k) * z[k]
			}
			x.Row(i)[j] = v
		}
	}
	center(x)
	u, pcaMSE := pcaBasis(x, m)
	net := trainAutoencoder(t, x, m, 300, 100, 0.01, 7)
	angle := largestPrincipalAngle(net.Weight(), m, d, u)
	aeMSE := mseOf(net, x)
	t.Logf("largest principal angle %.3g rad; reconstruction MSE %.6f, PCA-%d %.6f", angle, aeMSE, m, pcaMSE)
	if !(angle < 1e-2) {
		t.Errorf("largest principal angle between W's rows and PCA's top %d directions is %.3g rad, want < 1e-2", m, angle)
	}
	if aeMSE < pcaMSE*(1-1e-9) {
		t.Errorf("autoencoder MSE %g below PCA's %g: PCA is the optimum, the check is broken", aeMSE, pcaMSE)
	}
	// The untrained W is far from the subspace: the angle measures training.
	untrained := trainAutoencoder(t, x, m, 0, 100, 0.01, 7)
	if a := largestPrincipalAngle(untrained.Weight(), m, d, u); a < 0.3 {
		t.Errorf("the untrained W is already at angle %.3g: the test shows nothing", a)
	}
}

func center(x *layers.Matrix[float64]) {
	for j := range x.Cols {
		var s float64
		for i := range x.Rows {
			s += x.At(i, j)
		}
		s /= float64(x.Rows)
		for i := range x.Rows {
			x.Row(i)[j] -= s
		}
	}
}

// TestAutoencoderMNISTvsPCA: on a fixed subset of real MNIST (the first
// 3000 training images, scaled to [0,1] and centered per pixel), the
// linear tied autoencoder with m = 32 reconstructs within 2% of PCA's MSE
// with 32 components.
func TestAutoencoderMNISTvsPCA(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := os.Getenv("NNFC_MNIST_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "data", "mnist")
	}
	ds, err := data.LoadMNIST(dir, "train")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("real MNIST absent under CI (run make data): %v", err)
		}
		t.Skipf("real MNIST absent (make data fetches it): %v", err)
	}
	const n, m = 3000, 32
	x := layers.NewMatrix[float64](n, ds.D)
	for i := range x.Data {
		x.Data[i] = float64(ds.X[i]) / 255
	}
	center(x)
	_, pcaMSE := pcaBasis(x, m)
	net := trainAutoencoder(t, x, m, 20, 100, 0.003, 1)
	aeMSE := mseOf(net, x)
	t.Logf("MNIST %d images, m=%d: autoencoder MSE %.6f, PCA-%d MSE %.6f, ratio %.4f", n, m, aeMSE, m, pcaMSE, aeMSE/pcaMSE)
	if aeMSE > 1.02*pcaMSE {
		t.Errorf("autoencoder MSE %.6f is more than 2%% above PCA-%d's %.6f", aeMSE, m, pcaMSE)
	}
	if aeMSE < pcaMSE*(1-1e-6) {
		t.Errorf("autoencoder MSE %.6f below PCA's optimum %.6f: the comparison is broken", aeMSE, pcaMSE)
	}
}

// TestAutoencoderFile: the model file holds W as the tensor
// encoder.weight (code_dim × input_dim) and loads back as the same model.
func TestAutoencoderFile(t *testing.T) {
	spec := model.Spec{Kind: model.KindAutoencoder, InputDim: 6, CodeDim: 2, Activations: []string{"tanh"}, Init: layers.InitHe}
	net, err := model.New[float32](spec, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ae.safetensors")
	if err := model.Save(path, net, nil); err != nil {
		t.Fatal(err)
	}
	tensors, _, err := stfile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(tensors) != 1 || tensors[0].Name != model.WeightName || len(tensors[0].Shape) != 2 || tensors[0].Shape[0] != 2 || tensors[0].Shape[1] != 6 {
		t.Fatalf("tensors %v: want one %s of shape [2 6]", tensors, model.WeightName)
	}
	back, _, err := model.Load[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Spec.String() != "6-2(tanh)-6 tied autoencoder" {
		t.Errorf("loaded spec %s", back.Spec)
	}
	for i, v := range net.Weight() {
		if back.Weight()[i] != v {
			t.Fatalf("W[%d] = %g, saved %g", i, back.Weight()[i], v)
		}
	}
	// Validation: code_dim ≥ input_dim, a hidden layer, an unknown activation.
	for _, bad := range []model.Spec{
		{Kind: model.KindAutoencoder, InputDim: 6, CodeDim: 6, Activations: []string{"identity"}, Init: "he"},
		{Kind: model.KindAutoencoder, InputDim: 6, CodeDim: 2, Hidden: []int{3}, Activations: []string{"identity"}, Init: "he"},
		{Kind: model.KindAutoencoder, InputDim: 6, CodeDim: 2, Activations: []string{"gelu"}, Init: "he"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
