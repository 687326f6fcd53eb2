package enroll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"provkeys/model"
)

// Handler serves the enrollment API. Build it with NewHandler.
type Handler struct {
	st      Store
	cfg     Config
	mux     *http.ServeMux
	reg     *prometheus.Registry
	results *prometheus.CounterVec
	latency *prometheus.HistogramVec
	limit   *limiter
}

// NewHandler is the API over st, with its own metrics registry (no process globals).
func NewHandler(st Store, cfg Config) *Handler {
	cfg = cfg.withDefaults()
	h := &Handler{st: st, cfg: cfg, mux: http.NewServeMux(), reg: prometheus.NewRegistry(),
		limit: newLimiter(cfg.RefusalRate, cfg.RefusalBurst, time.Now)}
	h.results = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "provkeys_enrollments_total", Help: "Enrollment requests by result.",
	}, []string{"result"})
	h.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "provkeys_http_request_duration_seconds", Help: "Enrollment service request latency.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "code"})
	h.reg.MustRegister(h.results, h.latency, prometheus.NewGoCollector())
	if cfg.SSHSessions != nil {
		h.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "provkeys_ssh_sessions_open", Help: "Open SSH dashboard sessions.",
		}, cfg.SSHSessions))
	}
	for _, r := range []string{resultOK, resultReenrolled, resultBadRequest, resultRefused, resultNoUses,
		resultAlreadyEnrolled, resultCannotSign, resultRateLimited, resultError} {
		h.results.WithLabelValues(r) // show every result from the start, at 0
	}
	h.route("POST /v1/enroll", "enroll", h.enroll)
	h.route("GET /v1/crl/{ca}", "crl", h.crl)
	h.route("GET /healthz", "healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	h.mux.Handle("GET /metrics", promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{}))
	return h
}

// route registers fn timed under the route label.
func (h *Handler) route(pattern, label string, fn http.HandlerFunc) {
	h.mux.Handle(pattern, promhttp.InstrumentHandlerDuration(h.latency.MustCurryWith(prometheus.Labels{"route": label}), fn))
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Registry is the handler's metrics registry.
func (h *Handler) Registry() *prometheus.Registry { return h.reg }

// Results of enrollment requests, the values of provkeys_enrollments_total's label.
const (
	resultOK              = "enrolled"
	resultReenrolled      = "reenrolled"
	resultBadRequest      = "bad_request"
	resultRefused         = "key_refused"
	resultNoUses          = "no_uses_left"
	resultAlreadyEnrolled = "already_enrolled"
	resultCannotSign      = "cannot_sign"
	resultRateLimited     = "rate_limited"
	resultError           = "error"
)

// request is the body of POST /v1/enroll.
type request struct {
	Key     string `json:"key"`
	Machine string `json:"machine"`
	CSR     string `json:"csr"`
}

// Machine is a machine as the API and the command line show it.
type Machine struct {
	Name       string    `json:"name"`
	Key        string    `json:"key"`
	Groups     []string  `json:"groups"`
	Serial     string    `json:"serial"`
	NotAfter   time.Time `json:"not_after"`
	EnrolledAt time.Time `json:"enrolled_at"`
	Remote     string    `json:"remote"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// MachineJSON is m's JSON form.
func MachineJSON(m model.Machine) Machine {
	return Machine{Name: m.Name, Key: m.KeyName, Groups: m.Groups, Serial: m.Serial, NotAfter: m.NotAfter,
		EnrolledAt: m.EnrolledAt, Remote: m.Remote, RevokedAt: m.RevokedAt}
}

type response struct {
	Machine     Machine `json:"machine"`
	Certificate string  `json:"certificate"`
	Chain       string  `json:"chain"`
}

func (h *Handler) enroll(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r.RemoteAddr)
	if !h.limit.allow(ip) {
		h.results.WithLabelValues(resultRateLimited).Inc()
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "too many refused requests from your address; wait and try again")
		return
	}
	req, status, msg := decode(w, r)
	if status != 0 {
		h.refused(ip, resultBadRequest)
		writeError(w, status, msg)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	e, err := h.st.Enroll(ctx, model.EnrollRequest{Key: req.Key, Machine: req.Machine, CSR: req.CSR, Remote: r.RemoteAddr}, h.cfg.CertDays)
	if err != nil {
		status, result, msg := h.classify(err)
		if result != resultError {
			h.refused(ip, result)
		} else {
			h.results.WithLabelValues(result).Inc()
		}
		writeError(w, status, msg)
		return
	}
	result := resultOK
	if !e.Machine.UsedUse {
		result = resultReenrolled
	}
	h.results.WithLabelValues(result).Inc()
	writeJSON(w, http.StatusCreated, response{Machine: MachineJSON(e.Machine), Certificate: e.Certificate, Chain: e.Chain})
}

// refused counts a refusal against the address's bucket and in the metrics.
func (h *Handler) refused(ip, result string) {
	h.limit.take(ip)
	h.results.WithLabelValues(result).Inc()
}

// classify maps the store's typed errors to a status, a metrics result and the sentence the
// client reads. Unknown errors are logged here and never shown.
func (h *Handler) classify(err error) (int, string, string) {
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve):
		return http.StatusBadRequest, resultBadRequest, ve.Error()
	case errors.Is(err, model.ErrKeyRefused):
		return http.StatusForbidden, resultRefused, model.ErrKeyRefused.Error()
	case errors.Is(err, model.ErrNoUsesLeft):
		return http.StatusForbidden, resultNoUses, model.ErrNoUsesLeft.Error()
	case errors.Is(err, model.ErrCannotSign):
		return http.StatusForbidden, resultCannotSign, err.Error()
	case errors.Is(err, model.ErrAlreadyEnrolled):
		return http.StatusConflict, resultAlreadyEnrolled, model.ErrAlreadyEnrolled.Error()
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(h.cfg.ErrorLog, "enroll: %v\n", err)
		return http.StatusServiceUnavailable, resultError, "the enrollment service is busy; try again"
	}
	fmt.Fprintf(h.cfg.ErrorLog, "enroll: %v\n", err)
	return http.StatusInternalServerError, resultError, "the enrollment failed on the server; try again later"
}

// decode reads the request body; a non-zero status says what is wrong with it.
func decode(w http.ResponseWriter, r *http.Request) (request, int, string) {
	var req request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return req, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d KiB", MaxBody>>10)
		case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return req, http.StatusBadRequest, `the request body is not a JSON object {"key", "machine", "csr"}`
		case errors.As(err, &typ):
			return req, http.StatusBadRequest, fmt.Sprintf("%s: must be a string", typ.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return req, http.StatusBadRequest, "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + ` (want "key", "machine", "csr")`
		}
		return req, http.StatusBadRequest, `the request body is not a JSON object {"key", "machine", "csr"}`
	}
	if dec.More() {
		return req, http.StatusBadRequest, "the request body holds more than one JSON value"
	}
	for field, v := range map[string]string{"key": req.Key, "machine": req.Machine, "csr": req.CSR} {
		if v == "" {
			return req, http.StatusBadRequest, field + ": missing"
		}
	}
	return req, 0, ""
}

func (h *Handler) crl(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	der, err := h.st.CRL(ctx, r.PathValue("ca"))
	switch {
	case errors.Is(err, model.ErrNotFound):
		writeError(w, http.StatusNotFound, "no signing certificate has that name")
		return
	case errors.Is(err, model.ErrCannotSign):
		writeError(w, http.StatusNotFound, "this signing certificate is verify only: provkeys does not publish its revocation list")
		return
	case err != nil:
		fmt.Fprintf(h.cfg.ErrorLog, "crl: %v\n", err)
		writeError(w, http.StatusInternalServerError, "the revocation list could not be built; try again later")
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(der)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// clientIP is the host part of a remote address; the rate limit is per address, not per port.
func clientIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
