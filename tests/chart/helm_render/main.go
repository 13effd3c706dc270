// helm-render renders a chart the way `helm template --strict` does, for the chart tests: Go's
// text/template with Sprig's functions and Helm's own (include, tpl, required, toYaml, ...),
// values.yaml coalesced with -f files, Helm's built-in objects, and, like Helm 3, the values
// checked against values.schema.json with gojsonschema. No Helm binary can be installed on the
// build machines (its downloads are out of reach); Go, Sprig and gojsonschema come from Debian.
// It covers what a chart without dependencies, Files or lookup needs, and errors loudly on
// anything else (missing keys included) rather than guessing.
//
//	helm-render [-f values.yaml]... [-release NAME] [-namespace NS] CHART_DIR
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"github.com/xeipuuv/gojsonschema"
	yaml2 "gopkg.in/yaml.v2"
	yaml3 "gopkg.in/yaml.v3"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	var files valueFiles
	flag.Var(&files, "f", "values file (repeatable, later wins)")
	release := flag.String("release", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	flag.Parse()
	if flag.NArg() != 1 {
		fail(errors.New("usage: helm-render [-f values.yaml]... CHART_DIR"))
	}
	if len(*release) > 53 { // Helm's own limit, leaving room for suffixes within 63
		fail(fmt.Errorf("release name %q exceeds max length of 53", *release))
	}
	out, notes, err := render(flag.Arg(0), files, *release, *namespace)
	if err != nil {
		fail(err)
	}
	os.Stdout.WriteString(out)
	os.Stderr.WriteString(notes)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "Error:", err)
	os.Exit(1)
}

func readYAML(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := yaml3.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return normalize(out).(map[string]interface{}), nil
}

// normalize turns YAML's decoded shapes into JSON's, as Helm's sigs.k8s.io/yaml does.
func normalize(v interface{}) interface{} {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out interface{}
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	return out
}

// coalesce merges override into base the way Helm merges user values over the chart's: maps
// merge key by key, anything else replaces, and a null removes the key.
func coalesce(base, override map[string]interface{}) map[string]interface{} {
	for key, value := range override {
		if value == nil {
			delete(base, key)
			continue
		}
		sub, isMap := value.(map[string]interface{})
		baseSub, baseIsMap := base[key].(map[string]interface{})
		if isMap && baseIsMap {
			base[key] = coalesce(baseSub, sub)
		} else {
			base[key] = value
		}
	}
	return base
}

func toYAML(v interface{}) string {
	data, err := yaml2.Marshal(normalize(v))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func capitalised(metadata map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for key, value := range metadata {
		out[strings.ToUpper(key[:1])+key[1:]] = value
	}
	return out
}

// render returns the manifests and, apart, NOTES.txt (Helm prints it after installing).
func render(chartDir string, files []string, release, namespace string) (string, string, error) {
	metadata, err := readYAML(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", "", err
	}
	values, err := readYAML(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return "", "", err
	}
	for _, file := range files {
		override, err := readYAML(file)
		if err != nil {
			return "", "", err
		}
		values = coalesce(values, override)
	}
	name, _ := metadata["name"].(string)
	if err := validateValues(chartDir, name, values); err != nil {
		return "", "", err
	}
	top := map[string]interface{}{
		"Values": values,
		"Chart":  capitalised(metadata),
		"Release": map[string]interface{}{
			"Name": release, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30"},
		},
	}

	root := template.New("chart").Option("missingkey=error")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["toJson"] = func(v interface{}) string { data, _ := json.Marshal(v); return string(data) }
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		out := map[string]interface{}{}
		if err := yaml3.Unmarshal([]byte(s), &out); err != nil {
			out["Error"] = err.Error()
		}
		return out
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = t.Execute(&buf, data)
		return buf.String(), err
	}
	root.Funcs(funcs)

	paths, err := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	if err != nil {
		return "", "", err
	}
	sort.Strings(paths)
	var bases []string
	for _, path := range paths {
		text, err := os.ReadFile(path)
		if err != nil {
			return "", "", err
		}
		if _, err := root.New(name + "/templates/" + filepath.Base(path)).Parse(string(text)); err != nil {
			return "", "", err
		}
		bases = append(bases, filepath.Base(path))
	}
	execute := func(base string) (string, error) {
		full := name + "/templates/" + base
		top["Template"] = map[string]interface{}{"Name": full, "BasePath": name + "/templates"}
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, full, top)
		return buf.String(), err
	}
	var out strings.Builder
	notes := ""
	for _, base := range bases {
		text, err := "", error(nil)
		switch {
		case strings.HasPrefix(base, "_"):
			continue
		case base == "NOTES.txt":
			notes, err = execute(base)
		default:
			text, err = execute(base)
		}
		if err != nil {
			return "", "", err
		}
		if strings.TrimSpace(text) != "" {
			fmt.Fprintf(&out, "---\n# Source: %s/templates/%s\n%s\n", name, base, strings.TrimSpace(text))
		}
	}
	return out.String(), notes, nil
}

// validateValues is Helm's check of the final values against the chart's values.schema.json.
func validateValues(chartDir, name string, values map[string]interface{}) error {
	schema, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewGoLoader(values))
	if err != nil {
		return fmt.Errorf("%s/values.schema.json: %w", name, err)
	}
	if result.Valid() {
		return nil
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n", name)
	for _, problem := range result.Errors() {
		fmt.Fprintf(&msg, "- %s\n", problem)
	}
	return errors.New(msg.String())
}
