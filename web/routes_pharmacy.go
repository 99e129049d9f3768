package web

// pharmacyRoutes lists the pharmacy routes.
func (s *Server) pharmacyRoutes() []Route { return nil }
