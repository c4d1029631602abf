// Package sandbox is an in-process, Vobiz-compatible CDR API: an
// http.Handler that serves a deterministic, realistic data set of Indian
// call logs through the five documented CDR endpoints (list, search,
// recent, get one, CSV export).
//
// It exists so that `make run` can demo the dashboard without credentials,
// so that the client and the dashboard can be tested end to end without the
// network, and so that both can be benchmarked. It follows
// docs/vobiz-api.md, which also lists every choice it makes where the Vobiz
// docs leave behaviour open; the code that makes a choice says so next to it.
//
// Fault injection (Faults, SetFaults) lets tests and the demo exercise the
// client's handling of latency, error statuses, broken bodies, connection
// resets and hangs. Faults are configured through Go or command-line flags
// (ParseFaultFlags), never through magic query parameters, so a request the
// dashboard sends is always a request the real API could receive.
package sandbox

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Options configure a sandbox. The zero value of every field selects its
// default.
type Options struct {
	// Seed selects the data set (default 1).
	Seed int64
	// Calls is the number of calls (default 100_000). A negative value makes
	// an empty data set.
	Calls int
	// Days is the span the calls cover, ending at Now (default 90).
	Days int
	// Now anchors the data set (default time.Now()): the newest calls end
	// shortly before Now, so "today" has calls. It is truncated to seconds.
	Now time.Time
	// AuthID is the account id the server accepts (default "MA_SANDBOX").
	AuthID string
	// AuthToken is the token the server accepts (default "sandbox-token").
	AuthToken string
	// StrictDates answers a lone start_date or end_date with 400 in the
	// documented error shape. By default a lone date is ignored, which is
	// what the Vobiz skill says the real API may do.
	StrictDates bool
	// Location is the zone whose business hours shape the traffic (default
	// Asia/Kolkata, or a fixed +05:30 zone when tzdata is missing). It does
	// not affect filtering: date filters cut days in UTC.
	Location *time.Location
}

// Defaults.
const (
	DefaultSeed      = 1
	DefaultCalls     = 100_000
	DefaultDays      = 90
	DefaultAuthID    = "MA_SANDBOX"
	DefaultAuthToken = "sandbox-token"
	// MaxDays bounds Options.Days so the traffic profile stays small.
	MaxDays = 3650
	// MaxCalls bounds Options.Calls: party indexes and ids are sized for it,
	// and it keeps an accidental huge value from exhausting memory.
	MaxCalls = 20_000_000
)

// Server is the sandbox API. Create it with New; it is safe for concurrent
// use. The data set is immutable after New.
type Server struct {
	opts   Options
	now    time.Time
	loc    *time.Location
	epoch  int64 // unix seconds that call.start counts from
	idBase int64 // id of the oldest call

	calls   []call // newest first
	parties []party

	uuidKeys, sipKeys, bridgeKeys idKeys
	inCum, outCum                 []float64 // outcome shares per direction
	allSummary                    summary   // summary of the whole data set

	requests   atomic.Int64
	reqSeq     atomic.Uint64
	observer   atomic.Pointer[func(*http.Request)]
	faults     atomic.Pointer[faultState]
	exportHook func(rowsWritten int) // tests only: called after each export flush
}

// New generates the data set and returns a server for it. Generation is
// deterministic in (Seed, Now, Calls, Days, Location).
func New(opts Options) *Server {
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	switch {
	case opts.Calls == 0:
		opts.Calls = DefaultCalls
	case opts.Calls < 0:
		opts.Calls = 0
	case opts.Calls > MaxCalls:
		opts.Calls = MaxCalls
	}
	if opts.Days <= 0 {
		opts.Days = DefaultDays
	}
	opts.Days = min(opts.Days, MaxDays)
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Now = opts.Now.Truncate(time.Second).UTC()
	if opts.AuthID == "" {
		opts.AuthID = DefaultAuthID
	}
	if opts.AuthToken == "" {
		opts.AuthToken = DefaultAuthToken
	}
	if opts.Location == nil {
		opts.Location = defaultLocation()
	}
	s := &Server{
		opts:       opts,
		now:        opts.Now,
		loc:        opts.Location,
		uuidKeys:   newIDKeys(opts.Seed, kindUUID),
		sipKeys:    newIDKeys(opts.Seed, kindSIPCallID),
		bridgeKeys: newIDKeys(opts.Seed, kindBridgeUUID),
		inCum:      outcomeCum(false),
		outCum:     outcomeCum(true),
		idBase:     18_000_001,
	}
	s.epoch = opts.Now.Unix() - int64(opts.Days+1)*86400
	s.generate()
	for i := range s.calls {
		s.allSummary.add(s, i, &s.calls[i])
	}
	s.faults.Store(newFaultState(Faults{}, opts.Seed))
	return s
}

// defaultLocation is Asia/Kolkata, falling back to a fixed IST zone when
// the system has no time zone database (minimal containers).
func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Kolkata"); err == nil {
		return loc
	}
	return time.FixedZone("IST", 5*3600+1800)
}

// AuthID returns the account id the server accepts in X-Auth-ID and in the
// path.
func (s *Server) AuthID() string { return s.opts.AuthID }

// AuthToken returns the token the server accepts in X-Auth-Token.
func (s *Server) AuthToken() string { return s.opts.AuthToken }

// Now returns the data set's anchor time.
func (s *Server) Now() time.Time { return s.now }

// Options returns the options after defaults were applied.
func (s *Server) Options() Options { return s.opts }

// Requests returns how many requests the server has received (all paths,
// including rejected and faulted ones).
func (s *Server) Requests() int64 { return s.requests.Load() }

// SetObserver installs fn to be called at the start of every request, before
// any fault or auth check, so tests can count or inspect what reaches the
// upstream. nil clears it. fn must be safe for concurrent use.
func (s *Server) SetObserver(fn func(r *http.Request)) {
	if fn == nil {
		s.observer.Store(nil)
		return
	}
	s.observer.Store(&fn)
}

// Len returns the number of calls.
func (s *Server) Len() int { return len(s.calls) }

// Call returns the i-th newest call (0 is the newest) with every field
// populated exactly as the API endpoints serve it. Out-of-range i returns
// the zero CDR.
func (s *Server) Call(i int) vobiz.CDR {
	if i < 0 || i >= len(s.calls) {
		return vobiz.CDR{}
	}
	var c vobiz.CDR
	s.resolve(&c, i)
	return c
}

// Index returns the position (0 = newest) of the call with the given uuid.
func (s *Server) Index(uuid string) (int, bool) { return s.indexOf(s.uuidKeys, uuid) }

// idOf returns the numeric id of the i-th newest call; ids grow with time.
func (s *Server) idOf(i int) int64 { return s.idBase + int64(len(s.calls)-1-i) }

// indexOf decodes an identifier of the given kind to a call position.
func (s *Server) indexOf(k idKeys, id string) (int, bool) {
	n, ok := k.decode(id)
	if !ok || n < s.idBase || n >= s.idBase+int64(len(s.calls)) {
		return 0, false
	}
	return len(s.calls) - 1 - int(n-s.idBase), true
}
