package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// letter is one message ready to compose: the resolved recipient and the lines to write.
type letter struct {
	To, ToName string
	Subject    string
	Text       string
	MessageID  string // without angle brackets
	Date       time.Time
}

// compose writes a text/plain UTF-8 message from the server's sender.
func compose(srv *server, l letter) ([]byte, error) {
	var h gomail.Header
	h.SetDate(l.Date)
	h.SetAddressList("From", []*gomail.Address{{Name: srv.FromName, Address: srv.FromAddress}})
	h.SetAddressList("To", []*gomail.Address{{Name: l.ToName, Address: l.To}})
	h.SetSubject(l.Subject)
	h.SetMessageID(l.MessageID)
	h.Set("MIME-Version", "1.0")
	h.Set("Auto-Submitted", "auto-generated") // no out-of-office replies to a robot
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	var buf bytes.Buffer
	w, err := gomail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(l.Text, "\r\n", "\n"))); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sendError tells which setting (or the recipient) an SMTP failure points at, so the test
// message can put it under the right field.
type sendError struct {
	Field string // "host" or "to"
	Err   error
}

func (e *sendError) Error() string { return e.Err.Error() }
func (e *sendError) Unwrap() error { return e.Err }

func fail(field, step string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &sendError{Field: field, Err: fmt.Errorf("%s: the server answered %d %s", step, se.Code, se.Message)}
	}
	return &sendError{Field: field, Err: fmt.Errorf("%s: %v", step, err)}
}

// dialTimeout bounds connecting; commandTimeout each SMTP exchange.
const (
	dialTimeout    = 20 * time.Second
	commandTimeout = 60 * time.Second
)

// deliver hands raw to the server for to, in one SMTP session.
func deliver(ctx context.Context, srv *server, to string, raw []byte) error {
	addr := net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port))
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail("host", "connect", err)
	}
	tlsConfig := &tls.Config{ServerName: srv.Host, MinVersion: tls.VersionTLS12}
	var c *smtp.Client
	switch srv.Security {
	case SecurityTLS:
		tc := tls.Client(conn, tlsConfig)
		tc.SetDeadline(time.Now().Add(dialTimeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fail("host", "TLS", err)
		}
		tc.SetDeadline(time.Time{})
		c = smtp.NewClient(tc)
	case SecurityStartTLS:
		if c, err = smtp.NewClientStartTLS(conn, tlsConfig); err != nil {
			conn.Close()
			return fail("host", "STARTTLS", err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	c.CommandTimeout, c.SubmissionTimeout = commandTimeout, 2*commandTimeout
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if srv.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", srv.Username, srv.Password)); err != nil {
			return fail("host", "sign-in", err)
		}
	}
	if err := c.Mail(srv.FromAddress, nil); err != nil {
		return fail("host", "sender", err)
	}
	if err := c.Rcpt(to, nil); err != nil {
		return fail("to", "recipient", err)
	}
	w, err := c.Data()
	if err != nil {
		return fail("host", "message", err)
	}
	if _, err := w.Write(raw); err != nil {
		w.Close()
		return fail("host", "message", err)
	}
	if err := w.Close(); err != nil {
		return fail("host", "message", err)
	}
	c.Quit()
	return nil
}

// footer is the "Open in Parley" line, in the message's language.
func footer(publicURL, link, lang string) string {
	if publicURL == "" || link == "" {
		return ""
	}
	label := "Open in Parley"
	if strings.HasPrefix(strings.ToLower(lang), "pt") {
		label = "Abrir no Parley"
	}
	return label + ": " + strings.TrimRight(publicURL, "/") + link
}

// messageID is the stable id of a queued message: a resend after a crash between the server's
// acceptance and the sent mark carries the same id, so it can be recognised as a duplicate.
func messageID(m *Message) string { return fmt.Sprintf("mail-%d-%d@parley", m.AccountID, m.ID) }
