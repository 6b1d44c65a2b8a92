//go:build !unix

package main

import (
	"errors"
	"time"
)

func raiseFileLimit() (soft, hard uint64, err error) {
	return 0, 0, errors.New("file limit: not a Unix system, left as is")
}

func processCPU() time.Duration { return 0 }
