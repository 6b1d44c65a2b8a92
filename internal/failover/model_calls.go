package failover

import (
	"slices"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// callBook holds the live calls, keyed so that a call keeps its identity
// across failovers (SPEC §3.5): by CCE call key when the dialog has one,
// else by dialog id; a dialog whose id changed is still found by its call
// key, and a dialog that gains a call key is found by its id.
type callBook struct {
	byKey map[string]*callEntry
	byID  map[string]*callEntry
	live  []*callEntry // in order of appearance
	ended *tombstones
}

type callEntry struct {
	key       string
	ids       []string
	server    finesse.Dialog // the server's latest copy, unmerged
	view      DialogView     // what the page last saw
	known     map[string]knownValue
	knownVars []string // call variable names, first seen first
}

// knownValue is a cached piece of call data and the connection epoch in
// which the server last sent it.
type knownValue struct {
	value string
	epoch int
}

func newCallBook() *callBook {
	return &callBook{byKey: map[string]*callEntry{}, byID: map[string]*callEntry{}, ended: newTombstones(512)}
}

func (b *callBook) find(d *finesse.Dialog) *callEntry {
	if c := b.byKey[d.CallKey()]; c != nil {
		return c
	}
	if d.ID != "" {
		return b.byID[d.ID]
	}
	return nil
}

// isEnded reports a call that already ended, so a late or replayed
// notification cannot bring it back as a new call.
func (b *callBook) isEnded(d *finesse.Dialog) bool {
	return b.ended.has("k:"+d.CallKey()) || (d.ID != "" && b.ended.has("i:"+d.ID))
}

func (b *callBook) add(d *finesse.Dialog) *callEntry {
	c := &callEntry{key: d.CallKey(), known: map[string]knownValue{}}
	b.byKey[c.key] = c
	b.live = append(b.live, c)
	b.index(c, d)
	return c
}

// index records d's id and, when d carries a CCE call key the entry did not
// have yet, re-keys the entry.
func (b *callBook) index(c *callEntry, d *finesse.Dialog) {
	if d.ID != "" && !slices.Contains(c.ids, d.ID) {
		c.ids = append(c.ids, d.ID)
		b.byID[d.ID] = c
	}
	if k := d.CallKey(); k != c.key && strings.HasPrefix(k, "ck:") && b.byKey[k] == nil {
		delete(b.byKey, c.key)
		c.key = k
		b.byKey[k] = c
	}
}

func (b *callBook) remove(c *callEntry) {
	delete(b.byKey, c.key)
	b.ended.add("k:" + c.key)
	for _, id := range c.ids {
		delete(b.byID, id)
		b.ended.add("i:" + id)
	}
	if i := slices.Index(b.live, c); i >= 0 {
		b.live = slices.Delete(b.live, i, i+1)
	}
}

func (b *callBook) views() []DialogView {
	out := make([]DialogView, 0, len(b.live))
	for _, c := range b.live {
		out = append(out, c.view)
	}
	return out
}

// merge builds the page's view of server copy d, filling call data the
// server lost from the cache. A value the server sends is learned. A value
// missing or empty after a gap (learned in an earlier epoch) is restored and
// marked. A value the server empties within the same session is forgotten:
// it was cleared on purpose, not lost.
func (c *callEntry) merge(d *finesse.Dialog, epoch int) DialogView {
	v := viewOf(d)
	v.CallKey = c.key
	noMedia := d.MediaProperties == nil
	scalar := func(name string, p *string) {
		if *p != "" {
			c.known[name] = knownValue{*p, epoch}
			return
		}
		// Media properties absent altogether were not cleared on purpose.
		missing := noMedia && name != "fromAddress" && name != "toAddress"
		k, ok := c.known[name]
		switch {
		case !ok:
		case k.epoch < epoch || missing:
			*p = k.value
			v.RestoredFields = append(v.RestoredFields, name)
		default:
			delete(c.known, name)
		}
	}
	scalar("fromAddress", &v.FromAddress)
	scalar("toAddress", &v.ToAddress)
	scalar("callType", &v.CallType)
	scalar("dnis", &v.DNIS)
	scalar("dialedNumber", &v.DialedNumber)

	present := map[string]bool{}
	for i := range v.CallVariables {
		cv := &v.CallVariables[i]
		present[cv.Name] = true
		key := "var:" + cv.Name
		if cv.Value != "" {
			if _, seen := c.known[key]; !seen && !slices.Contains(c.knownVars, cv.Name) {
				c.knownVars = append(c.knownVars, cv.Name)
			}
			c.known[key] = knownValue{cv.Value, epoch}
			continue
		}
		k, ok := c.known[key]
		switch {
		case !ok:
		case k.epoch < epoch:
			cv.Value, cv.Restored = k.value, true
			v.RestoredFields = append(v.RestoredFields, cv.Name)
		default:
			delete(c.known, key)
		}
	}
	// Variables the server's copy lacks altogether keep their known value:
	// after a gap because the new side lost them, within a session because
	// an absent list is not a request to clear it.
	for _, name := range c.knownVars {
		if present[name] {
			continue
		}
		if k, ok := c.known["var:"+name]; ok {
			v.CallVariables = append(v.CallVariables, CallVariable{Name: name, Value: k.value, Restored: true})
			v.RestoredFields = append(v.RestoredFields, name)
		}
	}
	v.Restored = len(v.RestoredFields) > 0
	c.server = *d
	return v
}

func viewOf(d *finesse.Dialog) DialogView {
	v := DialogView{
		ID:                  d.ID,
		State:               string(d.State),
		URI:                 d.URI,
		AssociatedDialogURI: d.AssociatedDialogURI,
		MediaType:           d.MediaType,
		FromAddress:         d.FromAddress,
		ToAddress:           d.ToAddress,
		CallVariables:       []CallVariable{},
		Participants:        []ParticipantRef{},
	}
	if mp := d.MediaProperties; mp != nil {
		v.CallType = string(mp.CallType)
		v.DNIS = mp.DNIS
		v.DialedNumber = mp.DialedNumber
		v.QueueName = mp.QueueName
		v.QueueNumber = mp.QueueNumber
		v.WrapUpReason = mp.WrapUpReason
		for _, cv := range mp.CallVariables {
			v.CallVariables = append(v.CallVariables, CallVariable{Name: cv.Name, Value: cv.Value})
		}
	}
	for _, p := range d.Participants {
		v.Participants = append(v.Participants, ParticipantRef{
			MediaAddress:     p.MediaAddress,
			MediaAddressType: p.MediaAddressType,
			State:            p.State,
			StartTime:        p.StartTime,
			Actions:          append([]string(nil), p.Actions...),
		})
	}
	return v
}

// sameParties is the fallback identity for dialogs without a CCE call key:
// the same set of participant addresses.
func sameParties(a, b *finesse.Dialog) bool {
	if strings.HasPrefix(a.CallKey(), "ck:") || strings.HasPrefix(b.CallKey(), "ck:") {
		return false
	}
	pa, pb := parties(a), parties(b)
	return len(pa) > 0 && slices.Equal(pa, pb)
}

func parties(d *finesse.Dialog) []string {
	var out []string
	for _, p := range d.Participants {
		if p.MediaAddress != "" {
			out = append(out, p.MediaAddress)
		}
	}
	slices.Sort(out)
	return out
}

// tombstones is a bounded set: the oldest entries are forgotten first.
type tombstones struct {
	set   map[string]struct{}
	order []string
	max   int
}

func newTombstones(max int) *tombstones {
	return &tombstones{set: map[string]struct{}{}, max: max}
}

func (t *tombstones) add(k string) {
	if _, ok := t.set[k]; ok {
		return
	}
	t.set[k] = struct{}{}
	t.order = append(t.order, k)
	if len(t.order) > t.max {
		delete(t.set, t.order[0])
		t.order = t.order[1:]
	}
}

func (t *tombstones) has(k string) bool {
	_, ok := t.set[k]
	return ok
}
