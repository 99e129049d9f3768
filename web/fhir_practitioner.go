package web

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/fhir"
)

// ---- Practitioner: the users every performer, dispenser and audit agent
// reference points at.

func (s *Server) fhirReadPractitioner(c *gin.Context) {
	s.fhirAnswer(c, func() ([]byte, error) {
		us, err := s.svc.ListUsers(c.Request.Context(), mustIdentity(c))
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if u.ID == c.Param("id") {
				return fhir.Practitioner(u)
			}
		}
		return nil, mar.NotFound("Practitioner", c.Param("id"))
	})
}

func (s *Server) fhirSearchPractitioners(c *gin.Context) {
	us, err := s.svc.ListUsers(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	q := c.Request.URL.Query()
	var items []pageItem
	for _, u := range us {
		if v := q.Get("_id"); v != "" && !contains(strings.Split(v, ","), u.ID) {
			continue
		}
		if v := q.Get("identifier"); v != "" {
			system, value, withSystem := strings.Cut(v, "|")
			if !withSystem {
				value = system
			}
			if value != u.Username || withSystem && system != fhir.SystemUsername {
				continue
			}
		}
		if v := strings.ToLower(q.Get("name")); v != "" && !nameStartsWith(u.DisplayName, v) {
			continue
		}
		if v := q.Get("active"); v != "" && v != map[bool]string{true: "true", false: "false"}[u.Active] {
			continue
		}
		items = append(items, pageItem{"Practitioner", u.ID, func() ([]byte, error) { return fhir.Practitioner(u) }})
	}
	s.searchset(c, items)
}

// nameStartsWith reports whether any word of a name starts with prefix
// (lower case), as FHIR string search matches.
func nameStartsWith(name, prefix string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == ' ' || r == ',' }) {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return strings.HasPrefix(strings.ToLower(name), prefix)
}
