package xmlutil

import "errors"

// Causes that every parser of a whole document (a Finesse REST body or
// notification, a BOSH body) reports the same way, so that one sentinel
// answers errors.Is whichever parser refused the document. None quotes it.
var (
	ErrEmptyBody    = errors.New("empty body")
	ErrBodyTooLarge = errors.New("body exceeds the size limit")
	ErrTrailingData = errors.New("data after the root element")
)
