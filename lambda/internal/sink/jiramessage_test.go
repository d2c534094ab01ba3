package sink

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJiraMessageNeverCutsInsideACharacter(t *testing.T) {
	tests := []struct {
		name string
		msg  string
	}{
		{"Japanese error text longer than the cap", strings.Repeat("フィールドが長すぎます。", 60)},
		{"emoji straddling the cap", strings.Repeat("a", 299) + strings.Repeat("😀", 10)},
		{"ASCII", strings.Repeat("summary too long ", 40)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := json.Marshal(map[string]any{"errorMessages": []string{tc.msg}})
			got := jiraMessage(raw)
			if !utf8.ValidString(got) || utf8.RuneCountInString(got) > jiraMessageMax {
				t.Errorf("jiraMessage: %d runes, valid UTF-8 %v", utf8.RuneCountInString(got), utf8.ValidString(got))
			}
		})
	}
}
