package failover

import (
	"reflect"
	"slices"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// model is the agent and its calls as the page sees them (SPEC §3.4, §3.5):
// Finesse objects and updates go in, the events they mean come out. It has
// no clock and does no I/O. The engine says when a sync begins and when a
// gap opens or closes, emits what the model returns, and carries out the
// state restores the model asks for (engine_model.go).
type model struct {
	agent agentModel
	calls *callBook
	// epoch is bumped on every successful sync; call data learned in an
	// earlier epoch and missing from a later copy is restored (merge).
	epoch int
	// synced is set by the first successful sync: every later one closes
	// a gap, and what it finds changed is reported as synthetic.
	synced bool
}

func newModel() *model { return &model{calls: newCallBook()} }

// beginSync starts a new connection epoch and reports whether it closes a
// gap (an earlier sync succeeded).
func (m *model) beginSync() (gap bool) {
	gap = m.synced
	m.synced = true
	m.epoch++
	return gap
}

// resync applies what a (re)connect read: the agent and the list of its
// dialogs. When the sync closes a gap (gap), what it finds changed is
// reported as synthetic.
func (m *model) resync(u *finesse.User, dialogs []finesse.Dialog, side string) (ch change, gap bool) {
	gap = m.beginSync()
	if u != nil {
		ch.user = true
		ch.agent, ch.old = m.applyUser(u, gap, side)
	}
	ch.dialogs = m.resyncDialogs(dialogs, gap, side)
	return ch, gap
}

// applyUser takes a new copy of the agent (from a notification, or from a
// re-sync when synthetic). It returns the event for a change of state or
// reason code, nil when neither changed, and the copy it replaced.
func (m *model) applyUser(u *finesse.User, synthetic bool, side string) (ev *AgentEvent, old *finesse.User) {
	if u == nil {
		return nil, nil
	}
	old = m.agent.user
	m.agent.user = u
	if old != nil && old.State == u.State && old.ReasonCodeValue() == u.ReasonCodeValue() {
		return nil, old
	}
	ev = &AgentEvent{
		State:        u.State,
		ReasonCode:   u.ReasonCodeValue(),
		ReasonLabel:  reasonLabel(u),
		Synthetic:    synthetic,
		ForcedLogout: isForcedLogout(u),
		Side:         side,
	}
	if old != nil {
		ev.Previous = old.State
	}
	return ev, old
}

// change is what a live notification changed in the model.
type change struct {
	user    bool          // the notification was the agent's own User
	agent   *AgentEvent   // its change of state or reason code, if any
	old     *finesse.User // the copy it replaced
	dialogs []DialogEvent
}

// applyUpdate applies a live notification from side whose data is a User
// or Dialog(s); other data changes nothing. A User counts only when it is
// the agent's own (agentID): a supervisor's Team subscription also brings
// the summaries of other agents. err is set when the data does not decode.
func (m *model) applyUpdate(u *finesse.Update, agentID, side string) (ch change, err error) {
	switch strings.ToLower(u.DataRoot()) {
	case "user":
		usr, err := u.User()
		if err != nil {
			return change{}, err
		}
		if isOwnUser(u, usr, agentID) {
			ch.user = true
			ch.agent, ch.old = m.applyUser(usr, false, side)
		}
	case "dialogs", "dialog":
		ds, err := u.Dialogs()
		if err != nil {
			return change{}, err
		}
		for k := range ds.Dialogs {
			d := &ds.Dialogs[k]
			if u.Event == finesse.EventDelete {
				ch.dialogs = append(ch.dialogs, m.removeDialog(d, false, side)...)
			} else {
				ch.dialogs = append(ch.dialogs, m.upsertDialog(d, false, side)...)
			}
		}
	}
	return ch, nil
}

// isOwnUser tells the agent's own User object from the summaries of other
// agents that a supervisor's Team subscription delivers.
func isOwnUser(u *finesse.Update, usr *finesse.User, agentID string) bool {
	if usr.LoginID != "" {
		return usr.LoginID == agentID
	}
	own := "/finesse/api/User/" + agentID
	return u.Node == own || u.Source == own
}

// agentView is the agent for Snapshot; nil before the first copy.
func (m *model) agentView() *AgentView {
	u := m.agent.user
	if u == nil {
		return nil
	}
	return &AgentView{
		LoginID:         u.LoginID,
		Extension:       u.Extension,
		State:           u.State,
		PendingState:    u.PendingState,
		ReasonCode:      u.ReasonCodeValue(),
		ReasonLabel:     reasonLabel(u),
		Previous:        m.agent.beforeFailover,
		StateChangeTime: u.StateChangeTime,
	}
}

// dialogs is the live calls for Snapshot, in order of appearance.
func (m *model) dialogs() []DialogView { return m.calls.views() }

// upsertDialog applies a dialog from a notification: "added" for a call
// never seen, "updated" when the view changed, nothing otherwise.
func (m *model) upsertDialog(d *finesse.Dialog, synthetic bool, side string) []DialogEvent {
	return m.upsert(nil, d, synthetic, side)
}

func (m *model) upsert(out []DialogEvent, d *finesse.Dialog, synthetic bool, side string) []DialogEvent {
	b := m.calls
	c := b.find(d)
	if c == nil {
		if d.State.Ended() || b.isEnded(d) {
			return out
		}
		c = b.add(d)
		c.view = c.merge(d, m.epoch)
		return append(out, DialogEvent{Action: DialogAdded, Dialog: c.view, Synthetic: synthetic, Side: side})
	}
	return m.update(out, c, d, synthetic, side)
}

func (m *model) update(out []DialogEvent, c *callEntry, d *finesse.Dialog, synthetic bool, side string) []DialogEvent {
	m.calls.index(c, d)
	v := c.merge(d, m.epoch)
	if reflect.DeepEqual(v, c.view) {
		return out
	}
	c.view = v
	return append(out, DialogEvent{Action: DialogUpdated, Dialog: v, Synthetic: synthetic, Side: side})
}

// removeDialog ends a call. A call the model never knew is remembered as
// ended all the same, so a late copy of it is not announced as new.
func (m *model) removeDialog(d *finesse.Dialog, synthetic bool, side string) []DialogEvent {
	b := m.calls
	c := b.find(d)
	if c == nil {
		b.ended.add("k:" + d.CallKey())
		if d.ID != "" {
			b.ended.add("i:" + d.ID)
		}
		return nil
	}
	return m.end(nil, c, d, synthetic, side)
}

func (m *model) end(out []DialogEvent, c *callEntry, d *finesse.Dialog, synthetic bool, side string) []DialogEvent {
	if d != nil {
		c.view = c.merge(d, m.epoch)
	}
	m.calls.remove(c)
	return append(out, DialogEvent{Action: DialogRemoved, Dialog: c.view, Synthetic: synthetic, Side: side})
}

// resyncDialogs compares the server's list after a (re)connect with the
// known calls (SPEC §3.4): calls that ended during the gap are removed,
// calls that started are added once, the rest are updated where they
// changed. Events are synthetic when the sync closes a gap.
func (m *model) resyncDialogs(list []finesse.Dialog, synthetic bool, side string) []DialogEvent {
	b := m.calls
	type pair struct {
		c *callEntry
		d *finesse.Dialog
	}
	var pairs []pair
	var fresh []*finesse.Dialog
	matched := map[*callEntry]bool{}
	for k := range list {
		d := &list[k]
		if c := b.find(d); c != nil && !matched[c] {
			matched[c] = true
			pairs = append(pairs, pair{c, d})
		} else if c == nil {
			fresh = append(fresh, d)
		}
	}
	// A call whose dialog id changed and that has no CCE call key can only
	// be recognised by its parties; accept the match only when unambiguous.
	var added []*finesse.Dialog
	for _, d := range fresh {
		var cand []*callEntry
		for _, c := range b.live {
			if !matched[c] && sameParties(&c.server, d) {
				cand = append(cand, c)
			}
		}
		if len(cand) == 1 {
			matched[cand[0]] = true
			pairs = append(pairs, pair{cand[0], d})
			continue
		}
		added = append(added, d)
	}

	var out []DialogEvent
	for _, c := range slices.Clone(b.live) {
		if !matched[c] {
			out = m.end(out, c, nil, synthetic, side)
		}
	}
	for _, p := range pairs {
		if p.d.State.Ended() {
			out = m.end(out, p.c, p.d, synthetic, side)
			continue
		}
		out = m.update(out, p.c, p.d, synthetic, side)
	}
	for _, d := range added {
		out = m.upsert(out, d, synthetic, side)
	}
	return out
}
