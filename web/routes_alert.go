package web

// alertRoutes lists the alert routes.
func (s *Server) alertRoutes() []Route { return nil }
