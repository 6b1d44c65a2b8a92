package client

// OptionError is a rejected option. Field is the option's JavaScript path,
// e.g. "options.sides[1]"; Reason never holds an option's value.
type OptionError struct {
	Field  string
	Reason string
}

func (e *OptionError) Error() string { return "finesse-ha: " + e.Field + ": " + e.Reason }

func optErr(field, reason string) error { return &OptionError{Field: field, Reason: reason} }
