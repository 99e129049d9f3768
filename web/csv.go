package web

import (
	"encoding/csv"
	"strings"

	"github.com/gin-gonic/gin"
)

// writeCSV answers rows as a CSV download. Cells that a spreadsheet would
// run as a formula are prefixed with a quote (CSV injection).
func writeCSV(c *gin.Context, filename string, rows [][]string) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	w := csv.NewWriter(c.Writer)
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				cell = "'" + cell
			}
			safe[i] = cell
		}
		_ = w.Write(safe)
	}
	w.Flush()
}
