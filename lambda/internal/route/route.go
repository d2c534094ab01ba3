// Package route decides where a case goes: rules from an account's organizational unit or tags
// to channels (a Jira project, a chat topic, an e-mail topic), first match wins, and a default
// route for everything else. Package owner names who owns the account, for every ticket.
//
// The rules come from one setting (a JSON list) validated at cold start; Route is pure.
package route

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Account is what the responder knows about who owns an account.
type Account struct {
	ID   string            `json:"id"`
	Name string            `json:"name,omitempty"`
	OUs  []OU              `json:"ous,omitempty"` // from the root's first child down to the account's parent
	Tags map[string]string `json:"tags,omitempty"`
}

// OU is one organizational unit on the account's path.
type OU struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Channels are where a case of a route goes; an empty field keeps the default's channel.
type Channels struct {
	JiraProject   string `json:"jiraProject,omitempty"`
	ChatTopicARN  string `json:"chatTopicArn,omitempty"`
	EmailTopicARN string `json:"emailTopicArn,omitempty"`
}

// Rule sends the cases of matching accounts to its channels. An account matches when it sits
// under OU (at any depth) and carries every tag of Tags; a rule with neither matches nothing.
type Rule struct {
	Name string            `json:"name"`
	OU   string            `json:"ou,omitempty"`
	Tags map[string]string `json:"tags,omitempty"`
	Channels
	// Digest asks for one daily message listing the route's open cases instead of a message
	// per event.
	Digest bool `json:"digest,omitempty"`
}

// Table is the routing setting: rules in order, and the default channels.
type Table struct {
	Rules   []Rule   `json:"rules"`
	Default Channels `json:"default"`
}

// Decision is the route a case takes.
type Decision struct {
	Rule     string // the matching rule's name; "" for the default
	Channels Channels
	Digest   bool
}

var (
	ouID       = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	topicARN   = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$`)
	jiraKey    = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,9}$`)
	ruleName   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	errNoMatch = errors.New("a rule needs an ou or tags to match on")
)

// Parse reads and checks the routing setting. Unknown fields are errors, so a misspelt key does
// not silently route everything to the default.
func Parse(raw string) (Table, error) {
	var t Table
	if raw == "" {
		return t, nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return Table{}, fmt.Errorf("routes: %w", err)
	}
	seen := map[string]bool{}
	for i, r := range t.Rules {
		at := fmt.Sprintf("routes: rule %d", i+1)
		if !ruleName.MatchString(r.Name) {
			return Table{}, fmt.Errorf("%s: name %q: letters, digits, _ . - only, 1–64", at, r.Name)
		}
		if seen[r.Name] {
			return Table{}, fmt.Errorf("%s: name %q used twice", at, r.Name)
		}
		seen[r.Name] = true
		if r.OU == "" && len(r.Tags) == 0 {
			return Table{}, fmt.Errorf("%s (%s): %w", at, r.Name, errNoMatch)
		}
		if r.OU != "" && !ouID.MatchString(r.OU) {
			return Table{}, fmt.Errorf("%s (%s): ou %q is not an OU id (ou-xxxx-xxxxxxxx)", at, r.Name, r.OU)
		}
		if err := checkChannels(r.Channels); err != nil {
			return Table{}, fmt.Errorf("%s (%s): %w", at, r.Name, err)
		}
	}
	if err := checkChannels(t.Default); err != nil {
		return Table{}, fmt.Errorf("routes: default: %w", err)
	}
	return t, nil
}

func checkChannels(c Channels) error {
	if c.JiraProject != "" && !jiraKey.MatchString(c.JiraProject) {
		return fmt.Errorf("jiraProject %q is not a Jira project key", c.JiraProject)
	}
	for name, arn := range map[string]string{"chatTopicArn": c.ChatTopicARN, "emailTopicArn": c.EmailTopicARN} {
		if arn != "" && !topicARN.MatchString(arn) {
			return fmt.Errorf("%s %q is not an SNS topic ARN", name, arn)
		}
	}
	return nil
}

// Route picks the first rule that matches the account, else the default. A rule's empty channel
// falls back to the default's.
func (t Table) Route(a Account) Decision {
	for _, r := range t.Rules {
		if r.matches(a) {
			return Decision{Rule: r.Name, Channels: merge(r.Channels, t.Default), Digest: r.Digest}
		}
	}
	return Decision{Channels: t.Default}
}

func (r Rule) matches(a Account) bool {
	if r.OU == "" && len(r.Tags) == 0 {
		return false
	}
	if r.OU != "" && !slices.ContainsFunc(a.OUs, func(o OU) bool { return o.ID == r.OU }) {
		return false
	}
	for k, v := range r.Tags {
		if got, ok := a.Tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func merge(c, def Channels) Channels {
	if c.JiraProject == "" {
		c.JiraProject = def.JiraProject
	}
	if c.ChatTopicARN == "" {
		c.ChatTopicARN = def.ChatTopicARN
	}
	if c.EmailTopicARN == "" {
		c.EmailTopicARN = def.EmailTopicARN
	}
	return c
}
