package web

import (
	"bytes"
	"image/png"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

// The demo barcode sheet exists only on a server that loaded the demo
// data set: it shows the demo residents' wristbands and packs to anyone.

// barcodeSheet is the sheet with the formats the site's scans are read by.
type barcodeSheet struct {
	demo.Sheet
	Scan mar.ScanSettings
}

func (s *Server) pageBarcodes(c *gin.Context) {
	if !s.demo {
		s.respondError(c, mar.Errorf(mar.ENotFound, "the demo barcode sheet is served only with the demo data set (emar serve --demo)"))
		return
	}
	p := s.newPage(c, "Demo barcode sheet", "", "barcodes.js")
	id, _ := identity(c)
	scan, _, err := s.svc.FacilityScanSettings(c.Request.Context(), id.User.FacilityID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p.Data = barcodeSheet{Sheet: demo.BuildSheet(s.svc.Clock.Now()), Scan: scan}
	s.render(c, http.StatusOK, "barcodes", p)
}

func (s *Server) barcodeImage(c *gin.Context) {
	if !s.demo {
		s.respondError(c, mar.Errorf(mar.ENotFound, "the demo barcode sheet is served only with the demo data set"))
		return
	}
	for _, b := range demo.BuildSheet(s.svc.Clock.Now()).Files() {
		if b.File != c.Param("file") {
			continue
		}
		img, err := b.Image()
		if err != nil {
			s.respondError(c, err)
			return
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			s.respondError(c, err)
			return
		}
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "image/png", buf.Bytes())
		return
	}
	s.respondError(c, mar.NotFound("barcode", c.Param("file")))
}
