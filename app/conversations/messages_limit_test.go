package conversations

import (
	"strconv"
	"testing"
)

// Opening a conversation with its last 50 messages is one call; the limit is bounded and a bad
// one names the field.
func TestMessagesLimit(t *testing.T) {
	f := cxNew(t, "en")
	id := f.newConv("maria", "m0")
	ins := make([]Inbound, 0, 119)
	for i := 1; i < 120; i++ {
		ins = append(ins, f.in("maria", "m"+strconv.Itoa(i)))
	}
	if _, err := f.s.IngestBatch(cxCtx, f.acct.ID, ins); err != nil {
		t.Fatal(err)
	}
	p, err := f.s.MessagesLimit(cxCtx, f.ana, id, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Payload) != 50 || p.Payload[0].Content != "m70" || p.Payload[49].Content != "m119" {
		t.Fatalf("latest 50: %d, %q…%q", len(p.Payload), p.Payload[0].Content, p.Payload[len(p.Payload)-1].Content)
	}
	older, err := f.s.MessagesLimit(cxCtx, f.ana, id, p.Payload[0].ID, 100)
	if err != nil || len(older.Payload) != 70 || older.Payload[0].Content != "m0" || older.Payload[69].Content != "m69" {
		t.Fatalf("the 70 before: %v %d", err, len(older.Payload))
	}
	if d, _ := f.s.MessagesLimit(cxCtx, f.ana, id, 0, 0); len(d.Payload) != MessagesPageSize {
		t.Fatalf("no limit gives %d, want %d", len(d.Payload), MessagesPageSize)
	}
	for _, bad := range []int{-1, 101} {
		_, err := f.s.MessagesLimit(cxCtx, f.ana, id, 0, bad)
		cxWantField(t, err, "limit")
	}
	// Dan, who does not work the inbox, reads nothing whatever the limit.
	if _, err := f.s.MessagesLimit(cxCtx, f.dan, id, 0, 50); err == nil {
		t.Fatal("dan read a conversation of an inbox he does not work")
	}
}
