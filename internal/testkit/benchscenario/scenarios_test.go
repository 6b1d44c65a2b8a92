package benchscenario

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTableIsUsable(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All {
		assert.False(t, seen[s.ID], "duplicate id %s", s.ID)
		seen[s.ID] = true
		assert.NotNil(t, s.Inject, s.ID)
		assert.NotEqual(t, s.From, s.To, s.ID)
		assert.Positive(t, s.Limit, s.ID)
		assert.Greater(t, s.Limit, s.Target, "%s: a run at the target must not count as failed", s.ID)
	}
	for _, id := range []string{"S1", "S1-WS", "S2", "S3", "S4", "S6", "S10"} {
		assert.True(t, seen[id], "SPEC §7 and issues 7/8 need %s", id)
	}
}

func TestTargetText(t *testing.T) {
	assert.Equal(t, "p95 ≤ 3 s", Scenario{Target: 3 * time.Second}.TargetText())
	assert.Equal(t, "—", Scenario{}.TargetText())
}
