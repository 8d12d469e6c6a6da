package config

import (
	"strings"
	"testing"
)

// TestWeightKeys: train.class_weights takes balanced or a map of weights
// > 0; the sigmoid tasks' keys (model.pos_weight, model.threshold) and
// data.positive apply to their tasks only; class weights to classes only;
// a weight column only to a table and never the target. Each problem is
// one line naming the file and the key.
func TestWeightKeys(t *testing.T) {
	clearEnv(t)
	table := "data: {source: table, train: x.csv, target: y}\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"class_weights word", "train: {class_weights: even}", `train.class_weights: must be balanced or a map {class: weight}, got "even"`},
		{"class_weights number", "train: {class_weights: 3}", `train.class_weights: must be balanced or a map {class: weight}, got 3`},
		{"class_weights zero", "train: {class_weights: {a: 0}}", `train.class_weights.a: must be a number > 0, got 0`},
		{"class_weights word weight", "train: {class_weights: {a: heavy}}", `train.class_weights.a: must be a number > 0, got heavy`},
		{"class_weights svm", "model: {loss: svm}\ntrain: {class_weights: balanced}", `model.loss: svm takes no class or sample weights`},
		{"class_weights autoencoder", "model: {kind: autoencoder, code_dim: 4}\ntrain: {class_weights: balanced}", `train.class_weights: applies only to model.task classification and binary, not autoencoder`},
		{"pos_weight classification", "model: {pos_weight: 3}", `model.pos_weight: applies only to model.task binary and multilabel, not classification`},
		{"threshold classification", "model: {threshold: 0.3}", `model.threshold: applies only to model.task binary and multilabel, not classification`},
		{"threshold range", table + "model: {task: binary, threshold: 1}", `model.threshold: must be in (0,1)`},
		{"pos_weight range", table + "model: {task: binary, pos_weight: -1}", `model.pos_weight: must be a number > 0 (1: none), got -1`},
		{"loss on binary", table + "model: {task: binary, loss: softmax}", `model.loss: does not apply to model.task binary`},
		{"positive classification", "data: {source: table, train: x.csv, target: y, positive: M}", `data.positive: applies only to model.task binary, not classification`},
		{"class_weights smoothing", "model: {label_smoothing: 0.1}\ntrain: {class_weights: balanced}", `model.label_smoothing: cannot be combined with class or sample weights`},
		{"smoothing on binary", table + "model: {task: binary, label_smoothing: 0.1}", `model.label_smoothing: does not apply to model.task binary`},
		{"weight column mnist", "data: {weight_column: w}", `data.weight_column: applies to data.source table only`},
		{"weight column is target", "data: {source: table, train: x.csv, target: y, weight_column: y}", `data.weight_column: "y" is the target column (data.target), it cannot weigh the rows`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, tc.yaml+"\n")
			_, err := Load(p, nil)
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			msg := err.Error()
			if !strings.Contains(msg, p+":") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q lacks the file or %q", msg, tc.want)
			}
			for _, line := range strings.Split(msg, "\n") {
				if strings.Contains(line, tc.want) && !strings.HasPrefix(line, p+":") {
					t.Errorf("not one line naming the file: %q", line)
				}
			}
		})
	}
}

// TestWeightKeysLoad: the good forms load, and a resolved config writes
// them back so that they load as the same config.
func TestWeightKeysLoad(t *testing.T) {
	clearEnv(t)
	for _, yaml := range []string{
		"train: {class_weights: balanced}",
		"train: {class_weights: {'0': 2, '7': 0.5}}",
		"data: {source: table, train: x.csv, target: y, weight_column: w, positive: M}\nmodel: {task: binary, pos_weight: 3, threshold: 0.3}\ntrain: {class_weights: {m: 4}}",
	} {
		c, err := Load(write(t, yaml+"\n"), nil)
		if err != nil {
			t.Fatalf("%s: %v", yaml, err)
		}
		back, err := LoadStored(write(t, c.YAML()))
		if err != nil {
			t.Fatalf("%s: the resolved config does not load back: %v\n%s", yaml, err, c.YAML())
		}
		if back.YAML() != c.YAML() {
			t.Errorf("%s: resolved config changed on reload:\n%s\nvs\n%s", yaml, c.YAML(), back.YAML())
		}
		b1, w1, _ := ParseClassWeights(c.Train.ClassWeights)
		b2, w2, _ := ParseClassWeights(back.Train.ClassWeights)
		if b1 != b2 || len(w1) != len(w2) || (!b1 && w1 == nil && strings.Contains(yaml, "class_weights")) {
			t.Errorf("%s: class weights %v %v, reloaded %v %v", yaml, b1, w1, b2, w2)
		}
	}
	c, err := Load(write(t, "model: {hidden: [4]}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"class_weights", "pos_weight", "threshold", "weight_column", "positive"} {
		if strings.Contains(c.YAML(), k+":") {
			t.Errorf("a classifier's resolved config lists %s:\n%s", k, c.YAML())
		}
	}
}
