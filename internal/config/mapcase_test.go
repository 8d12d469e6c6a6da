package config

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestMapKeysKeepCase: the maps keyed by a table's column names keep the
// names as the file spells them (viper lowercases every key: "Island"
// became "island", which no column is called), through the resolved
// config a run stores and reads back; two names that differ only in case
// are one error naming the map.
func TestMapKeysKeepCase(t *testing.T) {
	text := `data:
  source: table
  train: t.csv
  target: Species
  types: {Island: categorical, year: numeric}
  impute: {columns: {Sex: mode}}
  embed: {Island: 3}
`
	c, err := Load(write(t, text), nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(c Config) {
		t.Helper()
		if got := slices.Sorted(maps.Keys(c.Data.Types)); !slices.Equal(got, []string{"Island", "year"}) || c.Data.Types["Island"] != "categorical" {
			t.Errorf("data.types %v", c.Data.Types)
		}
		if c.Data.Impute.Columns["Sex"] != "mode" || len(c.Data.Impute.Columns) != 1 {
			t.Errorf("data.impute.columns %v", c.Data.Impute.Columns)
		}
		if c.Data.Embed["Island"] != 3 || len(c.Data.Embed) != 1 {
			t.Errorf("data.embed %v", c.Data.Embed)
		}
	}
	check(c)
	stored, err := LoadStored(write(t, c.YAML()))
	if err != nil {
		t.Fatal(err)
	}
	check(stored)
	_, err = Load(write(t, strings.Replace(text, "embed: {Island: 3}", "embed: {Island: 3, island: 2}", 1)), nil)
	if err == nil || !strings.Contains(err.Error(), `data.embed: "Island" and "island" differ only in case`) {
		t.Errorf("names differing in case: %v", err)
	}
}
