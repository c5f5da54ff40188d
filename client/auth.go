package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

// tokens fetches client-credentials tokens (or asks the caller's
// TokenSource) and reuses each until shortly before it expires. One fetch
// is in flight at a time (singleflight), and no lock is held while it
// runs: the callers that need a token meanwhile share its outcome, each
// waiting until its own context ends.
type tokens struct {
	cfg    clientcredentials.Config
	source oauth2.TokenSource // the caller's, or nil
	http   *http.Client
	region string
	now    func() time.Time
	red    *redactor
	flight singleflight.Group

	mu  sync.Mutex
	tok *oauth2.Token
}

func newTokens(c Config, ep endpoints, hc *http.Client, red *redactor) *tokens {
	return &tokens{
		cfg: clientcredentials.Config{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret,
			TokenURL:     ep.tokenURL,
			AuthStyle:    oauth2.AuthStyleInHeader, // Basic base64(id:secret); form body grant_type only
		},
		source: c.TokenSource,
		http:   hc,
		region: ep.region,
		now:    time.Now,
		red:    red,
	}
}

func (t *tokens) valid(tok *oauth2.Token) bool {
	return tok != nil && tok.AccessToken != "" && (tok.Expiry.IsZero() || t.now().Add(tokenExpiryMargin).Before(tok.Expiry))
}

// token returns a valid access token, fetching one if needed. A refusal
// (bad credentials) is every waiter's; a fetch that failed because the
// context of the caller that ran it ended is tried again by the others.
func (t *tokens) token(ctx context.Context) (*oauth2.Token, error) {
	for {
		t.mu.Lock()
		tok := t.tok
		t.mu.Unlock()
		if t.valid(tok) {
			return tok, nil
		}
		ch := t.flight.DoChan("token", func() (any, error) {
			tok, err := t.fetch(ctx)
			if err == nil {
				t.mu.Lock()
				t.tok = tok
				t.mu.Unlock()
			}
			return tok, err
		})
		select {
		case r := <-ch:
			if r.Err == nil {
				return r.Val.(*oauth2.Token), nil
			}
			if ctx.Err() == nil && !errors.Is(r.Err, ErrUnauthorized) &&
				(errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				continue // the fetch failed for its own caller's reason: ask again
			}
			return nil, r.Err
		case <-ctx.Done():
			return nil, &AuthError{TokenURL: t.cfg.TokenURL, Region: t.region, err: ctx.Err()}
		}
	}
}

// fetch asks the token endpoint, or the caller's TokenSource, for a token.
func (t *tokens) fetch(ctx context.Context) (*oauth2.Token, error) {
	var tok *oauth2.Token
	var err error
	if t.source != nil {
		tok, err = t.source.Token() // a TokenSource takes no context
	} else {
		tok, err = t.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, t.http))
	}
	if err != nil {
		return nil, t.explain(ctx, err)
	}
	t.red.add(tok.AccessToken) // never printed from now on, whoever echoes it
	return tok, nil
}

// invalidate drops tok so that the next call fetches a new one; a token
// another caller already replaced is left alone.
func (t *tokens) invalidate(tok *oauth2.Token) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok == tok {
		t.tok = nil
	}
}

// AuthError is a failed token request. It unwraps to ErrUnauthorized when
// the credentials were refused. It never holds the secret.
type AuthError struct {
	// TokenURL is the login endpoint that was tried.
	TokenURL string
	// Region is the region (or base URL) it belongs to.
	Region string
	// Status is the HTTP status, zero when no answer came.
	Status int
	// Code and Description are the token endpoint's error and description.
	Code, Description string
	err               error
}

func (e *AuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client: token request to %s failed", e.TokenURL)
	switch {
	case e.Code != "":
		fmt.Fprintf(&b, ": %d %s", e.Status, e.Code)
		if e.Description != "" {
			fmt.Fprintf(&b, " (%s)", e.Description)
		}
	case e.Status != 0:
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
		if e.Description != "" {
			fmt.Fprintf(&b, " (%s)", e.Description)
		}
	case e.err != nil:
		fmt.Fprintf(&b, ": %v", e.err)
	}
	if e.Code == "invalid_client" || e.Status == http.StatusUnauthorized {
		fmt.Fprintf(&b, "; check the client id and secret, and that the OAuth client belongs to an organisation in %s: the wrong region is the most common cause", e.Region)
	}
	return b.String()
}

// Unwrap reports ErrUnauthorized for refused credentials, and the cause.
func (e *AuthError) Unwrap() []error {
	out := []error{e.err}
	if e.Code == "invalid_client" || e.Code == "unauthorized_client" || e.Status == http.StatusUnauthorized ||
		(e.Status == http.StatusBadRequest && e.Code != "") {
		out = append(out, ErrUnauthorized)
	}
	return out
}

func (t *tokens) explain(ctx context.Context, err error) error {
	ae := &AuthError{TokenURL: t.cfg.TokenURL, Region: t.region}
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		if re.Response != nil {
			ae.Status = re.Response.StatusCode
		}
		// The token endpoint's own words, redacted: a server may echo
		// "id:secret" in its description.
		ae.Code, ae.Description = truncate(t.red.text(re.ErrorCode), 100), truncate(t.red.text(re.ErrorDescription), 200)
		if ae.Status >= 300 && ae.Status < 400 && re.Response != nil {
			ae.Code, ae.Description = "", "redirected to "+redirectTarget(re.Response)+"; not followed, because a redirect could carry the client secret elsewhere"
		}
		// RetrieveError's own text holds the response body: keep only the
		// parts above, and the status, as the cause.
		ae.err = fmt.Errorf("oauth2: %d answer from the token endpoint", ae.Status)
	case ctx.Err() != nil:
		ae.err = ctx.Err()
	default:
		// Transport errors and bodies that are not a token: oauth2 sends
		// the secret in a header, but a server's answer may be quoted.
		ae.err = t.red.err(err)
	}
	return ae
}
