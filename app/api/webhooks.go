package api

// registerWebhooks adds the webhooks routes.
func (s *Server) registerWebhooks() {}
