package browserbench

import "fmt"

// startupSample is one page's createClient timeline, in seconds from the
// createClient call.
type startupSample struct {
	instantiated float64 // .wasm fetched, compiled and instantiated
	connected    float64 // the first `connected` event reached the page
}

// startupSample reads the page's milestones; first is the page time of its
// first `connected`.
func (r *pageRun) startupSample(first float64) (*startupSample, error) {
	st, err := r.startup()
	if err != nil {
		return nil, err
	}
	if st.StartAt == 0 || st.InstantiatedAt < st.StartAt || first < st.StartAt {
		return nil, fmt.Errorf("inconsistent startup timestamps %+v, connected at %f", st, first)
	}
	return &startupSample{
		instantiated: (st.InstantiatedAt - st.StartAt) / 1000,
		connected:    (first - st.StartAt) / 1000,
	}, nil
}

// startupFigures turns every page's startup into the report's rows.
func startupFigures(samples []*startupSample) []Figure {
	total := Figure{ID: "startup", Name: "createClient() → `connected` (fetch + compile + instantiate .wasm, then connect)", Unit: Seconds, Target: "—", Anchor: "—"}
	inst := Figure{ID: "startup-instantiate", Name: "… of which fetch + compile + instantiate the .wasm", Unit: Seconds, Target: "—", Anchor: "—"}
	conn := Figure{ID: "startup-connect", Name: "… of which instantiated → `connected` (Go start, SystemInfo, login, BOSH, re-sync)", Unit: Seconds, Target: "—", Anchor: "—"}
	for _, s := range samples {
		total.Values = append(total.Values, s.connected)
		inst.Values = append(inst.Values, s.instantiated)
		conn.Values = append(conn.Values, s.connected-s.instantiated)
	}
	return []Figure{total, inst, conn}
}
