package handlers

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// realClient believes X-Forwarded-For and X-Forwarded-Proto only from the
// configured trusted proxies. The client is the rightmost address in
// X-Forwarded-For that is not itself a trusted proxy: everything to its
// left was written by parties we cannot trust. The result goes into
// RemoteAddr, which the audit trail and sign-in throttling use.
func (h *Handler) realClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure := r.TLS != nil || h.TLS
		if peer, ok := addrOf(r.RemoteAddr); ok && h.trusted(peer) {
			if ip, ok := h.forwardedClient(r.Header.Values("X-Forwarded-For")); ok {
				r.RemoteAddr = net.JoinHostPort(ip.String(), "0")
			}
			if proto := r.Header.Get("X-Forwarded-Proto"); proto != "" {
				secure = strings.EqualFold(strings.TrimSpace(strings.Split(proto, ",")[0]), "https")
			}
		}
		if secure {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
			w = &secureCookieWriter{ResponseWriter: w}
		}
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) trusted(a netip.Addr) bool {
	for _, p := range h.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (h *Handler) forwardedClient(values []string) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false
		}
		a = a.Unmap()
		if !h.trusted(a) || i == 0 {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func addrOf(remote string) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		a, err := netip.ParseAddr(remote)
		return a.Unmap(), err == nil
	}
	return ap.Addr().Unmap(), true
}

// secureCookieWriter marks every cookie Secure when the browser is on
// HTTPS, including behind a TLS-terminating proxy where the session
// manager's own setting cannot know it.
type secureCookieWriter struct {
	http.ResponseWriter
	done bool
}

func (s *secureCookieWriter) fix() {
	if s.done {
		return
	}
	s.done = true
	cookies := s.Header().Values("Set-Cookie")
	for i, c := range cookies {
		if !strings.Contains(strings.ToLower(c), "; secure") {
			cookies[i] = c + "; Secure"
		}
	}
}

func (s *secureCookieWriter) WriteHeader(code int) { s.fix(); s.ResponseWriter.WriteHeader(code) }

func (s *secureCookieWriter) Write(b []byte) (int, error) { s.fix(); return s.ResponseWriter.Write(b) }

func (s *secureCookieWriter) Flush() {
	s.fix()
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *secureCookieWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
