package api

// registerCompanies adds the routes of this area. CONTRACT: filled in by the area's work.
func (s *Server) registerCompanies() {}
