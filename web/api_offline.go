package web

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/offline"
)

// OfflineConfig is the offline bedside's (docs/offline.md).
type OfflineConfig struct {
	// Key signs the snapshots (Ed25519). Replicas behind one address need
	// the same key; nil makes one for this process.
	Key ed25519.PrivateKey
	// Lifetime is how long a snapshot may be charted against
	// (0: mar.DefaultSnapshotLifetime, a med pass).
	Lifetime time.Duration
	// WasmDir holds emar.wasm and wasm_exec.js, built by make build
	// (empty: the page works online only and says so).
	WasmDir string
}

func (o OfflineConfig) withDefaults() (OfflineConfig, error) {
	if o.Key == nil {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return o, err
		}
		o.Key = k
	}
	if o.Lifetime <= 0 {
		o.Lifetime = mar.DefaultSnapshotLifetime
	}
	return o, nil
}

// offlinePublicKey is the key the bedside page trusts, in base64.
func (s *Server) offlinePublicKey() string {
	return base64.StdEncoding.EncodeToString(s.offline.Key.Public().(ed25519.PublicKey))
}

// bedsideSnapshot answers the signed offline snapshot of a unit's med
// pass: GET /api/v1/bedside/snapshot?unit=ID.
func (s *Server) bedsideSnapshot(c *gin.Context) {
	by := mustIdentity(c)
	unit := c.Query("unit")
	if unit == "" {
		if len(by.User.UnitIDs) != 1 {
			s.respondError(c, mar.Invalid("unit", "name the unit (?unit=ID)"))
			return
		}
		unit = by.User.UnitIDs[0]
	}
	if !mar.ValidID(unit) {
		s.respondError(c, mar.Invalid("unit", "not a unit id"))
		return
	}
	snap, err := s.svc.BedsideSnapshot(c.Request.Context(), by, unit, s.offline.Lifetime)
	if err != nil {
		s.respondError(c, err)
		return
	}
	env, err := offline.Seal(snap, s.offline.Key)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, env)
}

// offlineBuilt reports whether the WebAssembly checks can be served.
func (s *Server) offlineBuilt() bool {
	if s.offline.WasmDir == "" {
		return false
	}
	for _, f := range []string{"emar.wasm", "wasm_exec.js"} {
		if _, err := os.Stat(filepath.Join(s.offline.WasmDir, f)); err != nil {
			return false
		}
	}
	return true
}

// offlineFile serves the WebAssembly build of the checks and Go's loader
// for it (build artefacts of make build, not in the repository).
func (s *Server) offlineFile(c *gin.Context) {
	name := c.Param("file")
	ctype := map[string]string{"/emar.wasm": "application/wasm", "/wasm_exec.js": "text/javascript; charset=utf-8"}[name]
	if ctype == "" || s.offline.WasmDir == "" {
		s.respondError(c, mar.Errorf(mar.ENotFound, "no such file: %s", name))
		return
	}
	data, err := os.ReadFile(filepath.Join(s.offline.WasmDir, filepath.Base(name)))
	if err != nil {
		s.respondError(c, mar.Errorf(mar.ENotFound, "the offline checks are not built (make build): %s", name))
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, ctype, data)
}
