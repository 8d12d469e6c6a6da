package config

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SetValue returns the YAML config text src with the dotted key set to
// the scalar value (written as YAML reads it: 0.0031 is a number), the
// rest of the file kept: its other keys, their order and its comments
// (re-indented by the YAML writer). A missing key, or section, is added
// at the end of its section. nnfc lrfind --apply writes its suggestion
// into a copy of the config this way.
func SetValue(src []byte, key, value string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %v", err)
	}
	if len(doc.Content) == 0 { // an empty file
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the config must be a mapping of keys")
	}
	parts := strings.Split(key, ".")
	for i, part := range parts {
		last := i == len(parts)-1
		var found *yaml.Node
		for j := 0; j+1 < len(m.Content); j += 2 {
			if strings.EqualFold(m.Content[j].Value, part) {
				found = m.Content[j+1]
			}
		}
		switch {
		case found == nil && last:
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: part}, &yaml.Node{Kind: yaml.ScalarNode, Value: value})
		case found == nil:
			sub := &yaml.Node{Kind: yaml.MappingNode, Style: m.Style & yaml.FlowStyle}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: part}, sub)
			m = sub
		case last:
			if found.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s: must be a value, the config has a %s", strings.Join(parts[:i+1], "."), nodeKind(found))
			}
			found.Value, found.Tag, found.Style = value, "", 0
		default:
			if found.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("%s: must be a section of keys, the config has a %s", strings.Join(parts[:i+1], "."), nodeKind(found))
			}
			m = found
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}
