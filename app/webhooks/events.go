package webhooks

import (
	"context"
	"sort"
	"sync"

	"github.com/parleyhq/parley/storage"
)

// Event is a subscribable event: its name (the change-feed type, Chatwoot's webhook event
// name), the group the settings page files it under, and what it means in both languages.
type Event struct {
	Name          string `json:"name"`
	Group         string `json:"group"`
	DescriptionEN string `json:"description_en"`
	DescriptionPT string `json:"description_pt"`
	// Body builds the posted JSON for an event of a later module; nil posts the event's data
	// with "event" and "account" added. It runs outside any transaction.
	Body func(ctx context.Context, e storage.Event) (map[string]any, error) `json:"-"`
}

// Description is the event's meaning in lang ("pt-BR" or English).
func (e Event) Description(lang string) string {
	if lang == "pt-BR" && e.DescriptionPT != "" {
		return e.DescriptionPT
	}
	return e.DescriptionEN
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Event{}
)

func init() {
	for _, e := range []Event{
		{Name: "conversation_created", Group: "conversations", DescriptionEN: "A conversation is started", DescriptionPT: "Uma conversa é iniciada"},
		{Name: "conversation_status_changed", Group: "conversations", DescriptionEN: "A conversation is resolved, reopened, set pending or snoozed", DescriptionPT: "Uma conversa é resolvida, reaberta, marcada como pendente ou adiada"},
		{Name: "conversation_updated", Group: "conversations", DescriptionEN: "A conversation's assignee, team, labels, priority or attributes change", DescriptionPT: "O responsável, time, etiquetas, prioridade ou atributos de uma conversa mudam"},
		{Name: "message_created", Group: "messages", DescriptionEN: "A message is received or sent (private notes included, marked private)", DescriptionPT: "Uma mensagem é recebida ou enviada (notas privadas incluídas, marcadas como privadas)"},
		{Name: "message_updated", Group: "messages", DescriptionEN: "A message changes (delivery status, CSAT answer)", DescriptionPT: "Uma mensagem muda (status de entrega, resposta de CSAT)"},
		{Name: "contact_created", Group: "contacts", DescriptionEN: "A contact is created", DescriptionPT: "Um contato é criado"},
		{Name: "contact_updated", Group: "contacts", DescriptionEN: "A contact's details change", DescriptionPT: "Os dados de um contato mudam"},
		{Name: "conversation_typing_on", Group: "conversations", DescriptionEN: "Someone starts typing in a conversation", DescriptionPT: "Alguém começa a digitar em uma conversa"},
		{Name: "conversation_typing_off", Group: "conversations", DescriptionEN: "Someone stops typing in a conversation", DescriptionPT: "Alguém para de digitar em uma conversa"},
	} {
		RegisterEvent(e)
	}
}

// RegisterEvent makes an event subscribable; modules that arrive later add theirs at init. A
// second registration of a name replaces the first.
func RegisterEvent(e Event) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[e.Name] = e
}

// Events lists the subscribable events by group, then name.
func Events() []Event {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]Event, 0, len(registry))
	for _, e := range registry {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func lookupEvent(name string) (Event, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	e, ok := registry[name]
	return e, ok
}

// inboxEvents are what an API channel inbox's webhook URL receives: everything about its
// conversations, so the integration sees the agents' replies.
var inboxEvents = map[string]bool{
	"conversation_created": true, "conversation_status_changed": true, "conversation_updated": true,
	"message_created": true, "message_updated": true, "conversation_typing_on": true, "conversation_typing_off": true,
}
