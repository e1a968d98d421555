package api

// CONTRACT STUB — the contacts/inboxes helper replaces this file.

func (s *Server) registerInboxes() {}
