package modroot

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDirHoldsTheModulesGoMod(t *testing.T) {
	dir, err := Dir()
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "module github.com/finesse-ha/finesse-ha")
}

func TestDirOutsideAModule(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("GO111MODULE", "on")
	_, err := Dir()
	assert.Error(t, err)
}
