package api

// registerMail adds the routes of the operator's mail server settings and test message.
func (s *Server) registerMail() {}
