// Package eventpattern matches events against EventBridge event patterns, following the
// semantics the EventBridge user guide documents ("Event patterns", "Content filtering"), so that
// the responder's rule can be tested offline. moto's matcher cannot stand in: it does not descend
// into arrays of objects, and Security Hub's detail.findings is one.
//
// EventBridge matches field by field: a pattern path is satisfied when any value found at that
// path, in any element of any array on the way, matches. One event holding a PASSED IAM.4 finding
// and a FAILED IAM.6 finding therefore matches {SecurityControlId:[IAM.4], Status:[FAILED]}.
//
// Supported: exact values (string, number, boolean, null), prefix, suffix (each also with
// equals-ignore-case), equals-ignore-case, anything-but (value, list, prefix, suffix), exists,
// numeric, and $or at any level. Anything else is an error rather than a silent mismatch.
package eventpattern

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Match reports whether event matches pattern; both are JSON documents.
func Match(pattern, event []byte) (bool, error) {
	var p map[string]any
	if err := json.Unmarshal(pattern, &p); err != nil {
		return false, fmt.Errorf("pattern: %w", err)
	}
	var e any
	if err := json.Unmarshal(event, &e); err != nil {
		return false, fmt.Errorf("event: %w", err)
	}
	values := map[string][]any{}
	flatten("", e, values)
	return matchObject("", p, values)
}

// flatten collects every leaf value under its dotted path; arrays add their elements' values to
// the same path.
func flatten(path string, v any, out map[string][]any) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			flatten(join(path, k), child, out)
		}
	case []any:
		for _, child := range v {
			flatten(path, child, out)
		}
	default:
		out[path] = append(out[path], v)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func matchObject(path string, p map[string]any, values map[string][]any) (bool, error) {
	for k, sub := range p {
		var ok bool
		var err error
		switch {
		case k == "$or":
			ok, err = matchOr(path, sub, values)
		default:
			switch sub := sub.(type) {
			case map[string]any:
				ok, err = matchObject(join(path, k), sub, values)
			case []any:
				ok, err = matchField(values[join(path, k)], sub)
			default:
				err = fmt.Errorf("%s: a pattern value must be an array or an object", join(path, k))
			}
		}
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func matchOr(path string, sub any, values map[string][]any) (bool, error) {
	branches, ok := sub.([]any)
	if !ok || len(branches) < 2 {
		return false, fmt.Errorf("%s: $or takes an array of at least two patterns", path)
	}
	for _, b := range branches {
		obj, ok := b.(map[string]any)
		if !ok {
			return false, fmt.Errorf("%s: $or branch is not an object", path)
		}
		ok, err := matchObject(path, obj, values)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// matchField reports whether any of the event's values at a path matches any matcher.
func matchField(have []any, matchers []any) (bool, error) {
	for _, m := range matchers {
		if rule, ok := m.(map[string]any); ok {
			if exists, ok := rule["exists"]; ok {
				want, isBool := exists.(bool)
				if !isBool {
					return false, fmt.Errorf("exists takes true or false")
				}
				if (len(have) > 0) == want {
					return true, nil
				}
				continue
			}
		}
		for _, v := range have {
			ok, err := matchValue(v, m)
			if err != nil {
				return false, err
			}
			if ok {
				return true, nil
			}
		}
	}
	return false, nil
}

func matchValue(v, m any) (bool, error) {
	rule, ok := m.(map[string]any)
	if !ok {
		return equal(v, m), nil
	}
	if len(rule) != 1 {
		return false, fmt.Errorf("a content filter has exactly one operator: %v", rule)
	}
	for op, arg := range rule {
		switch op {
		case "prefix", "suffix":
			return affix(op, v, arg)
		case "equals-ignore-case":
			s, isStr := v.(string)
			a, argStr := arg.(string)
			if !argStr {
				return false, fmt.Errorf("equals-ignore-case takes a string")
			}
			return isStr && strings.EqualFold(s, a), nil
		case "anything-but":
			return anythingBut(v, arg)
		case "numeric":
			return numeric(v, arg)
		default:
			return false, fmt.Errorf("unsupported operator %q", op)
		}
	}
	return false, nil
}

func affix(op string, v, arg any) (bool, error) {
	s, isStr := v.(string)
	fold := false
	if obj, ok := arg.(map[string]any); ok {
		arg, fold = obj["equals-ignore-case"], true
	}
	a, ok := arg.(string)
	if !ok {
		return false, fmt.Errorf("%s takes a string", op)
	}
	if !isStr {
		return false, nil
	}
	if fold {
		s, a = strings.ToLower(s), strings.ToLower(a)
	}
	if op == "prefix" {
		return strings.HasPrefix(s, a), nil
	}
	return strings.HasSuffix(s, a), nil
}

func anythingBut(v, arg any) (bool, error) {
	switch a := arg.(type) {
	case []any:
		for _, x := range a {
			if equal(v, x) {
				return false, nil
			}
		}
		return true, nil
	case map[string]any:
		ok, err := matchValue(v, a)
		return !ok, err
	default:
		return !equal(v, a), nil
	}
}

func numeric(v, arg any) (bool, error) {
	n, isNum := v.(float64)
	conds, ok := arg.([]any)
	if !ok || len(conds)%2 != 0 || len(conds) == 0 {
		return false, fmt.Errorf("numeric takes operator/value pairs")
	}
	if !isNum {
		return false, nil
	}
	for i := 0; i < len(conds); i += 2 {
		op, _ := conds[i].(string)
		x, ok := conds[i+1].(float64)
		if !ok {
			return false, fmt.Errorf("numeric: %v is not a number", conds[i+1])
		}
		var hold bool
		switch op {
		case "<":
			hold = n < x
		case "<=":
			hold = n <= x
		case "=":
			hold = n == x
		case ">":
			hold = n > x
		case ">=":
			hold = n >= x
		default:
			return false, fmt.Errorf("numeric: unknown operator %q", op)
		}
		if !hold {
			return false, nil
		}
	}
	return true, nil
}

func equal(v, m any) bool {
	switch m := m.(type) {
	case string:
		s, ok := v.(string)
		return ok && s == m
	case float64:
		n, ok := v.(float64)
		return ok && n == m
	case bool:
		b, ok := v.(bool)
		return ok && b == m
	case nil:
		return v == nil
	}
	return false
}
