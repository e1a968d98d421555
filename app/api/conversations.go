package api

// CONTRACT STUB — the conversations-core helper replaces this file.

func (s *Server) registerConversations() {}
