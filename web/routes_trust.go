package web

// trustRoutes lists the trust routes.
func (s *Server) trustRoutes() []Route { return nil }
