package replies_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/replies"
	"github.com/parleyhq/parley/storage"
)

// inbox stores an API inbox worked by the given agents.
func (e *env) inbox(name string, members ...uint64) uint64 {
	e.t.Helper()
	in := &inboxes.Inbox{AccountID: e.account, Name: name, ChannelType: inboxes.ChannelAPI, Enabled: true, MemberIDs: members, TeamIDs: []uint64{}}
	if err := e.db.Update(func(tx *storage.Tx) error { return inboxes.Inboxes.Put(tx, in) }); err != nil {
		e.t.Fatal(err)
	}
	return in.ID
}

// ingest starts a conversation with a contact through the one ingest path.
func (e *env) ingest(inbox uint64, source, name, text string) uint64 {
	e.t.Helper()
	r, err := e.convs.Ingest(ctx, e.account, conversations.Inbound{InboxID: inbox, Contact: contacts.Identity{SourceID: source, Name: name}, Content: text})
	if err != nil {
		e.t.Fatal(err)
	}
	return r.DisplayID
}

// messages returns conversation number id's messages of a type, in order.
func (e *env) messages(actor access.Actor, id uint64, typ conversations.MessageType) []conversations.Message {
	e.t.Helper()
	c, err := e.convs.Visible(ctx, actor, id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []conversations.Message
	e.db.View(func(tx *storage.Tx) error {
		return conversations.Messages.Each(tx, e.account, storage.Query{Index: "conversation", Prefix: storage.Uint(c.ID)}, func(m *conversations.Message) bool {
			if m.Type == typ {
				out = append(out, *m)
			}
			return true
		})
	})
	return out
}

// TestMacroExecute runs a macro through the real conversations service: every action lands in
// order, canned responses are rendered for the conversation, a failing step stops that
// conversation's remaining steps (keeping the earlier ones) and says which, and a conversation
// the actor cannot see is reported without touching it.
func TestMacroExecute(t *testing.T) {
	e := newEnv(t)
	s := e.svc
	e.label("billing")
	e.label("vip")
	mine := e.inbox("Site API", e.agent.UserID)
	hidden := e.inbox("Other API", e.agent2.UserID)
	c1 := e.ingest(mine, "c-1", "Maria Souza", "Minha fatura veio errada")
	c2 := e.ingest(hidden, "c-2", "João Alves", "Oi")

	thanks, err := s.Create(ctx, e.admin, replies.CannedInput{ShortCode: str("thanks"), Content: str("Obrigado, {{contact.first_name}}! Conversa #{{conversation.id}} com {{agent.first_name}}.")})
	if err != nil {
		t.Fatal(err)
	}
	act := func(name string, params ...any) replies.Action { return replies.Action{Name: name, Params: params} }
	actions := []replies.Action{
		act("add_label", "billing", "vip"), act("assign_agent", "self"), act("change_priority", "high"),
		act("send_canned_response", float64(thanks.ID)), act("add_private_note", "Refund for {{contact.name}}"),
		act("change_status", "resolved"),
	}
	m, err := s.CreateMacro(ctx, e.agent, replies.MacroInput{Name: str("Billing done"), Actions: &actions})
	if err != nil {
		t.Fatal(err)
	}

	res, err := s.Execute(ctx, e.agent, m.ID, []uint64{c1, c2, c1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !res[0].OK || res[0].ConversationID != c1 || res[1].OK || res[1].ConversationID != c2 || res[1].FailedAction != nil || res[1].Error == "" {
		t.Fatalf("results: %+v", res)
	}
	c, err := e.convs.Visible(ctx, e.agent, c1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Labels, "billing") || !slices.Contains(c.Labels, "vip") || c.AssigneeID != e.agent.UserID ||
		c.Priority != conversations.High || c.Status != conversations.Resolved {
		t.Fatalf("conversation after macro: labels %v assignee %d priority %q status %q", c.Labels, c.AssigneeID, c.Priority, c.Status)
	}
	var reply, note *conversations.Message
	for _, msg := range e.messages(e.agent, c1, conversations.Outgoing) {
		if msg.Private {
			note = &msg
		} else {
			reply = &msg
		}
	}
	want := "Obrigado, Maria! Conversa #" + strconv.FormatUint(c1, 10) + " com Bruno."
	if reply == nil || reply.Content != want || reply.SenderID != e.agent.UserID {
		t.Fatalf("canned reply: %+v, want %q", reply, want)
	}
	if note == nil || note.Content != "Refund for Maria Souza" {
		t.Fatalf("private note: %+v", note)
	}
	// The other agent's conversation was not touched.
	if c, err := e.convs.Visible(ctx, e.admin, c2); err != nil || len(c.Labels) != 0 || c.Status != conversations.Open {
		t.Fatalf("invisible conversation changed: %+v %v", c, err)
	}

	// A step that fails stops the rest: the canned response is gone by the time it runs.
	c3 := e.ingest(mine, "c-3", "Ana Reis", "Olá")
	if err := s.Delete(ctx, e.admin, thanks.ID); err != nil {
		t.Fatal(err)
	}
	res, err = s.Execute(ctx, e.agent, m.ID, []uint64{c3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].OK || res[0].FailedAction == nil || *res[0].FailedAction != 3 || res[0].Error == "" {
		t.Fatalf("failing step: %+v", res)
	}
	c, err = e.convs.Visible(ctx, e.agent, c3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Labels, "billing") || c.Priority != conversations.High || c.Status != conversations.Open {
		t.Fatalf("after a failed step: labels %v priority %q status %q (earlier steps stay, later ones do not run)", c.Labels, c.Priority, c.Status)
	}
	if n := len(e.messages(e.agent, c3, conversations.Outgoing)); n != 0 {
		t.Fatalf("%d outgoing messages after the failed step", n)
	}
}
