package api

// registerSegments adds the routes of this area. CONTRACT: filled in by the area's work.
func (s *Server) registerSegments() {}
