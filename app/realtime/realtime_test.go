package realtime_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/parleyhq/parley/app/realtime"
	"github.com/parleyhq/parley/storage"
)

func drain(s *realtime.Subscriber) []string {
	var types []string
	for {
		select {
		case raw := <-s.C:
			var m realtime.Message
			json.Unmarshal(raw, &m)
			types = append(types, m.Type)
		default:
			return types
		}
	}
}

// TestHubRoutesByAccountAndUser: a window hears only its accounts, a user-addressed event only
// reaches that user, and engine events never leave the process.
func TestHubRoutesByAccountAndUser(t *testing.T) {
	h := realtime.New()
	ana := h.Subscribe(1, []uint64{1})
	bia := h.Subscribe(2, []uint64{1, 2})
	caio := h.Subscribe(3, []uint64{2})
	h.Handle(context.Background(), []storage.Event{
		{Account: 1, Type: "agent.updated"},
		{Account: 2, Type: "team.updated"},
		{Account: 1, Type: "notification.created", Data: json.RawMessage(`{"user_id":2,"title":"x"}`)},
		{Account: 1, Type: storage.EventChanged, Entity: "users", ID: 1},
	})
	for _, c := range []struct {
		name string
		sub  *realtime.Subscriber
		want string
	}{{"ana", ana, "[agent.updated]"}, {"bia", bia, "[agent.updated team.updated notification.created]"}, {"caio", caio, "[team.updated]"}} {
		if got := drain(c.sub); fmtList(got) != c.want {
			t.Errorf("%s got %v, want %s", c.name, got, c.want)
		}
	}
	// Close ends every stream, and later subscribers get a closed channel straight away.
	h.Close()
	if _, open := <-ana.C; open {
		t.Error("channel still open after Close")
	}
	h.Unsubscribe(ana) // after Close: no double close
	late := h.Subscribe(4, []uint64{1})
	if _, open := <-late.C; open {
		t.Error("subscriber after Close got an open channel")
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
