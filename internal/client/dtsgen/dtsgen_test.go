package dtsgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseSrc(t *testing.T, src string) (*Model, error) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "wire_x.go"), []byte("package x\n\n"+src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.go"), []byte("package x\n\ntype Ignored struct{ A int }\n"), 0o644))
	return Parse(dir)
}

func TestTypeScript(t *testing.T) {
	m, err := parseSrc(t, `
// Color is a colour.
type Color string

const (
	// Red: warm.
	Red Color = "red"
	// Blue: cold.
	Blue Color = "blue"
)

// Mood includes the colours.
//
// dts-includes: Color any colour, as a mood.
type Mood string

const (
	// Calm: no colour at all.
	Calm Mood = "calm"
)

// Open is an open set.
type Open string

// Box holds things.
type Box struct {
	// The colour.
	Color Color `+"`json:\"color\"`"+`
	Size  *int  `+"`json:\"size\"`"+`
	Note  string `+"`json:\"note,omitempty\"`"+`
	Tags  []string `+"`json:\"tags\"`"+`
	Vars  map[string]string `+"`json:\"vars\"`"+`
	// dts: string | Box
	Any []Box `+"`json:\"any\"`"+`
}

type Ev interface{ Kind() string }

func (Box) Kind() string { return "" }
`)
	require.NoError(t, err)
	assert.Equal(t, []string{"red", "blue"}, m.Enum("Color"))
	assert.Nil(t, m.Enum("Open"))
	assert.Equal(t, []string{"red", "blue", "calm"}, m.Enum("Mood"))
	got := string(m.TypeScript())
	for _, want := range []string{
		"export type Color =\n  /** warm. */\n  | 'red'\n  /** cold. */\n  | 'blue';",
		"export type Open = string;",
		"export type Mood =\n  /** any colour, as a mood. */\n  | Color\n  /** no colour at all. */\n  | 'calm';",
		"  /** The colour. */\n  color: Color;",
		"  size: number | null;",
		"  note?: string;",
		"  tags: string[];",
		"  vars: Record<string, string>;",
		"  any: string | Box;",
		"export type Ev = Box;",
	} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "Ignored", "only wire_*.go files")
	assert.True(t, strings.HasPrefix(got, Begin) && strings.HasSuffix(got, End+"\n"))
}

func TestEveryMemberNeedsAMeaning(t *testing.T) {
	_, err := parseSrc(t, "type C string\n\nconst Red C = \"red\"\n")
	require.ErrorContains(t, err, "Red has no comment")
}

func TestSplice(t *testing.T) {
	file := []byte("head\n" + Begin + "\nold\n" + End + "\ntail\n")
	out, err := Splice(file, []byte(Begin+"\nnew\n"+End+"\n"))
	require.NoError(t, err)
	assert.Equal(t, "head\n"+Begin+"\nnew\n"+End+"\ntail\n", string(out))
	sec, err := Section(out)
	require.NoError(t, err)
	assert.Equal(t, Begin+"\nnew\n"+End+"\n", string(sec))
	_, err = Section([]byte("no markers"))
	require.Error(t, err)
}
