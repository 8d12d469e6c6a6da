package train

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nnfc/nnfc/internal/rundir"
	"github.com/nnfc/nnfc/pkg/data"
	"github.com/nnfc/nnfc/pkg/layers"
	"github.com/nnfc/nnfc/pkg/model"
	"github.com/nnfc/nnfc/pkg/optim"
	"github.com/nnfc/nnfc/pkg/stfile"
)

// state is the position of a run, stored as JSON in the checkpoint's
// metadata beside the weights and optimizer state.
type state struct {
	Epoch   int     `json:"epoch"` // epochs finished
	Step    int     `json:"step"`  // batches finished in the current epoch
	LossSum float64 `json:"loss_sum"`
	// DataLossSum is LossSum without the L2 term.
	DataLossSum float64 `json:"data_loss_sum"`
	// LossFloor is the lowest training loss seen (the first step's, then
	// epoch means), the yardstick of the divergence warning; LossStart is
	// the first step's (0 in checkpoints written before it was kept).
	LossFloor float64          `json:"loss_floor"`
	LossStart float64          `json:"loss_start,omitempty"`
	Warnings  []string         `json:"warnings,omitempty"`
	NormSum   float64          `json:"norm_sum"`
	Seconds   float64          `json:"seconds"` // spent in the current epoch so far
	OptSteps  int              `json:"opt_steps"`
	History   []rundir.Metrics `json:"history"`
	Best      float64          `json:"best"` // best monitored value so far
	BestEpoch int              `json:"best_epoch"`
	Bad       int              `json:"bad_epochs"` // epochs without improvement
	Schedule  json.RawMessage  `json:"schedule,omitempty"`
	// EMASteps is the moving average's update count (train.ema).
	EMASteps int    `json:"ema_steps,omitempty"`
	Finished bool   `json:"finished"`
	Reason   string `json:"reason,omitempty"` // why it finished
}

const (
	metaState   = "nnfc.state"
	optimPrefix = "optim."
	bestPrefix  = "best."
	emaPrefix   = "ema."
)

// saveCheckpoint writes weights, best weights, the weights' moving
// average (ema, nil without train.ema), optimizer state and the position
// atomically.
func saveCheckpoint[T layers.Float](path string, net, best, ema *model.Net[T], opt optim.Optimizer[T], norm *data.Normalizer, st *state) error {
	meta, err := model.Metadata(net.Spec, norm)
	if err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	meta[metaState] = string(b)
	ts := append(model.Tensors(net, ""), model.Tensors(best, bestPrefix)...)
	if ema != nil {
		ts = append(ts, model.Tensors(ema, emaPrefix)...)
	}
	for _, s := range opt.State() {
		ts = append(ts, model.Tensor(optimPrefix+s.Name, []int{len(s.Data)}, s.Data))
	}
	return stfile.Write(path, ts, meta)
}

// peekState reads only the position of the checkpoint at path.
func peekState(path string) (*state, error) {
	_, meta, err := stfile.Read(path)
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal([]byte(meta[metaState]), &st); err != nil {
		return nil, fmt.Errorf("%s: metadata %s is not valid JSON: %v", path, metaState, err)
	}
	return &st, nil
}

// loadCheckpoint restores weights, best weights, the moving average (into
// ema, when not nil) and optimizer state into net, best, ema and opt, and
// returns the position.
func loadCheckpoint[T layers.Float](path string, net, best, ema *model.Net[T], opt optim.Optimizer[T]) (*state, error) {
	ts, meta, err := stfile.Read(path)
	if err != nil {
		return nil, err
	}
	raw, ok := meta[metaState]
	if !ok {
		return nil, fmt.Errorf("%s: not an nnfc checkpoint (no %s metadata)", path, metaState)
	}
	var st state
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return nil, fmt.Errorf("%s: metadata %s is not valid JSON: %v", path, metaState, err)
	}
	if err := net.SetTensors(path, ts, ""); err != nil {
		return nil, err
	}
	if err := best.SetTensors(path, ts, bestPrefix); err != nil {
		return nil, err
	}
	if ema != nil {
		if err := ema.SetTensors(path, ts, emaPrefix); err != nil {
			return nil, err
		}
	}
	byName := map[string]stfile.Tensor{}
	for _, t := range ts {
		byName[t.Name] = t
	}
	for _, s := range opt.State() {
		t, ok := byName[optimPrefix+s.Name]
		if !ok || len(t.F32)+len(t.F64) != len(s.Data) {
			return nil, fmt.Errorf("%s: missing or mis-sized optimizer state %s%s (was the optimizer changed?)", path, optimPrefix, s.Name)
		}
		model.CopyTensor(s.Data, t)
	}
	for name := range byName {
		if strings.HasPrefix(name, optimPrefix) && !hasState(opt, strings.TrimPrefix(name, optimPrefix)) {
			return nil, fmt.Errorf("%s: optimizer state %s does not belong to the configured optimizer", path, name)
		}
	}
	opt.SetSteps(st.OptSteps)
	return &st, nil
}

func hasState[T layers.Float](opt optim.Optimizer[T], name string) bool {
	for _, s := range opt.State() {
		if s.Name == name {
			return true
		}
	}
	return false
}
