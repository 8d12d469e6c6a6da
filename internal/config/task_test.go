package config

import (
	"strings"
	"testing"
)

// TestTaskKey: model.task names the task, model.kind is its older
// spelling (classifier ≡ classification); both set and naming different
// tasks is a one-line error, and the resolved config says model.task.
func TestTaskKey(t *testing.T) {
	clearEnv(t)
	for _, tc := range []struct{ yaml, kind, task string }{
		{"model: {hidden: [10]}", "classifier", "classification"},
		{"model: {task: classification}", "classifier", "classification"},
		{"model: {kind: classifier}", "classifier", "classification"},
		{"model: {task: classification, kind: classifier}", "classifier", "classification"},
		{"model: {task: autoencoder, code_dim: 8}", "autoencoder", "autoencoder"},
		{"model: {kind: autoencoder, code_dim: 8}", "autoencoder", "autoencoder"},
	} {
		c, err := Load(write(t, tc.yaml+"\n"), nil)
		if err != nil {
			t.Errorf("%s: %v", tc.yaml, err)
			continue
		}
		if c.Model.Kind != tc.kind || c.Model.Task != tc.task {
			t.Errorf("%s: kind %q task %q, want %q %q", tc.yaml, c.Model.Kind, c.Model.Task, tc.kind, tc.task)
		}
		y := c.YAML()
		if !strings.Contains(y, "task: "+tc.task) || strings.Contains(y, "kind: "+tc.kind) {
			t.Errorf("%s: the resolved config should say task: %s only:\n%s", tc.yaml, tc.task, y)
		}
		back, err := Load(write(t, y), nil)
		if err != nil || back.Model.Kind != tc.kind {
			t.Errorf("%s: YAML round trip: %v", tc.yaml, err)
		}
	}
	for _, tc := range []struct{ yaml, want string }{
		{"model: {task: vae}", `model.task: must be one of classification, autoencoder, binary, got "vae"`},
		{"model: {task: classification, kind: autoencoder}", `model.kind: "autoencoder" names another task than model.task "classification"`},
		{"model: {task: classifier, kind: autoencoder}", `model.kind: "autoencoder" names another task than model.task "classifier"`},
	} {
		_, err := Load(write(t, tc.yaml+"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Count(err.Error(), "\n") > 1 {
			t.Errorf("%s: error %v, want one line with %q", tc.yaml, err, tc.want)
		}
	}
}
