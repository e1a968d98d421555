package api

// registerClient adds the client routes.
func (s *Server) registerClient() {}
