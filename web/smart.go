package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// SMART on FHIR: discovery, the client credentials token endpoint
// (SMART Backend Services with a shared secret) and the administration
// of API clients. Scopes are enforced in requireClient.

// smartRoutes are SMART discovery, the token endpoint and API clients.
func (s *Server) smartRoutes() []Route {
	return []Route{
		{"GET", "/.well-known/smart-configuration", public, "SMART on FHIR discovery: token endpoint, grant types, client authentication, scopes", s.smartConfiguration},
		{"GET", "/fhir/.well-known/smart-configuration", public, "SMART on FHIR discovery at the FHIR base", s.smartConfiguration},
		{"POST", "/auth/token", public, "OAuth 2 token endpoint: grant_type=client_credentials with client_secret_basic or client_secret_post; answers a bearer token for /fhir", s.clientToken},
		{"POST", "/fhir/auth/token", public, "the token endpoint at the FHIR base", s.clientToken},

		{"GET", "/api/v1/api-clients", admins, "the facility's API clients (SMART client credentials)", s.listAPIClients},
		{"POST", "/api/v1/api-clients", admins, "register an API client (name, scopes, unit_ids): its secret is shown once (audited)", s.registerAPIClient},
		{"POST", "/api/v1/api-clients/:id/disable", admins, "disable an API client: its tokens end at once (audited)", s.disableAPIClient},
	}
}

// smartScopesSupported lists the scopes a client may be allowed, in the
// SMART v1 form (v2 forms such as system/Patient.rs are accepted too).
func smartScopesSupported() []string {
	out := []string{"system/*.read", "system/*.write", "system/*.*"}
	for _, r := range mar.FHIRResourceTypes {
		out = append(out, "system/"+r+".read")
	}
	return append(out, "system/Patient.write", "system/MedicationRequest.write")
}

func (s *Server) smartConfiguration(c *gin.Context) {
	base := s.fhirBase(c)
	c.JSON(http.StatusOK, gin.H{
		"token_endpoint":                        base + "/auth/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"grant_types_supported":                 []string{"client_credentials"},
		"scopes_supported":                      smartScopesSupported(),
		"response_types_supported":              []string{},
		"capabilities":                          []string{"client-confidential-symmetric", "permission-v1", "permission-v2"},
	})
}

// oauthError answers an RFC 6749 §5.2 error.
func oauthError(c *gin.Context, status int, code, description string) {
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Basic realm="emar", charset="UTF-8"`)
	}
	c.Header("Pragma", "no-cache")
	c.AbortWithStatusJSON(status, gin.H{"error": code, "error_description": description})
}

// maxTokenRequest bounds a token request's form.
const maxTokenRequest = 8 << 10

// clientToken is the OAuth 2 token endpoint for client credentials.
func (s *Server) clientToken(c *gin.Context) {
	if ct := c.ContentType(); ct != "application/x-www-form-urlencoded" {
		oauthError(c, http.StatusBadRequest, "invalid_request", "the request must be application/x-www-form-urlencoded, not "+ct)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxTokenRequest)
	if err := c.Request.ParseForm(); err != nil {
		oauthError(c, http.StatusBadRequest, "invalid_request", "the form could not be read")
		return
	}
	form := c.Request.PostForm
	for k, v := range form {
		if len(v) > 1 {
			oauthError(c, http.StatusBadRequest, "invalid_request", "the parameter "+k+" is repeated")
			return
		}
	}
	switch gt := form.Get("grant_type"); gt {
	case "":
		oauthError(c, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	case "client_credentials":
	default:
		oauthError(c, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported, not "+gt)
		return
	}
	id, secret, basic := c.Request.BasicAuth()
	if basic {
		if form.Has("client_secret") {
			oauthError(c, http.StatusBadRequest, "invalid_request", "authenticate the client one way: the Authorization header or client_secret, not both")
			return
		}
		// RFC 6749 §2.3.1: the id and secret are form-encoded first.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			oauthError(c, http.StatusUnauthorized, "invalid_client", "client authentication failed")
			return
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" || secret == "" {
		oauthError(c, http.StatusUnauthorized, "invalid_client", "client authentication is required (client_secret_basic or client_secret_post)")
		return
	}
	src := mar.Identity{SourceIP: c.ClientIP(), RequestID: requestID(c), Device: "token-endpoint"}
	tok, err := s.svc.IssueClientToken(c.Request.Context(), id, secret, form.Get("scope"), src)
	if err != nil {
		me, _ := mar.AsError(err)
		switch {
		case me != nil && me.Reason == "invalid_client":
			oauthError(c, http.StatusUnauthorized, "invalid_client", me.Message)
		case me != nil && me.Reason == "invalid_scope":
			oauthError(c, http.StatusBadRequest, "invalid_scope", me.Message)
		case me != nil && me.Code == mar.EUnavailable:
			oauthError(c, http.StatusServiceUnavailable, "temporarily_unavailable", "retry")
		default:
			s.log.ErrorContext(c.Request.Context(), "token request failed", "err", err, "request_id", requestID(c))
			oauthError(c, http.StatusInternalServerError, "server_error", "internal error; the request id is "+requestID(c))
		}
		return
	}
	c.Header("Pragma", "no-cache")
	c.JSON(http.StatusOK, gin.H{"access_token": tok.Token, "token_type": "bearer", "expires_in": tok.ExpiresIn, "scope": strings.Join(tok.Scopes, " ")})
}

// requireClient authenticates an API client's access token for a route
// with the given roles: only the FHIR API, the roles as for its account,
// and the scope the request needs.
func (s *Server) requireClient(c *gin.Context, token string, roles []mar.Role) {
	id, err := s.svc.AuthenticateClientToken(c.Request.Context(), token)
	if err != nil {
		if mar.ErrorCodeOf(err) == mar.EUnauthenticated {
			c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		s.respondError(c, err)
		return
	}
	id.SourceIP = c.ClientIP()
	id.RequestID = requestID(c)
	c.Set(ctxIdentity, id)
	if !isFHIR(c) {
		s.respondError(c, &mar.Error{Code: mar.EForbidden, Reason: "fhir_only", Message: "an API client's access token is good for the FHIR API (/fhir) only"})
		return
	}
	if !roleIn(id.User.Role, roles) {
		s.respondError(c, mar.Forbidden("an API client may not do this (it acts with the %s role of its units)", id.User.Role))
		return
	}
	if resource, perms := fhirNeeds(c); resource != "" {
		for _, p := range perms {
			if err := mar.CheckScope(id, resource, p); err != nil {
				c.Header("WWW-Authenticate", `Bearer error="insufficient_scope"`)
				s.respondError(c, err)
				return
			}
		}
	}
	c.Next()
}

// fhirNeeds is the resource type a FHIR request acts on and the SMART
// permissions it needs; "" for the transaction endpoint, whose entries
// are checked one by one.
func fhirNeeds(c *gin.Context) (string, []rune) {
	rest := strings.TrimPrefix(c.FullPath(), "/fhir/")
	if rest == c.FullPath() || rest == "" {
		return "", nil
	}
	parts := strings.Split(rest, "/")
	switch c.Request.Method {
	case http.MethodPost:
		if c.GetHeader("If-None-Exist") != "" {
			return parts[0], []rune{'c', 's'}
		}
		return parts[0], []rune{'c'}
	case http.MethodPut, http.MethodPatch:
		return parts[0], []rune{'u'}
	case http.MethodDelete:
		return parts[0], []rune{'d'}
	}
	if len(parts) > 1 {
		return parts[0], []rune{'r'}
	}
	return parts[0], []rune{'s'}
}

type apiClientJSON struct {
	ClientID   string     `json:"client_id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	UnitIDs    []string   `json:"unit_ids"`
	UserID     string     `json:"user_id"`
	Active     bool       `json:"active"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	// Secret is present only in the answer to the registration.
	Secret string `json:"client_secret,omitempty"`
}

func toAPIClientJSON(cl mar.APIClient) apiClientJSON {
	return apiClientJSON{ClientID: cl.ID, Name: cl.Name, Scopes: cl.Scopes, UnitIDs: cl.UnitIDs, UserID: cl.UserID,
		Active: cl.Active, CreatedAt: cl.CreatedAt, DisabledAt: cl.DisabledAt}
}

func (s *Server) registerAPIClient(c *gin.Context) {
	var req struct {
		Name    string   `json:"name"`
		Scopes  []string `json:"scopes"`
		UnitIDs []string `json:"unit_ids"`
	}
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	cl, secret, err := s.svc.RegisterAPIClient(c.Request.Context(), mustIdentity(c), mar.APIClientInput{Name: req.Name, Scopes: req.Scopes, UnitIDs: req.UnitIDs})
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := toAPIClientJSON(cl)
	out.Secret = secret
	c.JSON(http.StatusCreated, out)
}

func (s *Server) listAPIClients(c *gin.Context) {
	cls, err := s.svc.ListAPIClients(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]apiClientJSON, len(cls))
	for i, cl := range cls {
		out[i] = toAPIClientJSON(cl)
	}
	c.JSON(http.StatusOK, gin.H{"api_clients": out})
}

func (s *Server) disableAPIClient(c *gin.Context) {
	if err := s.svc.DisableAPIClient(c.Request.Context(), mustIdentity(c), c.Param("id")); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
