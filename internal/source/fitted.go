package source

import (
	"encoding/json"
	"fmt"
)

// fittedJSON is how a source's fitted preprocessing is stored under
// MetaKey: the source's name and its own JSON.
type fittedJSON struct {
	Source string          `json:"source"`
	State  json.RawMessage `json:"state"`
}

// EncodeFitted renders the fitted preprocessing f of the source named
// name as the model-file metadata value of MetaKey; "" when f is nil.
func EncodeFitted(name string, f Fitted) (string, error) {
	if f == nil {
		return "", nil
	}
	state, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("%s preprocessing: %v", name, err)
	}
	b, err := json.Marshal(fittedJSON{Source: name, State: state})
	return string(b), err
}

func decodeFitted(raw string) (name string, state []byte, err error) {
	var f fittedJSON
	if err := json.Unmarshal([]byte(raw), &f); err != nil {
		return "", nil, fmt.Errorf("metadata %s is not valid JSON: %v", MetaKey, err)
	}
	return f.Source, f.State, nil
}
