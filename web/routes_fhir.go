package web

// fhirRoutes lists the fhir routes.
func (s *Server) fhirRoutes() []Route { return nil }
