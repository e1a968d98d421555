package api

// CONTRACT STUB — the conversation-extras helper replaces this file.

func (s *Server) registerConversationSettings() {}
