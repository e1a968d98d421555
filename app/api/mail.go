package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/parleyhq/parley/app/mail"
)

// The mail types under names of their own in the document (conversations and realtime already
// have a "Message").
type (
	mailSettings      mail.Settings
	mailSettingsInput mail.SettingsInput
	mailMessage       mail.Message
)

// registerMail adds the routes of the operator's mail server settings and test message.
func (s *Server) registerMail() {
	tags := []string{"Platform"}
	const base = "/api/v1/platform/mail"
	type settingsOut struct{ Body *mailSettings }
	register(s, huma.Operation{OperationID: "platform-mail-get", Method: http.MethodGet, Path: base, Summary: "The installation's mail server settings (operator); the password is never shown", Tags: tags}, authOperator,
		func(ctx context.Context, _ *struct{}) (*settingsOut, error) {
			v, err := s.Mail.Settings(ctx, actorOf(ctx))
			return &settingsOut{(*mailSettings)(v)}, err
		})
	type settingsIn struct{ Body mailSettingsInput }
	register(s, huma.Operation{OperationID: "platform-mail-update", Method: http.MethodPut, Path: base, Summary: "Replace the mail server settings (operator); an empty password keeps the stored one", Tags: tags}, authOperator,
		func(ctx context.Context, in *settingsIn) (*settingsOut, error) {
			v, err := s.Mail.SaveSettings(ctx, actorOf(ctx), mail.SettingsInput(in.Body))
			return &settingsOut{(*mailSettings)(v)}, err
		})
	type testIn struct {
		Body struct {
			To string `json:"to" doc:"where to send the test message"`
		}
	}
	type testOut struct {
		Body struct {
			OK bool `json:"ok"`
		}
	}
	register(s, huma.Operation{OperationID: "platform-mail-test", Method: http.MethodPost, Path: base + "/test", Summary: "Send a test message now through the saved settings (operator); an SMTP failure comes back under host or to", Tags: tags}, authOperator,
		func(ctx context.Context, in *testIn) (*testOut, error) {
			if err := s.Mail.SendTest(ctx, actorOf(ctx), in.Body.To); err != nil {
				return nil, err
			}
			out := &testOut{}
			out.Body.OK = true
			return out, nil
		})
	type outgoingOut struct {
		Body struct {
			Payload []mailMessage `json:"payload"`
		}
	}
	register(s, huma.Operation{OperationID: "platform-mail-outgoing", Method: http.MethodGet, Path: base + "/outgoing", Summary: "The 50 newest outgoing messages of every account with their state (operator)", Tags: tags}, authOperator,
		func(ctx context.Context, _ *struct{}) (*outgoingOut, error) {
			msgs, err := s.Mail.Latest(ctx, actorOf(ctx), 50)
			if err != nil {
				return nil, err
			}
			out := &outgoingOut{}
			out.Body.Payload = make([]mailMessage, len(msgs))
			for i, m := range msgs {
				out.Body.Payload[i] = mailMessage(m)
			}
			return out, nil
		})
}
