package clock

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func TestVirtualFiresInOrderOfDueTimeThenCreation(t *testing.T) {
	v := NewVirtual(epoch)
	var got []string
	rec := func(s string) func() { return func() { got = append(got, s) } }
	v.AfterFunc(3*time.Second, rec("c"))
	v.AfterFunc(time.Second, rec("a1"))
	v.AfterFunc(time.Second, rec("a2"))
	v.AfterFunc(2*time.Second, rec("b"))

	v.Advance(1500 * time.Millisecond)
	assert.Equal(t, []string{"a1", "a2"}, got)
	assert.Equal(t, epoch.Add(1500*time.Millisecond), v.Now())

	v.Advance(10 * time.Second)
	assert.Equal(t, []string{"a1", "a2", "b", "c"}, got)
	assert.Equal(t, 0, v.Pending())
}

func TestVirtualTimerSeesItsOwnDueTime(t *testing.T) {
	v := NewVirtual(epoch)
	var at time.Time
	v.AfterFunc(4*time.Second, func() { at = v.Now() })
	v.Advance(time.Minute)
	assert.Equal(t, epoch.Add(4*time.Second), at)
	assert.Equal(t, epoch.Add(time.Minute), v.Now())
}

func TestVirtualTimersScheduledByTimersFireWithinTheSameAdvance(t *testing.T) {
	v := NewVirtual(epoch)
	var ticks []time.Duration
	var tick func()
	tick = func() {
		ticks = append(ticks, v.Now().Sub(epoch))
		v.AfterFunc(10*time.Second, tick)
	}
	v.AfterFunc(10*time.Second, tick)
	v.Advance(35 * time.Second)
	assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}, ticks)
	assert.Equal(t, 1, v.Pending())
}

func TestVirtualStop(t *testing.T) {
	v := NewVirtual(epoch)
	fired := false
	tm := v.AfterFunc(time.Second, func() { fired = true })
	assert.True(t, tm.Stop())
	assert.False(t, tm.Stop(), "second Stop reports nothing to stop")
	v.Advance(time.Hour)
	assert.False(t, fired)

	tm2 := v.AfterFunc(time.Second, func() {})
	v.Advance(time.Second)
	assert.False(t, tm2.Stop(), "Stop after firing reports false")
}

func TestVirtualStopOfAnotherTimerFromATimer(t *testing.T) {
	v := NewVirtual(epoch)
	fired := false
	var later Timer
	v.AfterFunc(time.Second, func() { assert.True(t, later.Stop()) })
	later = v.AfterFunc(2*time.Second, func() { fired = true })
	v.Advance(time.Minute)
	assert.False(t, fired)
}

func TestVirtualNonPositiveDelayFiresOnNextAdvance(t *testing.T) {
	v := NewVirtual(epoch)
	n := 0
	v.AfterFunc(-time.Second, func() { n++ })
	v.AfterFunc(0, func() { n++ })
	assert.Equal(t, 0, n, "never synchronously inside AfterFunc")
	v.Advance(0)
	assert.Equal(t, 2, n)
	assert.Equal(t, epoch, v.Now())
}

func TestVirtualFireNextAndNext(t *testing.T) {
	v := NewVirtual(epoch)
	_, ok := v.Next()
	assert.False(t, ok)
	v.AfterFunc(5*time.Second, func() {})
	when, ok := v.Next()
	require.True(t, ok)
	assert.Equal(t, epoch.Add(5*time.Second), when)

	assert.False(t, v.FireNext(epoch.Add(4*time.Second)))
	assert.Equal(t, epoch, v.Now(), "FireNext does not move time when nothing fires")
	assert.True(t, v.FireNext(epoch.Add(5*time.Second)))
	assert.Equal(t, epoch.Add(5*time.Second), v.Now())
}

func TestVirtualTimeNeverGoesBackwards(t *testing.T) {
	v := NewVirtual(epoch)
	v.Advance(time.Minute)
	v.AdvanceTo(epoch)
	assert.Equal(t, epoch.Add(time.Minute), v.Now())
}

func TestVirtualConcurrentUse(t *testing.T) {
	v := NewVirtual(epoch)
	var mu sync.Mutex
	n := 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				tm := v.AfterFunc(time.Duration(j)*time.Millisecond, func() { mu.Lock(); n++; mu.Unlock() })
				if j%2 == 0 {
					tm.Stop()
				}
				_ = v.Now()
			}
		}()
	}
	wg.Wait()
	v.Advance(time.Second)
	assert.Equal(t, 8*50, n)
}

func TestRealClock(t *testing.T) {
	c := Real()
	before := c.Now()
	done := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("real timer did not fire")
	}
	assert.False(t, c.Now().Before(before))
	tm := c.AfterFunc(time.Hour, func() {})
	assert.True(t, tm.Stop())
}
