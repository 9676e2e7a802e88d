package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// GenerateKey makes an RSA key pair for the JWT flow and its PEM (PKCS#8) encoding.
func GenerateKey() (*rsa.PrivateKey, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// RefuseNext answers the next n requests with method ("" = any) to paths
// starting with path ("" = any) with 403 REQUEST_LIMIT_EXCEEDED and message,
// before they reach the org: a refused request changes nothing.
func (s *SalesforceSim) RefuseNext(method, path string, n int, message string) {
	if n < 1 {
		return
	}
	body, _ := json.Marshal([]map[string]any{{"message": message, "errorCode": "REQUEST_LIMIT_EXCEEDED"}})
	s.Inject(Fault{Method: method, Path: path, Times: n, Status: http.StatusForbidden, Body: string(body),
		Header: map[string]string{"Content-Type": "application/json"}})
}

func sfErr(w http.ResponseWriter, status int, code, msg string) {
	WriteJSON(w, status, []map[string]any{{"message": msg, "errorCode": code}})
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	WriteJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

func (s *SalesforceSim) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthErr(w, 400, "invalid_request", "malformed form body")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		if desc := s.checkAssertion(r.PostForm.Get("assertion")); desc != "" {
			oauthErr(w, 400, "invalid_grant", desc)
			return
		}
	case "client_credentials":
		if r.PostForm.Get("client_id") != s.creds.ClientID {
			oauthErr(w, 400, "invalid_client_id", "client identifier invalid")
			return
		}
		if r.PostForm.Get("client_secret") != s.creds.ClientSecret || s.creds.ClientSecret == "" {
			oauthErr(w, 400, "invalid_client", "invalid client credentials")
			return
		}
	default:
		oauthErr(w, 400, "unsupported_grant_type", "grant type not supported")
		return
	}
	tok := "00DSIM0000000001!" + RandHex(20)
	s.Mu.Lock()
	s.tokens[tok] = true
	s.Mu.Unlock()
	WriteJSON(w, http.StatusOK, map[string]any{"access_token": tok, "instance_url": s.URL(),
		"id": s.URL() + "/id/00DSIM0000000001AAA/" + SFIntegrationUserID, "token_type": "Bearer",
		"issued_at": strconv.FormatInt(s.Now().UnixMilli(), 10), "signature": "c2ltdWxhdGVk", "scope": "api"})
}

// Audience is the JWT audience the simulated org takes: production's, or the
// sandbox one when Sandbox is set (salesforce.md §1a).
func (s *SalesforceSim) Audience() string {
	if s.Sandbox {
		return "https://test.salesforce.com"
	}
	return "https://login.salesforce.com"
}

// checkAssertion verifies the JWT as Salesforce does; "" means accepted. The
// claims are read from the raw JSON because golang-jwt accepts an array "aud"
// where Salesforce takes only a single string (golang-jwt/jwt#190).
func (s *SalesforceSim) checkAssertion(assertion string) string {
	if s.creds.PublicKey == nil {
		return "authentication failure"
	}
	claims := jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(assertion, &claims, func(*jwt.Token) (any, error) { return s.creds.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.Now))
	var raw struct {
		Aud json.RawMessage `json:"aud"`
	}
	parts := strings.Split(assertion, ".")
	if len(parts) == 3 {
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		json.Unmarshal(payload, &raw)
	}
	var aud string
	switch {
	case err != nil && strings.Contains(err.Error(), "expired"):
		return "expired authorization code"
	case err != nil:
		return "invalid assertion"
	case claims.Issuer != s.creds.ClientID:
		return "client identifier invalid"
	case json.Unmarshal(raw.Aud, &aud) != nil || aud != s.Audience():
		return "audience is invalid"
	case claims.ExpiresAt.Time.After(s.Now().Add(5 * time.Minute)):
		return "expired authorization code" // Salesforce refuses assertions that live too long
	case claims.Subject != s.creds.Username:
		return "user hasn't approved this consumer"
	}
	return ""
}

func (s *SalesforceSim) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.Mu.Lock()
		ok := s.tokens[tok]
		over := s.Used >= s.DailyLimit
		if ok && !over {
			s.Used++
		}
		w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", s.Used, s.DailyLimit))
		s.Mu.Unlock()
		if !ok {
			sfErr(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
			return
		}
		if over {
			sfErr(w, http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", SFTotalRequests)
			return
		}
		if !s.served(r.PathValue("v")) {
			sfErr(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
			return
		}
		h(w, r)
	}
}
