package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/fhir"
)

// Search paging. A search selects every match, orders the matches by
// logical id (stable across pages whatever order the store returns), and
// answers one page: _count entries (default fhirDefaultCount, at most
// fhirMaxCount; _count=0 answers the total alone) from the offset
// _offset. The Bundle links self, first, previous, next and last to the
// same search with another offset, so a client follows next until there
// is none and sees every match once. total is exact unless _total=none.
const (
	fhirDefaultCount = 50
	fhirMaxCount     = 500
)

// pageItem is one match of a search, encoded only when its page is sent.
type pageItem struct {
	typ, id string
	encode  func() ([]byte, error)
}

type pageRequest struct {
	count, offset int
	total         bool
}

// readPaging reads _count, _offset and _total.
func readPaging(q url.Values) (pageRequest, error) {
	pr := pageRequest{count: fhirDefaultCount, total: true}
	if v := q.Get("_count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return pr, mar.Invalid("_count", "must be a whole number from 0 to %d, not %q", fhirMaxCount, v)
		}
		// A larger page than the server sends is not an error (the
		// client follows next): it is served fhirMaxCount at a time.
		pr.count = min(n, fhirMaxCount)
	}
	if v := q.Get("_offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return pr, mar.Invalid("_offset", "must be a whole number from 0, not %q (follow the Bundle's next link)", v)
		}
		pr.offset = n
	}
	switch v := q.Get("_total"); v {
	case "", "accurate", "estimate":
	case "none":
		pr.total = false
	default:
		return pr, mar.Invalid("_total", "must be none, estimate or accurate, not %q", v)
	}
	return pr, nil
}

// searchset answers a search with one page of its matches.
func (s *Server) searchset(c *gin.Context, items []pageItem) {
	q := c.Request.URL.Query()
	pr, err := readPaging(q)
	if err != nil {
		s.respondOutcome(c, err, nil)
		return
	}
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].id != items[j].id {
			return items[i].id < items[j].id
		}
		return items[i].typ < items[j].typ
	})
	n := len(items)
	start := min(pr.offset, n)
	end := min(start+pr.count, n)
	var entries []fhir.Entry
	for _, it := range items[start:end] {
		b, err := it.encode()
		if err != nil {
			s.respondOutcome(c, err, nil)
			return
		}
		entries = append(entries, fhir.Entry{FullURL: s.fhirBase(c) + "/" + it.typ + "/" + it.id, Resource: b, Mode: "match"})
	}
	link := func(rel string, offset int) fhir.Link {
		v := url.Values{}
		for k, vals := range q {
			v[k] = vals
		}
		v.Set("_count", strconv.Itoa(pr.count))
		v.Set("_offset", strconv.Itoa(offset))
		return fhir.Link{Relation: rel, URL: s.fhirBase(c) + "/" + searchPath(c) + "?" + v.Encode()}
	}
	links := []fhir.Link{link("self", start)}
	if pr.count > 0 {
		last := 0
		if n > 0 {
			last = (n - 1) / pr.count * pr.count
		}
		links = append(links, link("first", 0))
		if start > 0 {
			links = append(links, link("previous", max(0, start-pr.count)))
		}
		if end < n {
			links = append(links, link("next", end))
		}
		links = append(links, link("last", last))
	}
	var total *int
	if pr.total {
		total = &n
	}
	fhirOK(c, http.StatusOK, fhir.SearchSet(links, total, entries, s.svc.Clock.Now()))
}

// searchPath is the request's path below /fhir (the resource type).
func searchPath(c *gin.Context) string {
	p := c.Request.URL.Path
	if len(p) > len("/fhir/") {
		return p[len("/fhir/"):]
	}
	return ""
}
