package mar

import (
	"context"
	"crypto/subtle"
	"slices"
	"strings"
	"time"
)

// APIClient is a system registered by an administrator to call the FHIR
// API without a person signing in (SMART Backend Services, client
// credentials with a shared secret). It acts through an account of its
// own (UserID: inactive, so nobody signs in as it, with the charge nurse
// role and the client's units, so the role and unit checks every request
// passes apply to it as to a person) and is further limited to Scopes.
type APIClient struct {
	ID         string // the OAuth client_id
	FacilityID string
	UserID     string
	Name       string
	SecretHash string
	Scopes     []string // system/... scopes it may ask for
	UnitIDs    []string // the account's units
	Active     bool
	CreatedAt  time.Time
	DisabledAt *time.Time
}

// APIToken is an access token issued to a client, stored as its hash.
type APIToken struct {
	TokenHash string
	ClientID  string
	Scopes    []string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// ClientTokenLifetime is how long an access token lives: SMART Backend
// Services asks for five minutes at most; clients ask again.
const ClientTokenLifetime = 5 * time.Minute

// ClientTokenPrefix starts every access token issued to an API client,
// so the transport can tell it from a session token without a lookup.
const ClientTokenPrefix = "sys_"

// APIClientInput is what an administrator registers.
type APIClientInput struct {
	Name    string
	Scopes  []string
	UnitIDs []string // empty: every unit of the facility at registration
}

// FHIRResourceTypes are the resource types scopes may name.
var FHIRResourceTypes = []string{"Patient", "Medication", "MedicationRequest", "MedicationAdministration",
	"MedicationDispense", "Practitioner", "AuditEvent"}

// Scope is one SMART scope: a context (system, user, patient), a resource
// type or *, and the permissions it grants as a subset of "cruds" (create,
// read, update, delete, search). SMART v1 forms read (rs), write (cud) and
// * (cruds) are read as their v2 equivalents.
type Scope struct {
	Context  string
	Resource string
	Perms    string
}

// ParseScope reads a SMART v1 or v2 resource scope.
func ParseScope(s string) (Scope, error) {
	bad := func(why string) (Scope, error) {
		return Scope{}, &Error{Code: EInvalid, Field: "scope", Reason: "invalid_scope", Message: "scope " + quote(s) + ": " + why}
	}
	ctx, rest, ok := strings.Cut(s, "/")
	if !ok || (ctx != "system" && ctx != "user" && ctx != "patient") {
		return bad("must start with system/, user/ or patient/")
	}
	res, perms, ok := strings.Cut(rest, ".")
	if !ok {
		return bad("must be context/Resource.permissions")
	}
	if res != "*" && !slices.Contains(FHIRResourceTypes, res) {
		return bad("this server has no resource type " + quote(res))
	}
	if p, _, _ := strings.Cut(perms, "?"); p != perms {
		return bad("scopes with search parameters are not supported")
	}
	switch perms {
	case "read":
		perms = "rs"
	case "write":
		perms = "cud"
	case "*":
		perms = "cruds"
	default:
		// v2: letters of cruds, each once, in that order.
		last := -1
		for _, r := range perms {
			i := strings.IndexRune("cruds", r)
			if i <= last {
				return bad("permissions must be read, write, * or letters of cruds in that order")
			}
			last = i
		}
		if perms == "" {
			return bad("no permissions")
		}
	}
	return Scope{Context: ctx, Resource: res, Perms: perms}, nil
}

func quote(s string) string { return `"` + s + `"` }

// Covers reports whether s grants everything o asks for.
func (s Scope) Covers(o Scope) bool {
	if s.Context != o.Context || (s.Resource != "*" && s.Resource != o.Resource) {
		return false
	}
	for _, r := range o.Perms {
		if !strings.ContainsRune(s.Perms, r) {
			return false
		}
	}
	return true
}

// PermName names a permission letter for messages.
func permName(p rune) string {
	switch p {
	case 'c':
		return "create (c, write)"
	case 'r':
		return "read (r, read)"
	case 'u':
		return "update (u, write)"
	case 'd':
		return "delete (d, write)"
	}
	return "search (s, read)"
}

// CheckScope refuses an API client's request that none of its token's
// scopes allows: perm on a resource type. People's sessions are not
// limited by scopes (they act as user/*.cruds within their role).
func CheckScope(by Identity, resource string, perm rune) error {
	if by.ClientID == "" {
		return nil
	}
	want := Scope{Context: "system", Resource: resource, Perms: string(perm)}
	for _, s := range by.Scopes {
		if sc, err := ParseScope(s); err == nil && sc.Covers(want) {
			return nil
		}
	}
	v1 := "read"
	if perm == 'c' || perm == 'u' || perm == 'd' {
		v1 = "write"
	}
	return &Error{Code: EForbidden, Reason: "insufficient_scope", Field: "scope",
		Message: "the access token lacks the scope system/" + resource + "." + v1 + " (or system/" + resource + "." + string(perm) + "): " + permName(perm) + " of " + resource,
		Details: map[string]any{"scope_needed": "system/" + resource + "." + v1}}
}

// validClientScopes checks the scopes an administrator allows a client.
func validClientScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return nil, Invalid("scopes", "name at least one scope, e.g. system/Patient.read")
	}
	var out []string
	for _, s := range scopes {
		sc, err := ParseScope(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		if sc.Context != "system" {
			return nil, &Error{Code: EInvalid, Field: "scopes", Reason: "invalid_scope", Message: "an API client acts for no person or patient: its scopes are system/ scopes, not " + quote(s)}
		}
		if !slices.Contains(out, strings.TrimSpace(s)) {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out, nil
}

// RegisterAPIClient registers a client (administrators) and returns it
// with its secret, which is shown once and stored only as a hash.
func (s *Service) RegisterAPIClient(ctx context.Context, by Identity, in APIClientInput) (APIClient, string, error) {
	if by.User.Role != RoleAdmin || by.ClientID != "" {
		return APIClient{}, "", Forbidden("only an administrator registers API clients")
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		return APIClient{}, "", Invalid("name", "must be 1–100 characters")
	}
	scopes, err := validClientScopes(in.Scopes)
	if err != nil {
		return APIClient{}, "", err
	}
	secret, hash := newToken()
	now := s.now()
	cl := APIClient{ID: NewID(), FacilityID: by.User.FacilityID, Name: name, SecretHash: hash, Scopes: scopes, Active: true, CreatedAt: now}
	err = s.Store.InTx(ctx, func(tx Tx) error {
		units, err := tx.ListUnits(by.User.FacilityID)
		if err != nil {
			return err
		}
		cl.UnitIDs = nil
		for _, want := range in.UnitIDs {
			if !slices.ContainsFunc(units, func(u Unit) bool { return u.ID == want }) {
				return Invalid("unit_ids", "no unit %q in this facility", want)
			}
			if !slices.Contains(cl.UnitIDs, want) {
				cl.UnitIDs = append(cl.UnitIDs, want)
			}
		}
		if len(in.UnitIDs) == 0 {
			for _, u := range units {
				cl.UnitIDs = append(cl.UnitIDs, u.ID)
			}
		}
		u := User{ID: NewID(), FacilityID: by.User.FacilityID, Username: "api-client-" + cl.ID[:8], DisplayName: "API client: " + name,
			Role: RoleChargeNurse, PasswordHash: "!", UnitIDs: cl.UnitIDs, Active: false, CreatedAt: now}
		if err := tx.CreateUser(&u); err != nil {
			return err
		}
		cl.UserID = u.ID
		if err := tx.CreateAPIClient(&cl); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "api_client.create", ObjectType: "api_client", ObjectID: cl.ID,
			Detail: map[string]any{"name": name, "scopes": scopes, "unit_ids": cl.UnitIDs, "user_id": u.ID}})
	})
	if err != nil {
		return APIClient{}, "", err
	}
	return cl, secret, nil
}

// ListAPIClients lists the facility's clients (administrators).
func (s *Service) ListAPIClients(ctx context.Context, by Identity) ([]APIClient, error) {
	if by.User.Role != RoleAdmin || by.ClientID != "" {
		return nil, Forbidden("only an administrator lists API clients")
	}
	var out []APIClient
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListAPIClients(by.User.FacilityID)
		return err
	})
	return out, err
}

// DisableAPIClient stops a client (administrators): its tokens end at
// once and it can take no more.
func (s *Service) DisableAPIClient(ctx context.Context, by Identity, id string) error {
	if by.User.Role != RoleAdmin || by.ClientID != "" {
		return Forbidden("only an administrator disables API clients")
	}
	return s.Store.InTx(ctx, func(tx Tx) error {
		cl, err := tx.GetAPIClient(id)
		if err != nil {
			return err
		}
		if cl.FacilityID != by.User.FacilityID {
			return NotFound("api client", id)
		}
		if err := tx.DisableAPIClient(id, s.now()); err != nil {
			return err
		}
		n, err := tx.DeleteAPITokens(id)
		if err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "api_client.disable", ObjectType: "api_client", ObjectID: id,
			Detail: map[string]any{"name": cl.Name, "tokens_ended": n}})
	})
}

// ClientToken is an issued access token.
type ClientToken struct {
	Token     string
	ExpiresIn int // seconds
	Scopes    []string
}

// invalidClient is the one answer to a wrong client id or secret or a
// disabled client (RFC 6749 §5.2).
var invalidClient = &Error{Code: EUnauthenticated, Reason: "invalid_client", Message: "client authentication failed"}

// IssueClientToken authenticates a client by its secret and issues an
// access token for the scopes asked (space-separated; all the client's
// scopes when empty). Every issue and every failure is audited.
func (s *Service) IssueClientToken(ctx context.Context, clientID, secret, scope string, src Identity) (ClientToken, error) {
	var out ClientToken
	var refusal error
	err := s.Store.InTx(ctx, func(tx Tx) error {
		refusal = nil
		cl, err := tx.GetAPIClient(clientID)
		if err != nil && ErrorCodeOf(err) != ENotFound {
			return err
		}
		ok := err == nil && subtle.ConstantTimeCompare([]byte(TokenHash(secret)), []byte(cl.SecretHash)) == 1
		if !ok || !cl.Active {
			refusal = invalidClient
			id := src
			if err == nil {
				if id.User, err = tx.GetUser(cl.UserID); err != nil {
					return err
				}
			}
			reason := "bad_credentials"
			if ok {
				reason = "client_disabled"
			}
			return s.audit(tx, id, AuditEntry{Action: "auth.client_token", ObjectType: "api_client", ObjectID: cl.ID, Outcome: "failure",
				Detail: map[string]any{"client_id": clientID, "reason": reason}})
		}
		u, err := tx.GetUser(cl.UserID)
		if err != nil {
			return err
		}
		id := src
		id.User, id.ClientID = u, cl.ID
		granted, why := grantScopes(cl.Scopes, scope)
		if why != "" {
			refusal = &Error{Code: EInvalid, Field: "scope", Reason: "invalid_scope", Message: why}
			return s.audit(tx, id, AuditEntry{Action: "auth.client_token", ObjectType: "api_client", ObjectID: cl.ID, Outcome: "refused",
				Detail: map[string]any{"scope": scope, "reason": why}})
		}
		token, _ := newToken()
		now := s.now()
		// The client's expired tokens go as it asks for a new one.
		if err := tx.DeleteExpiredAPITokens(cl.ID, now); err != nil {
			return err
		}
		t := APIToken{TokenHash: TokenHash(ClientTokenPrefix + token), ClientID: cl.ID, Scopes: granted, IssuedAt: now, ExpiresAt: now.Add(ClientTokenLifetime)}
		if err := tx.CreateAPIToken(&t); err != nil {
			return err
		}
		out = ClientToken{Token: ClientTokenPrefix + token, ExpiresIn: int(ClientTokenLifetime / time.Second), Scopes: granted}
		return s.audit(tx, id, AuditEntry{Action: "auth.client_token", ObjectType: "api_client", ObjectID: cl.ID,
			Detail: map[string]any{"scopes": granted, "expires_at": t.ExpiresAt}})
	})
	if err != nil {
		return ClientToken{}, err
	}
	if refusal != nil {
		return ClientToken{}, refusal
	}
	return out, nil
}

// grantScopes returns the scopes asked for when the client's allowed
// scopes cover each, or why not.
func grantScopes(allowed []string, asked string) ([]string, string) {
	fields := strings.Fields(asked)
	if len(fields) == 0 {
		return allowed, ""
	}
	var out []string
	for _, f := range fields {
		sc, err := ParseScope(f)
		if err != nil {
			return nil, err.(*Error).Message
		}
		if sc.Context != "system" {
			return nil, "scope " + quote(f) + ": a client credentials token acts for no person or patient: ask for system/ scopes"
		}
		covered := false
		for _, a := range allowed {
			if as, err := ParseScope(a); err == nil && as.Covers(sc) {
				covered = true
				break
			}
		}
		if !covered {
			return nil, "scope " + quote(f) + " is not among the scopes this client was allowed: " + strings.Join(allowed, " ")
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, ""
}

// AuthenticateClientToken resolves an API client's access token to the
// identity it acts as, with the token's scopes.
func (s *Service) AuthenticateClientToken(ctx context.Context, token string) (Identity, error) {
	unauth := func(reason, msg string) error {
		return &Error{Code: EUnauthenticated, Reason: reason, Message: msg}
	}
	var id Identity
	err := s.Store.InTx(ctx, func(tx Tx) error {
		t, err := tx.GetAPIToken(TokenHash(token))
		if ErrorCodeOf(err) == ENotFound {
			return unauth("invalid_token", "the access token is not valid; ask the token endpoint for another")
		} else if err != nil {
			return err
		}
		if !s.now().Before(t.ExpiresAt) {
			return unauth("token_expired", "the access token has expired; ask the token endpoint for another")
		}
		cl, err := tx.GetAPIClient(t.ClientID)
		if err != nil {
			return err
		}
		if !cl.Active {
			return unauth("client_disabled", "the API client is disabled")
		}
		u, err := tx.GetUser(cl.UserID)
		if err != nil {
			return err
		}
		id = Identity{User: u, ClientID: cl.ID, Scopes: t.Scopes, Device: "api-client:" + cl.Name}
		return nil
	})
	return id, err
}
