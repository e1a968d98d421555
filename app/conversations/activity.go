package conversations

import (
	"fmt"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/storage"
)

// Activity lines and notifications are written once, in the language of the account (lines) or
// of the recipient (notifications): the thread is a record, not a UI string.

// pt reports whether a language setting is Brazilian Portuguese.
func pt(lang string) bool { return strings.EqualFold(lang, "pt-BR") }

// tr picks the English or Portuguese format and fills it.
func tr(lang, en, ptBR string, args ...any) string {
	if pt(lang) {
		return fmt.Sprintf(ptBR, args...)
	}
	return fmt.Sprintf(en, args...)
}

// actorName is how an activity line names who acted.
func actorName(tx *storage.Tx, a access.Actor) string {
	if a.UserName != "" {
		return a.UserName
	}
	if a.UserID != 0 {
		return userName(tx, a.UserID)
	}
	return "Parley"
}

// userName is a user's display name ("" when the user is gone).
func userName(tx *storage.Tx, id uint64) string {
	if u, err := auth.Users.Get(tx, 0, id); err == nil {
		return u.Name
	}
	return ""
}

// userLang is the language a user reads notifications in (the account's when unset).
func userLang(tx *storage.Tx, id uint64, acct *accounts.Account) string {
	if u, err := auth.Users.Get(tx, 0, id); err == nil && u.Language != "" {
		return u.Language
	}
	return acct.Language
}

// addActivity appends a system line to c.
func (s *Service) addActivity(tx *storage.Tx, c *Conversation, content string, actor uint64) error {
	return s.appendMessage(tx, c, &Message{Type: Activity, Content: content, Status: StatusSent}, actor)
}

func statusLine(lang string, st Status, by string) string {
	switch st {
	case Resolved:
		return tr(lang, "Conversation was resolved by %s", "Conversa resolvida por %s", by)
	case Pending:
		return tr(lang, "Conversation was marked as pending by %s", "Conversa marcada como pendente por %s", by)
	case Snoozed:
		return tr(lang, "Conversation was snoozed by %s", "Conversa adiada por %s", by)
	}
	return tr(lang, "Conversation was reopened by %s", "Conversa reaberta por %s", by)
}

func priorityName(lang string, p Priority) string {
	names := map[Priority][2]string{Urgent: {"Urgent", "Urgente"}, High: {"High", "Alta"}, Medium: {"Medium", "Média"}, Low: {"Low", "Baixa"}}
	n := names[p]
	if pt(lang) {
		return n[1]
	}
	return n[0]
}

func priorityLine(lang string, p Priority, by string) string {
	if p == NoPrio {
		return tr(lang, "%s removed the priority", "%s removeu a prioridade", by)
	}
	return tr(lang, "%s set the priority to %s", "%s definiu a prioridade como %s", by, priorityName(lang, p))
}

func assigneeLine(lang, assignee, by string, self bool) string {
	switch {
	case assignee == "":
		return tr(lang, "Conversation unassigned by %s", "Atribuição removida por %s", by)
	case self:
		return tr(lang, "%s self-assigned this conversation", "%s atribuiu esta conversa a si mesmo(a)", by)
	}
	return tr(lang, "Assigned to %s by %s", "Atribuída a %s por %s", assignee, by)
}

func autoAssignLine(lang, assignee string) string {
	return tr(lang, "Assigned to %s by auto-assignment", "Atribuída a %s pela atribuição automática", assignee)
}

func teamLine(lang, team, by string) string {
	if team == "" {
		return tr(lang, "Team unassigned by %s", "Time removido por %s", by)
	}
	return tr(lang, "Assigned to team %s by %s", "Atribuída ao time %s por %s", team, by)
}

func labelsLine(lang string, added bool, labels []string, by string) string {
	list := strings.Join(labels, ", ")
	if added {
		return tr(lang, "%s added %s", "%s adicionou %s", by, list)
	}
	return tr(lang, "%s removed %s", "%s removeu %s", by, list)
}
