package browserbench

import "github.com/finesse-ha/finesse-ha/internal/testkit/benchscenario"

// scenario is one timed row of SPEC §5, the same table cmd/finesse-bench
// times natively.
type scenario = benchscenario.Scenario

var scenarios = benchscenario.All
