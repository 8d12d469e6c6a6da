package report

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// cssRules returns the style sheet's rules as selector → declarations
// (top level and inside @media alike).
func cssRules(css string) map[string][]string {
	out := map[string][]string{}
	for _, m := range regexp.MustCompile(`([^{}@]+)\{([^{}]*)\}`).FindAllStringSubmatch(css, -1) {
		for _, sel := range strings.Split(m[1], ",") {
			sel = strings.TrimSpace(sel)
			out[sel] = append(out[sel], m[2])
		}
	}
	return out
}

// TestConfigOneColumn: the Config block is one column of YAML (it was
// split into three CSS columns mid-YAML).
func TestConfigOneColumn(t *testing.T) {
	for sel, decls := range cssRules(style) {
		if !strings.Contains(sel, "pre") {
			continue
		}
		for _, d := range decls {
			if regexp.MustCompile(`(^|;)\s*(columns|column-count|column-width)\s*:`).MatchString(d) {
				t.Errorf("style.css: %s { %s } sets CSS columns on the YAML", sel, strings.TrimSpace(d))
			}
		}
	}
	var b bytes.Buffer
	if err := Render(&b, &Page{Config: strings.Repeat("key: value\n", 40)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `<pre class="config">key: value`) {
		t.Errorf("the page does not set the config in <pre class=\"config\">")
	}
}

// TestEmbedsShownLarge: the embedding scatter plots stand one to a row,
// up to 1000 px wide (they were two to a row, about 560 px each).
func TestEmbedsShownLarge(t *testing.T) {
	var b bytes.Buffer
	p := &Page{Embeds: []Figure{{Title: "h1-pca", Img: "data:image/png;base64,AA=="}, {Title: "h1-gplvm", Img: "data:image/png;base64,AA=="}}}
	if err := Render(&b, p); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	sec := html[strings.Index(html, `<section id="embedding">`):]
	sec = sec[:strings.Index(sec, "</section>")]
	if strings.Contains(sec, `class="two"`) || !strings.Contains(sec, `<div class="embeds">`) {
		t.Fatalf("the embedding section does not set its figures in .embeds:\n%s", sec)
	}
	rules := cssRules(style)
	if d := strings.Join(rules[".embeds"], ";"); !regexp.MustCompile(`grid-template-columns:\s*1fr\s*(;|$)`).MatchString(d) {
		t.Errorf(".embeds { %s }: want one column", d)
	}
	m := regexp.MustCompile(`max-width:\s*(\d+)px`).FindStringSubmatch(strings.Join(rules[".embeds img.plot"], ";"))
	if m == nil {
		t.Fatalf(".embeds img.plot sets no max-width")
	}
	if w, _ := strconv.Atoi(m[1]); w < 900 {
		t.Errorf(".embeds img.plot: max-width %d px, want ≥ 900", w)
	}
}
