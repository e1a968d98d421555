package api

// registerWidget adds the widget routes.
func (s *Server) registerWidget() {}
