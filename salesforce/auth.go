package salesforce

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"voiceid/internal/httpx"
)

// Sign-in flows, the values of [salesforce] auth ("" is AuthJWT).
const (
	AuthJWT               = "jwt"
	AuthClientCredentials = "client_credentials"
	AuthSFCLI             = "sf-cli"
)

// DefaultAPIVersion is the REST API version used when api_version is empty (Winter '26).
const DefaultAPIVersion = "v65.0"

var apiVersionRE = regexp.MustCompile(`^[vV]?(\d{2,3}\.\d)$`)

// NormalizeAPIVersion accepts a version as Salesforce writes it ("59.0", in
// Setup and sfdx-project.json) or as it appears in URLs ("v59.0"), and
// returns the URL form; "" is DefaultAPIVersion.
func NormalizeAPIVersion(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultAPIVersion, nil
	}
	m := apiVersionRE.FindStringSubmatch(v)
	if m == nil {
		return "", fmt.Errorf("%q is not a Salesforce API version: write it as \"65.0\" or \"v65.0\"", v)
	}
	return "v" + m[1], nil
}

// CheckLoginURL refuses what Salesforce refuses: the client credentials flow
// is served only on the org's My Domain, never on login. or test.salesforce.com
// (KB 000886201).
func CheckLoginURL(auth, loginURL string) error {
	if auth != "client_credentials" {
		return nil
	}
	u, err := url.Parse(loginURL)
	if err != nil {
		return nil // the URL's own check names this
	}
	switch h := strings.ToLower(u.Hostname()); h {
	case "login.salesforce.com", "test.salesforce.com":
		return fmt.Errorf("%s does not serve auth = \"client_credentials\": set login_url to the org's My Domain URL (Setup > My Domain, e.g. https://acme.my.salesforce.com), or use auth = \"jwt\"", h)
	}
	return nil
}

// KeyError names the [salesforce] key a sign-in flow needs and lacks, or
// the auth value no flow answers to.
type KeyError struct {
	Key, Value, Problem string // Key without the section: "username"
}

func (e *KeyError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%s = %q: %s", e.Key, e.Value, e.Problem)
	}
	return e.Key + ": " + e.Problem
}

// CheckAuth is the one rule for what each sign-in flow needs: it returns a
// *KeyError for the first key the flow of cfg.Auth lacks. The key file's
// content is read (and checked) at sign-in.
func CheckAuth(cfg Config) error {
	need := func(key, value, problem string) error {
		if strings.TrimSpace(value) == "" {
			return &KeyError{Key: key, Problem: problem}
		}
		return nil
	}
	// with sf-cli the Salesforce CLI holds the app, the user and the instance URL
	if cfg.Auth != AuthSFCLI {
		if err := cmp.Or(need("login_url", cfg.LoginURL, "required when [salesforce] is enabled"),
			need("client_id", cfg.ClientID, "required when [salesforce] is enabled")); err != nil {
			return err
		}
	}
	switch cfg.Auth {
	case "", AuthJWT:
		return cmp.Or(need("username", cfg.Username, `required with auth = "jwt" (the integration user's username)`),
			need("private_key_file", cfg.PrivateKeyFile, `required with auth = "jwt"`))
	case AuthClientCredentials:
		return need("client_secret", cfg.ClientSecret, `required with auth = "client_credentials"`)
	case AuthSFCLI:
		return need("target_org", cfg.TargetOrg, `required with auth = "sf-cli": the alias of an org the Salesforce CLI is signed in to (sf org login web --alias ALIAS)`)
	}
	return &KeyError{Key: "auth", Value: cfg.Auth, Problem: `use "jwt", "client_credentials" or "sf-cli"`}
}

// signIn returns the Fetch of the configured flow; each answers a token
// whose Extra holds instance_url and id (the run-as user's identity URL).
func signIn(cfg Config, api *httpx.Client) (httpx.Fetch, error) {
	if err := CheckAuth(cfg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfigured, err)
	}
	switch cfg.Auth {
	case AuthClientCredentials:
		return func(ctx context.Context) (*oauth2.Token, error) {
			return tokenRequest(ctx, api, cfg, url.Values{"grant_type": {"client_credentials"},
				"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}})
		}, nil
	case AuthSFCLI:
		return sfCLI(cfg.TargetOrg), nil
	}
	pemBytes, err := os.ReadFile(cfg.PrivateKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: private_key_file: %v", ErrConfigured, err)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: private_key_file %s is not a PEM RSA private key: %v", ErrConfigured, cfg.PrivateKeyFile, err)
	}
	return func(ctx context.Context) (*oauth2.Token, error) {
		claims := assertion{Iss: cfg.ClientID, Sub: cfg.Username, Aud: Audience(cfg.LoginURL),
			Exp: cfg.Now().Add(3 * time.Minute).Unix()}
		signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
		if err != nil {
			return nil, fmt.Errorf("%w: signing the JWT assertion: %v", ErrAuth, err)
		}
		return tokenRequest(ctx, api, cfg, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {signed}})
	}, nil
}

// tokenRequest posts one grant to the token endpoint (docs/providers/salesforce.md: Token answer and errors).
// Salesforce sends no expires_in: the token's zero Expiry keeps it until a 401.
func tokenRequest(ctx context.Context, api *httpx.Client, cfg Config, form url.Values) (*oauth2.Token, error) {
	resp, err := api.Do(ctx, http.MethodPost, "/services/oauth2/token", nil, []byte(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if err != nil {
		return nil, fmt.Errorf("%w: %v%s", ErrAuth, err, AuthHint(err, cfg))
	}
	var t struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		InstanceURL string `json:"instance_url"`
		ID          string `json:"id"` // https://<host>/id/<orgId>/<userId>
	}
	if err := json.Unmarshal(resp.Body, &t); err != nil || t.AccessToken == "" || t.InstanceURL == "" {
		return nil, fmt.Errorf("%w: the token endpoint answered without access_token and instance_url", ErrAuth)
	}
	return (&oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType}).
		WithExtra(map[string]any{"instance_url": t.InstanceURL, "id": t.ID}), nil
}

// instance is the API base the current token was issued for.
func (s *Client) instance(ctx context.Context) (string, error) {
	t, err := s.auth.Token(ctx)
	if err != nil {
		return "", err
	}
	inst, _ := t.Extra("instance_url").(string)
	return strings.TrimRight(inst, "/"), nil
}

// userID is the run-as user's id, the end of the token's identity URL; ""
// when the sign-in did not say (the Salesforce CLI does not).
func (s *Client) userID(ctx context.Context) string {
	t, err := s.auth.Token(ctx)
	if err != nil {
		return ""
	}
	id, _ := t.Extra("id").(string)
	return id[strings.LastIndex(id, "/")+1:]
}

// Audience is the JWT "aud" Salesforce expects for a login URL: the sandbox
// audience for test.salesforce.com, sandbox My Domains, scratch orgs and the
// old csNN (sandbox instance) hosts; the production one for everything else
// (login.salesforce.com and production My Domains). The host the token
// request goes to is an endpoint, never an audience (JWT doc). The rules are
// those the Salesforce CLI applied by URL (sfdx-core sfdcUrl.ts, isSandboxUrl,
// until 2022; docs/providers/salesforce.md: Sandboxes).
func Audience(loginURL string) string {
	h := loginURL
	if u, err := url.Parse(loginURL); err == nil {
		h = u.Hostname()
	}
	h = strings.ToLower(h)
	first, _, _ := strings.Cut(h, ".")
	switch {
	case h == "test.salesforce.com", strings.HasSuffix(h, ".sandbox.my.salesforce.com"),
		// scratch orgs live on sandbox instances: <name>.scratch.my.salesforce.com
		strings.HasSuffix(h, ".scratch.my.salesforce.com"),
		// before enhanced domains a sandbox My Domain was <domain>--<sandbox>.my.salesforce.com
		strings.HasSuffix(h, ".my.salesforce.com") && strings.Contains(first, "--"),
		// csNN were the sandbox instances: cs42.salesforce.com, acme.cs42.my.salesforce.com
		csInstanceRE.MatchString(h):
		return "https://test.salesforce.com"
	}
	return "https://login.salesforce.com"
}

// csInstanceRE matches a host on a csNN instance, with or without a My Domain.
var csInstanceRE = regexp.MustCompile(`(^|\.)cs\d+(\.my)?\.salesforce\.com$`)

// assertion is the JWT bearer assertion's claim set. Salesforce takes "aud"
// only as a single JSON string; golang-jwt's RegisteredClaims would send an
// array (golang-jwt/jwt#190), so the claims are spelled out here.
type assertion struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Aud string `json:"aud"`
	Exp int64  `json:"exp"` // seconds since the epoch; at most 3 minutes ahead
}

func (a assertion) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(a.Exp, 0)), nil
}

func (assertion) GetIssuedAt() (*jwt.NumericDate, error) { return nil, nil }

func (assertion) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }

func (a assertion) GetIssuer() (string, error) { return a.Iss, nil }

func (a assertion) GetSubject() (string, error) { return a.Sub, nil }

func (a assertion) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{a.Aud}, nil
}

// AuthHint turns Salesforce's OAuth error (its error and error_description,
// docs/providers/salesforce.md: Token answer and errors) into the cause and what to fix; "" when it is not one.
func AuthHint(err error, cfg Config) string {
	var he *httpx.Error
	if !errors.As(err, &he) || he.Status == 0 {
		return ""
	}
	msg := strings.ToLower(he.Message)
	jwtFlow := cfg.Auth != "client_credentials"
	switch {
	case strings.Contains(msg, "approved"):
		return fmt.Sprintf("\n  cause: the app is not approved for %s. Fix: in the Connected App (Manage > Edit Policies) or External Client App (Policies), set Permitted Users to 'Admin approved users are pre-authorized' and add the user's profile or a permission set it holds", orDefault(cfg.Username, "the integration user"))
	case strings.Contains(msg, "audience"):
		return fmt.Sprintf("\n  cause: Salesforce refused the audience voiceid sent (%s, derived from login_url %s). Fix: production orgs and their My Domains take https://login.salesforce.com; a sandbox or scratch org needs login_url = https://test.salesforce.com or its *.sandbox.my.salesforce.com (*.scratch.my.salesforce.com) URL", Audience(cfg.LoginURL), cfg.LoginURL)
	case strings.Contains(msg, "expired"):
		return "\n  cause: the assertion was refused as expired: voiceid gives it 3 minutes, so this machine's clock is probably off. Fix: synchronise the clock (NTP) and retry"
	case jwtFlow && (strings.Contains(msg, "invalid assertion") || strings.Contains(msg, "signature")):
		return fmt.Sprintf("\n  cause: the assertion's signature does not verify against the certificate uploaded to the app. Fix: upload the certificate made from private_key_file (%s) under 'Use digital signatures', or point private_key_file at the key of the uploaded certificate", cfg.PrivateKeyFile)
	case he.Code == "invalid_client_id" || strings.Contains(msg, "client identifier"):
		return "\n  cause: Salesforce does not know this client_id. Fix: set [salesforce] client_id to the app's Consumer Key (App Manager > the app > View > Consumer Key and Secret)"
	case he.Code == "invalid_client" || strings.Contains(msg, "client credentials"):
		return "\n  cause: the client_secret does not match the app's Consumer Secret, or the app does not allow this flow. Fix: check [salesforce] client_secret, and that 'Enable Client Credentials Flow' is on with a Run As user"
	case he.Code == "invalid_grant" && !jwtFlow:
		return "\n  cause: the client credentials flow was refused. Fix: login_url must be the org's My Domain URL, and the app needs 'Enable Client Credentials Flow' and a Run As user"
	case strings.Contains(msg, "authentication failure"):
		return "\n  cause: Salesforce could not authenticate the integration user. Fix: check [salesforce] username (the Salesforce username, not the email), that the user is active, and that the certificate uploaded to the app matches private_key_file"
	}
	return ""
}
