package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// restoreMapKeys gives the entries of the maps keyed by the user's own
// names (mapKeys: data.types, data.impute.columns, data.embed) the names
// as the file b spells them: viper lowercases every key it reads, and a
// table's column "Island" is not "island". Two entries whose names differ
// only in case are an error naming the map.
func restoreMapKeys(c *Config, b []byte) error {
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := reflect.ValueOf(c).Elem()
	for _, key := range mapKeys {
		n := yamlAt(doc.Content[0], strings.Split(key, "."))
		m := fieldAt(root, strings.Split(key, "."))
		if n == nil || n.Kind != yaml.MappingNode || !m.IsValid() || m.Kind() != reflect.Map || m.IsNil() {
			continue
		}
		out := reflect.MakeMapWithSize(m.Type(), m.Len())
		spelled := map[string]string{} // lowercase → as the file has it
		for i := 0; i+1 < len(n.Content); i += 2 {
			name := n.Content[i].Value
			low := strings.ToLower(name)
			if prev, ok := spelled[low]; ok && prev != name {
				return fmt.Errorf("%s: %q and %q differ only in case, which keys of a config cannot tell apart", key, prev, name)
			}
			spelled[low] = name
			if v := m.MapIndex(reflect.ValueOf(low)); v.IsValid() {
				out.SetMapIndex(reflect.ValueOf(name), v)
			}
		}
		for it := m.MapRange(); it.Next(); {
			if _, ok := spelled[it.Key().String()]; !ok {
				out.SetMapIndex(it.Key(), it.Value()) // not from the file: kept as it is
			}
		}
		m.Set(out)
	}
	return nil
}

// yamlAt is the value node at path in a mapping node, the keys matched
// without case as viper matches them; nil when there is none.
func yamlAt(n *yaml.Node, path []string) *yaml.Node {
	for _, p := range path {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if strings.EqualFold(n.Content[i].Value, p) {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// fieldAt is the field of struct v at the mapstructure path (squashed
// structs searched as their parent's fields); invalid when there is none.
func fieldAt(v reflect.Value, path []string) reflect.Value {
	for _, p := range path {
		if v = fieldNamed(v, p); !v.IsValid() {
			return v
		}
	}
	return v
}

func fieldNamed(v reflect.Value, name string) reflect.Value {
	if v.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("mapstructure"), ",")
		if tag[0] == "-" {
			continue // not a key (Config.Inferred)
		}
		if slices.Contains(tag[1:], "squash") {
			if f := fieldNamed(v.Field(i), name); f.IsValid() {
				return f
			}
			continue
		}
		if tag[0] == name {
			return v.Field(i)
		}
	}
	return reflect.Value{}
}
