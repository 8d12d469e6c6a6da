package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nnfc/nnfc/pkg/limits"
)

// maxConfigNodes bounds the number of values (scalars, mappings, lists,
// aliases expanded) in a config: a real one has under a hundred.
const maxConfigNodes = 10000

// readCapped reads a config file of at most limits.MaxConfigBytes.
func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: config file not found", path)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, expected a YAML config file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, limits.MaxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(b) > limits.MaxConfigBytes {
		return nil, fmt.Errorf("%s: config file larger than %d bytes (a config is a few hundred bytes)", path, limits.MaxConfigBytes)
	}
	return b, nil
}

// CheckYAML parses b, the text of the config file name, with the YAML
// parser alone and checks its shape before anything slower (viper,
// mapstructure) sees it: a top-level mapping, at most
// limits.MaxConfigDepth levels of nesting and maxConfigNodes values
// (aliases counted at every use), and no duplicate keys. A YAML syntax
// error becomes one line with its line number.
func CheckYAML(name string, b []byte) error {
	root, err := CheckYAMLShape(name, b)
	if err != nil || root == nil {
		return err
	}
	if root.Kind != yaml.MappingNode {
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			return nil
		}
		return fmt.Errorf("%s: line %d: the config must be a mapping of keys (seed:, data:, model:, ...), got %s", name, root.Line, kindName(root))
	}
	return nil
}

// CheckYAMLShape is CheckYAML for any YAML file nnfc reads (configs,
// sweep files): the size, nesting, value-count and duplicate-key checks,
// without the schema's top-level mapping. It returns the root node (nil
// for an empty document).
func CheckYAMLShape(name string, b []byte) (*yaml.Node, error) {
	if len(b) > limits.MaxConfigBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, limits.MaxConfigBytes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %s", name, oneLine(err.Error()))
	}
	if len(doc.Content) == 0 {
		return nil, nil // empty file
	}
	root := doc.Content[0]
	w := walker{name: name}
	if err := w.walk(root, 1); err != nil {
		return nil, err
	}
	// Duplicate keys and similar decode errors: the parse into a map
	// reports them (viper would too, over several lines).
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %s", name, oneLine(err.Error()))
	}
	return root, nil
}

type walker struct {
	name  string
	nodes int
}

func (w *walker) walk(n *yaml.Node, depth int) error {
	w.nodes++
	if w.nodes > maxConfigNodes {
		return fmt.Errorf("%s: line %d: holds more than %d values (a config has under a hundred)", w.name, n.Line, maxConfigNodes)
	}
	if depth > limits.MaxConfigDepth {
		return fmt.Errorf("%s: line %d: nested more than %d levels deep (nnfc's keys are at most 3 deep)", w.name, n.Line, limits.MaxConfigDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias != nil {
			return w.walk(n.Alias, depth)
		}
	case yaml.MappingNode, yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			if err := w.walk(c, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

// oneLine turns a YAML library error, which may span lines ("yaml:
// unmarshal errors:\n  line 2: ..."), into one line: "line 2: ...".
func oneLine(msg string) string {
	msg = strings.TrimPrefix(msg, "While parsing config: ")
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(l, "yaml: ")
		if l == "" || l == "unmarshal errors:" {
			continue
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, "; ")
}
