package web

import (
	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// Route is one entry of the routing table. Roles nil means public; every
// other route authenticates first and then admits only the listed roles.
type Route struct {
	Method  string
	Path    string
	Roles   []mar.Role
	Summary string
	Handler gin.HandlerFunc
}

var (
	public      []mar.Role
	anyone      = []mar.Role{mar.RoleNurse, mar.RoleChargeNurse, mar.RolePharmacist, mar.RoleAdmin}
	clinical    = []mar.Role{mar.RoleNurse, mar.RoleChargeNurse, mar.RolePharmacist}
	nursing     = []mar.Role{mar.RoleNurse, mar.RoleChargeNurse}
	chargeNurse = []mar.Role{mar.RoleChargeNurse}
	pharmacy    = []mar.Role{mar.RolePharmacist}
	admins      = []mar.Role{mar.RoleAdmin}
	catalogue   = []mar.Role{mar.RolePharmacist, mar.RoleAdmin}
	admission   = []mar.Role{mar.RoleChargeNurse, mar.RoleAdmin}
)

// routes lists every route the service answers.
func (s *Server) routes() []Route {
	var all []Route
	for _, group := range [][]Route{s.coreRoutes(), s.scheduleRoutes(), s.bedsideRoutes(), s.alertRoutes(), s.pharmacyRoutes(), s.countRoutes(), s.handoverRoutes(), s.fhirRoutes(), s.smartRoutes(), s.trustRoutes(), s.languageRoutes(), s.catalogueRoutes(), s.pageRoutes(), s.adminRoutes()} {
		all = append(all, group...)
	}
	return all
}

// coreRoutes are sign-in, system endpoints and the record's basics.
func (s *Server) coreRoutes() []Route {
	return []Route{
		{"GET", "/healthz", public, "liveness", s.healthz},
		{"GET", "/readyz", public, "readiness: database reachable, schema current", s.readyz},
		{"GET", "/metrics", admins, "Prometheus metrics (or without signing in on --metrics-addr)", s.metricsHandler},
		{"GET", "/openapi.json", public, "OpenAPI 3 description of the API", s.openAPI},

		{"POST", "/api/v1/auth/login", public, "sign in with username and password", s.login},
		{"POST", "/api/v1/auth/logout", anyone, "sign out this session", s.logout},
		{"GET", "/api/v1/me", anyone, "the signed-in user", s.me},

		{"GET", "/api/v1/units", anyone, "units of the facility", s.listUnits},
		{"GET", "/api/v1/users", admins, "accounts", s.listUsers},
		{"POST", "/api/v1/users", admins, "create an account", s.createUser},
		{"PATCH", "/api/v1/users/:id", admins, "change an account's display name, role or units (audited)", s.changeUser},
		{"POST", "/api/v1/users/:id/password", admins, "reset an account's password: its sessions and tokens end", s.resetPassword},
		{"POST", "/api/v1/users/:id/disable", admins, "disable an account: its sessions and tokens end", s.setUserActive(false)},
		{"POST", "/api/v1/users/:id/enable", admins, "re-enable a disabled account", s.setUserActive(true)},
		{"GET", "/api/v1/settings/scanning", admins, "the facility's wristband and badge formats and GS substitutes in effect", s.getScanSettings},
		{"PUT", "/api/v1/settings/scanning", admins, "replace the facility's scanner settings (validated, each example must read; {} goes back to the default; audited)", s.putScanSettings},
		{"POST", "/api/v1/me/password", anyone, "change your password (current_password, new_password): every session of yours ends", s.changeOwnPassword},

		{"GET", "/api/v1/residents", clinical, "residents of the caller's units", s.listResidents},
		{"POST", "/api/v1/residents", admission, "admit a resident", s.createResident},
		{"GET", "/api/v1/residents/:id", clinical, "a resident's record (audited read)", s.getResident},
		{"POST", "/api/v1/residents/:id/discharge", admission, "discharge a resident (at: when; now when absent): nothing more can be given (audited)", s.dischargeResident},
		{"POST", "/api/v1/residents/:id/readmit", admission, "undo a discharge (audited)", s.readmitResident},
		{"POST", "/api/v1/residents/:id/transfer", admission, "move a resident to another unit, room and bed; the caller works on both units (audited)", s.transferResident},
		{"PUT", "/api/v1/residents/:id/allergies", admission, "replace a resident's allergies and intolerances with the complete list (substance, reaction, severity; audited)", s.setAllergies},

		{"GET", "/api/v1/products", anyone, "the medication catalogue", s.listProducts},
		{"POST", "/api/v1/products", catalogue, "add a product with its packages", s.createProduct},

		{"GET", "/api/v1/audit/verify", admins, "verify the audit chain", s.verifyAudit},
	}
}

// Routes exposes the table to tests and documentation.
func (s *Server) Routes() []Route { return s.routes() }
