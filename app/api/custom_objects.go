package api

// registerCustomObjects adds the routes of this area. CONTRACT: filled in by the area's work.
func (s *Server) registerCustomObjects() {}
