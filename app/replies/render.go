package replies

import (
	"regexp"
	"strconv"
	"strings"
)

// Vars are the values a canned response (or a macro's message) can insert.
type Vars struct {
	ContactName    string
	ContactEmail   string
	ContactPhone   string
	AgentName      string
	ConversationID uint64 // the display number people see
	AccountName    string
}

// variableRE matches {{ name }}: letters, digits, dots and underscores between double braces,
// spaces around the name allowed (people type them, Liquid accepts them).
var variableRE = regexp.MustCompile(`\{\{\s*([a-zA-Z0-9_.]+)\s*\}\}`)

// Render fills the variables of a canned response. The variables are:
//
//	{{contact.name}}        the contact's full name
//	{{contact.first_name}}  the first word of the contact's name
//	{{contact.email}}       the contact's email
//	{{contact.phone}}       the contact's phone number
//	{{agent.name}}          the full name of the agent sending it
//	{{agent.first_name}}    the first word of the agent's name
//	{{conversation.id}}     the conversation's number (display id)
//	{{account.name}}        the account's (business's) name
//
// Names are case-sensitive and may have spaces inside the braces ({{ contact.name }}). A known
// variable without a value renders empty; an unknown one is left exactly as typed, so a typo is
// visible instead of silently vanishing. The composer's preview in the frontend has its own copy
// of these rules: keep both in step.
func Render(content string, v Vars) string {
	if !strings.Contains(content, "{{") {
		return content
	}
	return variableRE.ReplaceAllStringFunc(content, func(m string) string {
		name := variableRE.FindStringSubmatch(m)[1]
		switch name {
		case "contact.name":
			return v.ContactName
		case "contact.first_name":
			return firstName(v.ContactName)
		case "contact.email":
			return v.ContactEmail
		case "contact.phone":
			return v.ContactPhone
		case "agent.name":
			return v.AgentName
		case "agent.first_name":
			return firstName(v.AgentName)
		case "conversation.id":
			if v.ConversationID == 0 {
				return ""
			}
			return strconv.FormatUint(v.ConversationID, 10)
		case "account.name":
			return v.AccountName
		}
		return m
	})
}

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}
