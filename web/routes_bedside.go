package web

// bedsideRoutes lists the bedside routes.
func (s *Server) bedsideRoutes() []Route { return nil }
