package api

// registerTasks adds the routes of tasks, lists, subtasks, dependencies, checklist, board and calendar.
func (s *Server) registerTasks() {}
