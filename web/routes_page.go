package web

// pageRoutes lists the page routes.
func (s *Server) pageRoutes() []Route { return nil }
