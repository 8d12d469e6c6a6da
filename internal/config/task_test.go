package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
		{"model: {task: vae}", `model.task: must be one of classification, autoencoder, binary, regression, multilabel, got "vae"`},
		{"model: {task: classification, kind: autoencoder}", `model.kind: "autoencoder" names another task than model.task "classification"`},
		{"model: {task: classifier, kind: autoencoder}", `model.kind: "autoencoder" names another task than model.task "classifier"`},
	} {
		_, err := Load(write(t, tc.yaml+"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Count(err.Error(), "\n") > 1 {
			t.Errorf("%s: error %v, want one line with %q", tc.yaml, err, tc.want)
		}
	}
}

// TestRegressionKeys: model.task regression takes mse (default), mae or
// huber with model.huber_delta (default 1), monitors val_rmse, and reads
// a table's data.target (a column or a list); the combinations that
// cannot work are one-line errors naming the key.
func TestRegressionKeys(t *testing.T) {
	clearEnv(t)
	table := "data: {source: table, train: t.csv, target: price}\n"
	c, err := Load(write(t, table+"model: {task: regression, loss: huber}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Model.Kind != "regression" || c.Model.HuberDelta != 1 || c.Train.Monitor != "val_rmse" {
		t.Errorf("defaults: kind %q, huber_delta %g, monitor %q", c.Model.Kind, c.Model.HuberDelta, c.Train.Monitor)
	}
	back, err := Load(write(t, c.YAML()), nil)
	if err != nil || back.YAML() != c.YAML() {
		t.Errorf("YAML round trip: %v\n%s", err, c.YAML())
	}
	c, err = Load(write(t, "data: {source: table, train: t.csv, target: [price, 'sale, net']}\nmodel: {task: regression}\n"), nil)
	if err != nil || c.Model.Loss != "mse" || len(c.Data.Target) != 2 || c.Data.Target[1] != "sale, net" {
		t.Errorf("two targets: %v, loss %q, target %q", err, c.Model.Loss, c.Data.Target)
	}
	if back, err := Load(write(t, c.YAML()), nil); err != nil || !slices.Equal(back.Data.Target, c.Data.Target) {
		t.Errorf("two targets, YAML round trip: %v\n%s", err, c.YAML())
	}
	for _, tc := range []struct{ yaml, want string }{
		{table + "model: {task: regression, loss: softmax}", `model.loss: must be one of mse, mae, huber with model.task regression, got "softmax"`},
		{table + "model: {loss: huber}", `model.loss: must be one of softmax, svm, mse, got "huber"`},
		{table + "model: {task: regression, huber_delta: 2}", "model.huber_delta: applies only to model.loss huber"},
		{table + "model: {task: regression, loss: huber, huber_delta: -1}", "model.huber_delta: must be a number > 0"},
		{table + "model: {huber_delta: 2}", "model.huber_delta: applies only to model.task regression, not classification"},
		{table + "model: {task: binary, huber_delta: 2}", "model.huber_delta: applies only to model.task regression, not binary"},
		{table + "model: {task: multilabel, huber_delta: 2}", "model.huber_delta: applies only to model.task regression, not multilabel"},
		{"model: {kind: autoencoder, code_dim: 8, huber_delta: 2}", "model.huber_delta: applies only to model.task regression, not autoencoder"},
		{"model: {task: regression}", "model.task: regression predicts numbers, the columns data.target names in a table (data.source table), and data.source mnist has classes"},
		{"data: {source: table, train: t.csv, target: price, stratify: true}\nmodel: {task: regression}", "data.stratify: keeps each class's share in the validation split, and model.task regression has no classes"},
		{"data: {source: table, train: t.csv, target: [a, b]}", "data.target: lists 2 columns, and model.task classification predicts one"},
		{table + "model: {task: regression}\ntrain: {monitor: val_acc}", "train.monitor: must be one of"},
	} {
		_, err := Load(write(t, tc.yaml+"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%s: error %v, want one line with %q", tc.yaml, err, tc.want)
		}
	}
}

// TestMultilabelKeys: model.task multilabel reads label columns or one
// column of labels, monitors val_f1_micro, takes pos_weight and a
// threshold in (0,1); the keys that do not fit it are one-line errors at
// load time, before anything is written.
func TestMultilabelKeys(t *testing.T) {
	clearEnv(t)
	table := "data: {source: table, train: t.csv, target: [a, b, c]}\n"
	c, err := Load(write(t, table+"model: {task: multilabel, pos_weight: 2, threshold: 0.3}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Model.Kind != "multilabel" || c.Train.Monitor != "val_f1_micro" || c.Model.Threshold != 0.3 || c.Model.PosWeight != 2 {
		t.Errorf("defaults: kind %q, monitor %q, threshold %g, pos_weight %g", c.Model.Kind, c.Train.Monitor, c.Model.Threshold, c.Model.PosWeight)
	}
	if back, err := Load(write(t, c.YAML()), nil); err != nil || back.YAML() != c.YAML() {
		t.Errorf("YAML round trip: %v\n%s", err, c.YAML())
	}
	if c, err := Load(write(t, "data: {source: table, train: t.csv, target: tags}\nmodel: {task: multilabel}\ntrain: {monitor: val_hamming_loss}\n"), nil); err != nil || c.Model.Threshold != 0.5 {
		t.Errorf("one label column: %v", err)
	}
	for _, tc := range []struct{ yaml, want string }{
		{table + "model: {task: multilabel, loss: softmax}", `model.loss: does not apply to model.task multilabel (its loss is binary cross-entropy from each label's logit, not "softmax"`},
		{table + "model: {task: multilabel, threshold: 1}", "model.threshold: must be in (0,1)"},
		{table + "model: {task: multilabel, threshold: 0}", "model.threshold: must be in (0,1)"},
		{table + "model: {task: multilabel, pos_weight: -1}", "model.pos_weight: must be a number > 0"},
		{table + "model: {task: multilabel, label_smoothing: 0.1}", "model.label_smoothing: does not apply to model.task multilabel"},
		{table + "model: {task: multilabel}\ntrain: {class_weights: balanced}", "train.class_weights: applies only to model.task classification and binary, not multilabel"},
		{"data: {source: table, train: t.csv, target: [a, b], positive: a}\nmodel: {task: multilabel}", "data.positive: applies only to model.task binary, not multilabel"},
		{table + "model: {task: multilabel}\ntrain: {monitor: val_acc}", "train.monitor: must be one of val_loss↓, val_f1_micro↑"},
		{"data: {source: table, train: t.csv, target: [a, b], stratify: true}\nmodel: {task: multilabel}", "data.stratify: keeps each class's share in the validation split, and model.task multilabel has no classes"},
		{"model: {task: multilabel}", "model.task: multilabel predicts labels, from the 0/1 columns data.target lists or one column of labels separated by \";\" in a table (data.source table), and data.source mnist has classes"},
	} {
		_, err := Load(write(t, tc.yaml+"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%s: error %v, want one line with %q", tc.yaml, err, tc.want)
		}
	}
}

// TestInferTask: with no model.task (nor model.kind) and a table, the
// task comes from the training file's target column (scikit-learn's
// type_of_target rules, data.InferTarget) with its defaults, and
// Config.Inferred says so in one line with how to override; a config
// that names a task, a non-table source and an unreadable file infer
// nothing; the resolved config names the task, so it loads back the same.
func TestInferTask(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	csv := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(csv, []byte("x,price,a,b,tags,kind\n1,1.5,0,1,u;v,p\n2,2.25,1,1,u,q\n3,4,0,0,,p\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ data, model, kind, monitor, inferred string }{
		{"target: price, exclude: [a, b, tags, kind]", "{}", "regression", "val_rmse", "model.task regression, inferred: target column price holds numbers that are not integers"},
		{"target: [a, b], exclude: [price, tags, kind]", "{}", "multilabel", "val_f1_micro", "model.task multilabel, inferred: the 2 target columns a, b hold only 0 and 1 (scikit-learn's type_of_target: multilabel-indicator); set model.task to choose another"},
		{"target: tags, exclude: [a, b, price, kind]", "{}", "multilabel", "val_f1_micro", `model.task multilabel, inferred: target column tags holds labels separated by ";"`},
		{"target: kind, exclude: [a, b, price, tags]", "{}", "classifier", "val_acc", "model.task classification, inferred: target column kind holds 2 distinct values (type_of_target: binary; a 2-class softmax here, model.task binary for one sigmoid output and a threshold)"},
		{"target: price", "{task: classification}", "classifier", "val_acc", ""},
		{"target: price", "{kind: classifier}", "classifier", "val_acc", ""},
	} {
		yaml := fmt.Sprintf("data: {source: table, train: %s, %s}\nmodel: %s\n", csv, tc.data, tc.model)
		c, err := Load(write(t, yaml), nil)
		if err != nil {
			t.Errorf("%s: %v", yaml, err)
			continue
		}
		if c.Model.Kind != tc.kind || c.Train.Monitor != tc.monitor || !strings.HasPrefix(c.Inferred, tc.inferred) || (tc.inferred == "") != (c.Inferred == "") || strings.Contains(c.Inferred, "\n") {
			t.Errorf("%s: kind %q monitor %q inferred %q; want %q %q %q", yaml, c.Model.Kind, c.Train.Monitor, c.Inferred, tc.kind, tc.monitor, tc.inferred)
		}
		if strings.Contains(c.YAML(), "inferred") {
			t.Errorf("%s: the resolved config holds the note:\n%s", yaml, c.YAML())
		}
		back, err := LoadStored(write(t, c.YAML()))
		if err != nil || back.Model.Kind != c.Model.Kind || back.Inferred != "" {
			t.Errorf("%s: stored config: %v, kind %q, inferred %q", yaml, err, back.Model.Kind, back.Inferred)
		}
	}
	if c, _ := Load(write(t, "data: {source: table, train: missing.csv, target: y}\n"), nil); c.Inferred != "" {
		t.Errorf("missing file: inferred %q", c.Inferred)
	}
}
