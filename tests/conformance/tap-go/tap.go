// Package tap is a minimal stand-in for github.com/mndrix/tap-go, which Debian
// does not package: the subset of its API that runtime-tools validation uses.
// YAML blocks are written as JSON (a YAML subset) to need no yaml package.
package tap

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

type T struct {
	nextTestNumber *int
	todo           bool
	Writer         io.Writer
}

func New() *T {
	n := 1
	return &T{nextTestNumber: &n, Writer: os.Stdout}
}

func (t *T) printf(format string, a ...interface{}) { fmt.Fprintf(t.Writer, format, a...) }

func (t *T) Header(n int) {
	t.printf("TAP version 13\n")
	if n > 0 {
		t.printf("1..%d\n", n)
	}
}

func (t *T) Ok(test bool, description string) {
	ok := "ok"
	if !test {
		ok = "not ok"
	}
	d := description
	if t.todo {
		d += " # TODO"
	}
	t.printf("%s %d - %s\n", ok, *t.nextTestNumber, d)
	*t.nextTestNumber++
}

func (t *T) Fail(description string) { t.Ok(false, description) }
func (t *T) Pass(description string) { t.Ok(true, description) }

func (t *T) Skip(count int, description string) {
	for i := 0; i < count; i++ {
		t.printf("ok %d # SKIP %s\n", *t.nextTestNumber, description)
		*t.nextTestNumber++
	}
}

func (t *T) Todo() *T {
	n := *t
	n.todo = true
	return &n
}

func (t *T) Count() int { return *t.nextTestNumber - 1 }

func (t *T) AutoPlan() { t.printf("1..%d\n", t.Count()) }

func (t *T) Diagnostic(message string) {
	t.printf("# %s\n", strings.Replace(message, "\n", "\n# ", -1))
}

func (t *T) Diagnosticf(format string, a ...interface{}) {
	t.Diagnostic(fmt.Sprintf(format, a...))
}

// YAML prints a diagnostic block; JSON is valid YAML.
func (t *T) YAML(message interface{}) error {
	b, err := json.MarshalIndent(message, "  ", "  ")
	if err != nil {
		return err
	}
	t.printf("  ---\n  %s\n  ...\n", string(b))
	return nil
}
