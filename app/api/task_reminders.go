package api

// registerTaskReminders adds the routes of a task's reminders and the recurrence preview.
func (s *Server) registerTaskReminders() {}
