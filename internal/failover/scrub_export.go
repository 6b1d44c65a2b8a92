package failover

// Scrub removes every credential form the engine knows (the first
// credentials, and those taken later by SetAuth or from GetToken) from s:
// the scrubber of events and history, for text the engine does not produce
// itself (internal/client's diagnostic log and bundle).
func (e *Engine) Scrub(s string) string { return e.secrets.scrub(s) }

// WithDefaults is p as the engine runs it: zero fields take their defaults
// (for internal/client's diagnostics bundle, which reports the policy in effect).
func (p Policy) WithDefaults() Policy { return p.withDefaults() }
