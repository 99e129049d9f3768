package web

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
)

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// openAPIDocument describes the API from the route table itself, so the
// description cannot drift from what the server answers. x-roles lists
// who may call each operation.
func (s *Server) openAPIDocument() map[string]any {
	paths := map[string]any{}
	errRef := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}
	for _, r := range s.routes() {
		if !strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Path, "/fhir") && r.Path != "/healthz" && r.Path != "/readyz" {
			continue
		}
		p := ginParam.ReplaceAllString(r.Path, "{$1}")
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		op := map[string]any{
			"summary":   r.Summary,
			"responses": map[string]any{"200": map[string]any{"description": "success"}, "400": errRef("invalid input"), "default": errRef("error")},
		}
		var params []any
		for _, m := range ginParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.Roles != nil {
			roles := make([]string, len(r.Roles))
			for i, role := range r.Roles {
				roles[i] = string(role)
			}
			op["x-roles"] = roles
			op["security"] = []any{map[string]any{"bearer": []any{}}, map[string]any{"cookie": []any{}}}
			op["responses"].(map[string]any)["401"] = errRef("not signed in")
			op["responses"].(map[string]any)["403"] = errRef("role not allowed")
		} else {
			op["security"] = []any{}
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			op["parameters"] = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false, "schema": map[string]any{"type": "string"}})
			op["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
			if strings.HasSuffix(r.Path, "/photo") {
				bin := map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
				op["requestBody"] = map[string]any{"content": map[string]any{"image/jpeg": bin, "image/png": bin}}
			}
		}
		item[strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "eMAR service API", "version": "1"},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{
					"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
						"code":    map[string]any{"type": "string", "description": "invalid, unauthenticated, forbidden, not_found, conflict, too_large, refused, too_many, unavailable, internal"},
						"message": map[string]any{"type": "string", "description": "for the person at the screen"},
						"field":   map[string]any{"type": "string", "description": "the input at fault"},
						"reason":  map[string]any{"type": "string", "description": "stable machine-readable reason code"},
						"details": map[string]any{"type": "object"},
					}},
				}},
			},
		},
	}
}

func (s *Server) openAPI(c *gin.Context) {
	c.JSON(http.StatusOK, s.openAPIDocument())
}
