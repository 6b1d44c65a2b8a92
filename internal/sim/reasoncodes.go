package sim

import (
	"encoding/xml"
	"net/http"
	"sort"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// reasonCodeList is Finesse's ReasonCodes answer: the codes an agent may
// pick for a category, which a desktop shows as its Not Ready menu.
type reasonCodeList struct {
	Category string               `xml:"category,attr"`
	Codes    []finesse.ReasonCode `xml:"ReasonCode"`
}

// serveReasonCodes is GET /finesse/api/User/{id}/ReasonCodes?category=NOT_READY|LOGOUT:
// the reason codes the simulator knows by name, system codes (255) left out
// as Finesse leaves them out of the agent's menu.
func (s *Side) serveReasonCodes(w http.ResponseWriter, r *http.Request, id, login string) error {
	if !owns(login, id) {
		return errUnauthorized
	}
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	if _, err := s.pair.cc.user(id); err != nil {
		return err
	}
	category := r.URL.Query().Get("category")
	if category != "NOT_READY" && category != "LOGOUT" {
		return invalidInput("category", "category must be NOT_READY or LOGOUT")
	}
	list := reasonCodeList{Category: category}
	for code, label := range reasonLabels {
		if code == finesse.ForcedLogoutReasonCode {
			continue
		}
		list.Codes = append(list.Codes, finesse.ReasonCode{
			Category: category, URI: "/finesse/api/ReasonCode/" + code, Code: code,
			Label: label, ForAll: "true", SystemCode: "false", ID: code,
		})
	}
	sort.Slice(list.Codes, func(i, j int) bool { return list.Codes[i].Code < list.Codes[j].Code })
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	return xml.NewEncoder(w).EncodeElement(list, xml.StartElement{Name: xml.Name{Local: "ReasonCodes"}})
}
