package xmpptest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// fakeTB records Skip and Fatal instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

type stopped struct{}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Skip(args ...any)      { f.skipped = fmt.Sprint(args...); panic(stopped{}) }
func (f *fakeTB) Fatal(args ...any)     { f.failed = fmt.Sprint(args...); panic(stopped{}) }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = "fatalf"; panic(stopped{}) }

func startWithoutProsody(t *testing.T) *fakeTB {
	t.Setenv("PATH", t.TempDir())
	f := &fakeTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != (stopped{}) {
				panic(r)
			}
		}()
		Start(f, Options{})
	}()
	return f
}

func TestMissingProsodySkipsLocally(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("FINESSE_HA_REQUIRE_DEPS", "")
	f := startWithoutProsody(t)
	assert.Contains(t, f.skipped, "`prosody`")
	assert.Empty(t, f.failed)
}

func TestMissingProsodyFailsUnderCI(t *testing.T) {
	for _, env := range [][2]string{{"CI", "true"}, {"FINESSE_HA_REQUIRE_DEPS", "1"}} {
		t.Run(env[0], func(t *testing.T) {
			t.Setenv("CI", "")
			t.Setenv("FINESSE_HA_REQUIRE_DEPS", "")
			t.Setenv(env[0], env[1])
			f := startWithoutProsody(t)
			assert.Contains(t, f.failed, "install the Debian package `prosody`")
			assert.Empty(t, f.skipped)
		})
	}
}
