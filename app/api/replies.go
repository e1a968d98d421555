package api

// CONTRACT STUB — the replies/channels helper replaces this file.

func (s *Server) registerReplies() {}
