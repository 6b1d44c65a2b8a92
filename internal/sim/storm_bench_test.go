package sim

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/sim/internal/boshtest"
)

// BenchmarkStorm measures the simulator under an S18-like storm: 2,000
// agents at once log in over BOSH on side B, GET their User and Dialogs,
// and each receives one event. It reports the wall time of the storm and
// B's peak request rate; the figure bounds what the simulator adds to the
// client-side storm benchmark.
func BenchmarkStorm(b *testing.B) {
	const agents = 2000
	p, err := New(Config{Agents: agents, Password: password, BOSHMaxWait: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 4 * agents, MaxConnsPerHost: 0}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ids := p.Agents()
	for _, id := range ids {
		if err := p.SignIn(id, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, agents)
		for _, id := range ids {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				c := boshtest.New(p.B().BOSHURL(), p.B().Host())
				c.HTTP = hc
				if _, err := c.Login(ctx, id, password, "storm"+strconv.Itoa(i), 5); err != nil {
					errs <- err
					return
				}
				for _, path := range []string{"User/" + id, "User/" + id + "/Dialogs"} {
					r, err := tryCall(hc, id, password, http.MethodGet, api(p.B(), path), "")
					if err != nil || r.status != http.StatusOK {
						errs <- err
						return
					}
				}
				if err := p.cc.changeState(id, userChange{State: "NOT_READY", ReasonCodeID: "1"}, "storm"); err != nil {
					errs <- err
					return
				}
				for {
					body, err := c.Poll(ctx)
					if err != nil {
						errs <- err
						return
					}
					if len(body.Events()) > 0 {
						break
					}
				}
				_, _ = c.Send(ctx, "", "type='terminate'")
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/storm")
	}
	m := p.B().Metrics()
	b.ReportMetric(float64(m.PeakRPS), "peak-req/s")
	b.ReportMetric(float64(m.PeakWork), "peak-work/s")
}
