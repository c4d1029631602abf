package vobiz_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// scenarios picks one recording of each kind from the test data set.
type scenarios struct {
	all                    []sandbox.RecordingScenario
	twoParts               string // a call with two recordings
	mono, stereo, oneWay   sandbox.RecordingScenario
	mp3                    sandbox.RecordingScenario
	unrecordedAnsweredCall string
	unansweredCall         string
}

func pickScenarios(t *testing.T, e *sbEnv) scenarios {
	t.Helper()
	sc := scenarios{all: e.sb.RecordingScenarios()}
	perCall := map[string]int{}
	for _, r := range sc.all {
		perCall[r.CallUUID]++
		switch {
		case r.SilentChannel == 2 && sc.oneWay.RecordingID == "":
			sc.oneWay = r
		case r.Channels == 2 && r.SilentChannel == 0 && sc.stereo.RecordingID == "":
			sc.stereo = r
		case r.Format == "wav" && r.Channels == 1 && sc.mono.RecordingID == "":
			sc.mono = r
		case r.Format == "mp3" && sc.mp3.RecordingID == "" && r.Duration > 5*time.Second:
			sc.mp3 = r
		}
	}
	for id, n := range perCall {
		if n == 2 {
			sc.twoParts = id
			break
		}
	}
	for i := range e.sb.Len() {
		c := e.sb.Call(i)
		_, recorded := perCall[string(c.UUID)]
		switch {
		case c.Billsec == 0 && sc.unansweredCall == "":
			sc.unansweredCall = string(c.UUID)
		case c.Billsec > 0 && !recorded && sc.unrecordedAnsweredCall == "":
			sc.unrecordedAnsweredCall = string(c.UUID)
		}
	}
	if sc.twoParts == "" || sc.oneWay.RecordingID == "" || sc.stereo.RecordingID == "" || sc.mono.RecordingID == "" ||
		sc.mp3.RecordingID == "" || sc.unansweredCall == "" || sc.unrecordedAnsweredCall == "" {
		t.Fatalf("the data set lacks a kind of recording: %+v", sc)
	}
	return sc
}

func TestRecordingsAgainstSandbox(t *testing.T) {
	e := newSandbox(t)
	sc := pickScenarios(t, e)
	c := e.client(t)
	ctx := context.Background()

	t.Run("a call's recordings", func(t *testing.T) {
		rs, err := c.CallRecordings(ctx, sc.twoParts)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 {
			t.Fatalf("%d recordings, want 2", len(rs))
		}
		if rs[0].EndMS != rs[1].StartMS || !rs[0].AddTime.Before(rs[1].AddTime.Time) {
			t.Errorf("the second part does not start where the first ends: %+v", rs)
		}
		for _, r := range rs {
			if string(r.CallUUID) != sc.twoParts || r.Duration() <= 0 || r.AddTime.IsZero() ||
				r.FromNumber == "" || r.ToNumber == "" || r.ResourceURI == "" || r.Type != "call" {
				t.Errorf("incomplete recording %+v", r)
			}
			if !strings.HasPrefix(string(r.URL), e.base+"/media/recordings/") {
				t.Errorf("recording_url %q is not on the sandbox", r.URL)
			}
		}
	})

	t.Run("no recordings", func(t *testing.T) {
		for _, id := range []string{sc.unansweredCall, sc.unrecordedAnsweredCall} {
			rs, err := c.CallRecordings(ctx, id)
			if err != nil || len(rs) != 0 {
				t.Errorf("%s: %d recordings, %v", id, len(rs), err)
			}
		}
	})

	t.Run("paging newest first", func(t *testing.T) {
		first, err := c.ListRecordings(ctx, vobiz.RecordingFilter{Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		if int(first.Meta.TotalCount) != len(sc.all) || len(first.Objects) != 7 || !first.HasNext() || first.Meta.Previous.Valid {
			t.Fatalf("meta %+v, %d objects; %d recordings in the data set", first.Meta, len(first.Objects), len(sc.all))
		}
		second, err := c.ListRecordings(ctx, vobiz.RecordingFilter{Limit: 7, Offset: 7})
		if err != nil {
			t.Fatal(err)
		}
		if !second.Meta.Previous.Valid || !strings.Contains(second.Meta.Next.String, "offset=14") {
			t.Errorf("meta %+v", second.Meta)
		}
		objs := append(first.Objects, second.Objects...)
		seen := map[string]bool{}
		for i, r := range objs {
			if seen[string(r.ID)] {
				t.Errorf("recording %s twice", r.ID)
			}
			seen[string(r.ID)] = true
			if i > 0 && r.AddTime.After(objs[i-1].AddTime.Time) {
				t.Errorf("object %d is newer than the one before", i)
			}
		}
		last, err := c.ListRecordings(ctx, vobiz.RecordingFilter{Limit: 100, Offset: len(sc.all) - 3})
		if err != nil || len(last.Objects) != 3 || last.HasNext() {
			t.Errorf("last page: %v, %+v", err, last)
		}
	})

	t.Run("add_time window", func(t *testing.T) {
		all, err := c.ListRecordings(ctx, vobiz.RecordingFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		// A window that holds objects 10..29 of the newest page (times are
		// sent to the second, so stay clear of the ends).
		to := all.Objects[9].AddTime.Time.Truncate(time.Second)
		from := all.Objects[29].AddTime.Time.Truncate(time.Second).Add(time.Second)
		win, err := c.ListRecordings(ctx, vobiz.RecordingFilter{AddedFrom: from, AddedBefore: to, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(win.Objects) == 0 {
			t.Fatal("empty window")
		}
		for _, r := range win.Objects {
			if r.AddTime.Before(from) || !r.AddTime.Before(to) {
				t.Errorf("%v outside [%v, %v)", r.AddTime, from, to)
			}
		}
		want := 0
		for _, r := range all.Objects {
			if !r.AddTime.Before(from) && r.AddTime.Before(to) {
				want++
			}
		}
		if len(win.Objects) != want {
			t.Errorf("%d in the window, want %d", len(win.Objects), want)
		}
	})

	t.Run("get one", func(t *testing.T) {
		r, err := c.GetRecording(ctx, sc.oneWay.RecordingID)
		if err != nil {
			t.Fatal(err)
		}
		if string(r.ID) != sc.oneWay.RecordingID || r.Duration() != sc.oneWay.Duration || r.Format != "wav" {
			t.Errorf("got %+v, want %+v", r, sc.oneWay)
		}
		_, err = c.GetRecording(ctx, "00000000-0000-4000-8000-000000000000")
		if !errors.Is(err, vobiz.ErrNotFound) {
			t.Errorf("unknown id: %v, want ErrNotFound", err)
		}
	})

	t.Run("audio", func(t *testing.T) {
		for _, s := range []sandbox.RecordingScenario{sc.mono, sc.stereo, sc.mp3} {
			r, err := c.GetRecording(ctx, s.RecordingID)
			if err != nil {
				t.Fatal(err)
			}
			wantCT := map[string]string{"wav": "audio/wav", "mp3": "audio/mpeg"}[s.Format]
			a, err := c.OpenRecordingAudio(ctx, r, "bytes=0-99")
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(a.Body)
			a.Body.Close()
			if err != nil || a.StatusCode != http.StatusPartialContent || len(b) != 100 || a.ContentType != wantCT {
				t.Errorf("%s range: %v status %d len %d type %q", s.Format, err, a.StatusCode, len(b), a.ContentType)
			}
			a, err = c.OpenRecordingAudio(ctx, r, "")
			if err != nil {
				t.Fatal(err)
			}
			full, err := io.ReadAll(a.Body)
			a.Body.Close()
			if err != nil || a.StatusCode != 200 || int64(len(full)) != a.ContentLength || string(full[:100]) != string(b) {
				t.Errorf("%s full: %v status %d len %d/%d", s.Format, err, a.StatusCode, len(full), a.ContentLength)
			}
		}
	})
}

func TestRecordingAudioNoCredentials(t *testing.T) {
	e := newSandbox(t)
	sc := pickScenarios(t, e)
	var mu sync.Mutex
	var media []http.Header
	e.sb.SetObserver(func(r *http.Request) {
		if strings.Contains(r.URL.Path, "/media/") {
			mu.Lock()
			media = append(media, r.Header.Clone())
			mu.Unlock()
		}
	})
	c := e.client(t)
	r, err := c.GetRecording(context.Background(), sc.mono.RecordingID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.OpenRecordingAudio(context.Background(), r, "bytes=0-99")
	if err != nil {
		t.Fatal(err)
	}
	a.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(media) != 1 {
		t.Fatalf("%d media requests", len(media))
	}
	if media[0].Get("X-Auth-ID") != "" || media[0].Get("X-Auth-Token") != "" {
		t.Error("credentials sent with the recording URL")
	}
}

func TestRecordingFaultsAgainstSandbox(t *testing.T) {
	e := newSandbox(t)
	sc := pickScenarios(t, e)
	ctx := context.Background()
	c := e.client(t)
	r, err := c.GetRecording(ctx, sc.stereo.RecordingID)
	if err != nil {
		t.Fatal(err)
	}
	url := string(r.URL)
	_, sig, _ := strings.Cut(url, "?")

	noURL := func(t *testing.T, err error) {
		t.Helper()
		if strings.Contains(err.Error(), sig) || strings.Contains(err.Error(), sc.stereo.RecordingID) {
			t.Errorf("error leaks the recording URL: %v", err)
		}
	}

	for _, tt := range []struct {
		status int
		want   error
	}{{403, vobiz.ErrForbidden}, {404, vobiz.ErrNotFound}} {
		e.reset(sandbox.Faults{RecordingURLExpired: tt.status})
		_, err := c.OpenRecordingAudio(ctx, r, "")
		if !errors.Is(err, tt.want) {
			t.Errorf("expired %d: %v", tt.status, err)
		}
		noURL(t, err)
	}

	e.reset(sandbox.Faults{})
	bad := *r
	bad.URL = vobiz.Text(strings.Replace(url, "sig=", "sig=0", 1))
	_, err = c.OpenRecordingAudio(ctx, &bad, "")
	if !errors.Is(err, vobiz.ErrForbidden) {
		t.Errorf("bad signature: %v", err)
	}

	e.reset(sandbox.Faults{RecordingCutAfterBytes: 5000})
	a, err := c.OpenRecordingAudio(ctx, r, "")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, a.Body)
	a.Body.Close()
	if !errors.Is(err, vobiz.ErrUnavailable) || n != 5000 {
		t.Errorf("cut stream: read %d, %v", n, err)
	} else {
		noURL(t, err)
	}

	e.reset(sandbox.Faults{RecordingSlowStart: time.Hour})
	slow := e.client(t, vobiz.WithTimeout(30*time.Millisecond))
	_, err = slow.OpenRecordingAudio(ctx, r, "")
	if !errors.Is(err, vobiz.ErrTimeout) {
		t.Errorf("slow start: %v", err)
	} else {
		noURL(t, err)
	}

	e.reset(sandbox.Faults{NoRecordingAPI: true})
	_, err = c.CallRecordings(ctx, sc.stereo.CallUUID)
	if !errors.Is(err, vobiz.ErrNotFound) {
		t.Errorf("no Recording API: %v", err)
	}
	if _, err := c.Get(ctx, sc.stereo.CallUUID); err != nil {
		t.Errorf("the CDR endpoints must still work: %v", err)
	}

	e.reset(sandbox.Faults{Endpoints: []string{sandbox.EndpointRecordings}, ErrorRate: 1, ErrorStatus: 503})
	_, err = c.ListRecordings(ctx, vobiz.RecordingFilter{})
	if !errors.Is(err, vobiz.ErrUnavailable) {
		t.Errorf("general faults on recordings: %v", err)
	}
	e.reset(sandbox.Faults{ErrorRate: 1, ErrorStatus: 503})
	if _, err := c.ListRecordings(ctx, vobiz.RecordingFilter{}); err != nil {
		t.Errorf("faults without Endpoints must leave recordings alone: %v", err)
	}
}
