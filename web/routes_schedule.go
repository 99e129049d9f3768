package web

// scheduleRoutes lists the schedule routes.
func (s *Server) scheduleRoutes() []Route { return nil }
