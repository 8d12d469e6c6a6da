package config

import (
	"strings"
	"testing"
)

// TestAutoencoderKeys: model.kind autoencoder takes code_dim and an
// optional activation (identity by default, monitoring val_loss), and
// refuses classifier keys, each with one line naming the key.
func TestAutoencoderKeys(t *testing.T) {
	clearEnv(t)
	c, err := Load(write(t, "model: {kind: autoencoder, code_dim: 32}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Model.Activation != "identity" || c.Train.Monitor != "val_loss" || len(c.Model.Hidden) != 0 || c.Model.CodeDim != 32 {
		t.Errorf("defaults: activation %q, monitor %q, hidden %v, code_dim %d", c.Model.Activation, c.Train.Monitor, c.Model.Hidden, c.Model.CodeDim)
	}
	// The resolved config loads back as the same config.
	back, err := Load(write(t, c.YAML()), nil)
	if err != nil || back.Model.Kind != "autoencoder" || back.Model.CodeDim != 32 {
		t.Errorf("YAML round trip: %v\n%s", err, c.YAML())
	}
	for _, tc := range []struct{ yaml, want string }{
		{"model: {kind: autoencoder}", "model.code_dim: must be > 0 with model.kind autoencoder"},
		{"model: {kind: autoencoder, code_dim: 8, hidden: [10]}", "model.hidden: does not apply to model.kind autoencoder"},
		{"model: {kind: autoencoder, code_dim: 8, loss: mse}", "model.loss: does not apply to model.kind autoencoder"},
		{"model: {kind: autoencoder, code_dim: 8, activation: gelu}", `model.activation: must be one of identity, relu`},
		{"model: {kind: autoencoder, code_dim: 8}\ntrain: {monitor: val_acc}", `train.monitor: must be one of val_loss↓, val_mse↓, or train_ and one of the same names (the training split's figure), got "val_acc" (the metrics of the autoencoder task`},
		{"model: {code_dim: 8}", "model.code_dim: applies only to model.kind autoencoder"},
		{"model: {kind: vae}", `model.kind: must be one of classifier, autoencoder, binary, regression, multilabel, got "vae"`},
		{"model: {activation: identity}", `model.activation: must be one of relu`},
	} {
		_, err := Load(write(t, tc.yaml+"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
