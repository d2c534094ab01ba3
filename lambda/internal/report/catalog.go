package report

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/iam4-responder/iam4-responder/lambda/internal/advice"
	"github.com/iam4-responder/iam4-responder/lambda/internal/contain"
)

// messages is one language's sentences for the codes that advice and contain return: advice
// decides and says what in codes and numbers, report owns every sentence. A sentence names its
// values as {name}, the keys of the message's params; TestCatalogsAgree fails when a code or a
// placeholder is missing in one language, so no language can fall behind silently.
//
// Keys: the advice and contain codes themselves ("reason.…", "caution.…", "contain.…"), and
//
//	note.<code>            a policy note; {action} is PolicyNote.Action
//	state.<v>, verdict.<v> a param value that is a code
//	refused.<code>         why containment did not act on an account; {error} the error text
//	do.<do>                what containment did with a key
//	look.<look>            what a find-more step asks to read
//	step.find.partial, step.find-more, step.verify-unused  the step details with values
//	severity.<label>       Security Hub's severity labels, as its console shows them
//	resolved.<reason>      the finding package's resolution reasons
//	key.slot, key.unknown  a key known by its report slot only, or not at all
//	unknown                an empty value
type messages map[string]string

var catalogs = map[Lang]messages{English: messagesEN, Japanese: messagesJA}

func (r Report) messages() messages {
	if m, ok := catalogs[r.Lang]; ok {
		return m
	}
	return messagesEN
}

// pluralForm is a word that agrees with a count param: {calls:call|calls} says "call" when calls
// is 1 and "calls" otherwise. Languages without plurals (Japanese) do not use it.
var pluralForm = regexp.MustCompile(`\{([a-z_]+):([^|{}]*)\|([^|{}]*)\}`)

// translated are the params whose values are codes with a sentence of their own.
var translated = []string{"state", "verdict"}

// say renders a code with its params in the report's language. A code missing from the
// catalog (a newer producer than this renderer) shows as the code and its params, never as
// nothing.
func (r Report) say(code string, params map[string]string) string {
	cat := r.messages()
	s, ok := cat[code]
	if !ok {
		return advice.Message{Code: code, Params: params}.String()
	}
	if !strings.Contains(s, "{") {
		return s
	}
	s = pluralForm.ReplaceAllStringFunc(s, func(m string) string {
		f := pluralForm.FindStringSubmatch(m)
		if params[f[1]] == "1" {
			return f[2]
		}
		return f[3]
	})
	var kv []string
	for name, v := range params {
		switch {
		case v == "":
			v = cat["unknown"]
		case contains(translated, name):
			if t, ok := cat[name+"."+v]; ok {
				v = t
			}
		}
		kv = append(kv, "{"+name+"}", v)
	}
	return strings.NewReplacer(kv...).Replace(s)
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// msg renders an advice message.
func (r Report) msg(m advice.Message) string { return r.say(m.Code, m.Params) }

// noteText renders a policy note.
func (r Report) noteText(n advice.PolicyNote) string {
	p := map[string]string{"action": n.Action}
	for k, v := range n.Params {
		p[k] = v
	}
	return r.say("note."+n.Code, p)
}

// keyLabel names a key: its masked id, or its report slot when no id is known.
func (r Report) keyLabel(k advice.KeyAdvice) string {
	switch {
	case k.Key != "":
		return k.Key
	case k.Slot > 0:
		return r.say("key.slot", map[string]string{"slot": strconv.Itoa(k.Slot)})
	}
	return r.say("key.unknown", nil)
}

// refusedText renders why containment did not act on an account.
func (r Report) refusedText(o *contain.Outcome) string {
	return r.say("refused."+o.Refused, map[string]string{"error": o.RefusedError})
}

// actionText renders what containment did with one key, without the reason.
func (r Report) doText(do string) string { return r.say("do."+do, nil) }

// severity is Security Hub's severity label as its console shows it in the report's language.
func (r Report) severity(label string) string {
	if s, ok := r.messages()["severity."+label]; ok {
		return s
	}
	return orDash(label)
}

// resolvedReason renders why a case was resolved: the finding package's reasons are known
// sentences; anything else is shown as it came.
func (r Report) resolvedReason(reason string) string {
	if s, ok := r.messages()["resolved."+reason]; ok {
		return s
	}
	return reason
}

// findMoreDetail renders what a find-more step asks to read; esc makes each Region name safe
// for the channel (the sentence itself is ours, and must not be cut by a value's cap).
func (r Report) findMoreDetail(st advice.Step, esc func(string) string) string {
	cat := r.messages()
	parts := make([]string, 0, len(st.Look))
	for _, l := range st.Look {
		parts = append(parts, r.say("look."+l, nil))
	}
	regions := ""
	if len(st.Regions) > 0 {
		safe := make([]string, 0, len(st.Regions))
		for _, g := range st.Regions {
			safe = append(safe, esc(g))
		}
		regions = r.say("step.find-more.regions", map[string]string{"regions": strings.Join(safe, ", ")})
	}
	return strings.NewReplacer("{looks}", strings.Join(parts, cat["list.sep"]), "{regions}", regions).Replace(cat["step.find-more"])
}

// modeText names a containment mode.
func (r Report) modeText(m contain.Mode) string { return r.say("mode."+string(m), nil) }

// owner and activity: the catalogs' keys of owner.go and activity.go are
//
//	owner.<part>           the account's name, OU path and tags
//	activity.<part>        the per-caller chart's title and lines
//	cadence.<kind>[.hour]  package activity's cadence kinds; {hour} is two digits, {weekday} weekday.<n>
//	weekday.<n>            time.Weekday n, as "on …" takes it
//	link.event_history     the CloudTrail event history link's label
