package source

import (
	"encoding/json"
	"fmt"
)

// fittedJSON is how a source's fitted preprocessing is stored
// (data.Normalizer.Source): the source's name and its own JSON.
type fittedJSON struct {
	Source string          `json:"source"`
	State  json.RawMessage `json:"state"`
}

// EncodeFitted renders the fitted preprocessing f of the source named
// name for data.Normalizer.Source; nil when f is nil.
func EncodeFitted(name string, f Fitted) (json.RawMessage, error) {
	if f == nil {
		return nil, nil
	}
	state, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("%s preprocessing: %v", name, err)
	}
	return json.Marshal(fittedJSON{Source: name, State: state})
}

// DecodeFitted splits stored preprocessing (from EncodeFitted) into the
// name of the source that fitted it and that source's own JSON; "" and
// nil when there is none. Exporters that rebuild the preprocessing
// elsewhere (internal/onnx) read it so.
func DecodeFitted(stored json.RawMessage) (name string, state json.RawMessage, err error) {
	if len(stored) == 0 {
		return "", nil, nil
	}
	var f fittedJSON
	if err := json.Unmarshal(stored, &f); err != nil {
		return "", nil, fmt.Errorf("the stored preprocessing is not valid JSON: %v", err)
	}
	return f.Source, f.State, nil
}

// Fit returns the reader of raw rows that stored preprocessing (from
// EncodeFitted) describes, or nil when there is none.
func Fit(stored json.RawMessage) (FittedReader, error) {
	if len(stored) == 0 {
		return nil, nil
	}
	var f fittedJSON
	if err := json.Unmarshal(stored, &f); err != nil {
		return nil, fmt.Errorf("the stored preprocessing is not valid JSON: %v", err)
	}
	s, err := Lookup(f.Source)
	if err != nil {
		return nil, fmt.Errorf("the stored preprocessing: %v", err)
	}
	r, ok := s.(Refitter)
	if !ok {
		return nil, fmt.Errorf("the stored preprocessing names source %s, which fits none", f.Source)
	}
	return r.Refit(f.State)
}
