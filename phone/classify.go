package phone

import (
	"strconv"
	"strings"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Type is the kind of line a number reaches, as far as its digits tell.
type Type string

// The number types the costs page splits by. Numbering plans that do not
// tell fixed lines from mobiles (NANP) give TypeFixedOrMobile.
const (
	TypeMobile        Type = "mobile"
	TypeFixed         Type = "fixed"
	TypeFixedOrMobile Type = "fixed-or-mobile"
	TypeTollFree      Type = "toll-free"
	TypeOther         Type = "other"
)

// Label is the type in words.
func (t Type) Label() string {
	switch t {
	case TypeMobile:
		return "Mobile"
	case TypeFixed:
		return "Fixed line"
	case TypeFixedOrMobile:
		return "Fixed or mobile"
	case TypeTollFree:
		return "Toll-free"
	}
	return "Other or unknown"
}

// Class is what a number's digits say about where a call went.
type Class struct {
	// Region is the ISO 3166 code of the number's country, "" when the
	// number cannot be read as one (a SIP URI, an extension).
	Region string
	// Country is "India (+91)", or "Unknown" without a region.
	Country string
	// Prefix is the country code and the first two national digits,
	// "+91 98", or "" without a region.
	Prefix string
	Type   Type
}

// prefixDigits is how many national digits Class.Prefix keeps: enough to
// tell Indian mobile series and big-city area codes apart.
const prefixDigits = 2

// memoDigits is how many leading digits decide a number's class. Types
// are allotted in blocks: an Indian mobile series is four digits after
// the country code, an area code two to four digits followed by the
// exchange, so six digits including the country code settle it for
// nearly every number (a block shared by two types is classified by the
// first number seen in it). The number's length is part of the key too,
// so a short or overlong number is not mistaken for a valid one. This
// bounds the parsing to about ten thousand blocks per country however
// many distinct numbers a month has.
const memoDigits = 6

// classCache remembers classes per block for the whole process: a
// block's class never changes, and a month of calls reaches thousands of
// blocks, each costing libphonenumber about 15 µs to classify. Least
// recently used blocks go first; no cleanup goroutine runs.
var classCache = expirable.NewLRU[string, Class](classCacheMax, nil, 0)

const classCacheMax = 100_000

// Classifier classifies numbers, remembering the answer per block of
// numbers (memoDigits), in its own map before the process's cache (whose
// lock and clock cost more than a map lookup when a month has 100,000
// numbers). Not safe for concurrent use: make one per computation.
type Classifier struct {
	// Region is assumed for numbers without a +country code; "IN" when
	// empty.
	Region string
	memo   map[string]Class
}

// Classify returns the class of a number as stored in a record: E.164,
// national digits, or anything else (which is TypeOther in no country).
func (c *Classifier) Classify(number string) Class {
	s := strings.TrimSpace(number)
	intl := strings.HasPrefix(s, "+")
	digits := s
	if intl {
		digits = s[1:]
	}
	if digits == "" || len(digits) > 17 || strings.IndexFunc(digits, notDigit) >= 0 {
		return Class{Country: "Unknown", Type: TypeOther}
	}
	var buf [32]byte
	b := buf[:0]
	if !intl {
		// National digits depend on the assumed region.
		b = append(append(b, strings.ToUpper(c.Region)...), ':')
	}
	b = append(append(b, digits[:min(len(digits), memoDigits)]...), '/')
	b = strconv.AppendInt(b, int64(len(digits)), 10)
	if cl, ok := c.memo[string(b)]; ok { // no allocation for the lookup
		return cl
	}
	key := string(b)
	cl, ok := classCache.Get(key)
	if !ok {
		cl = c.classify(s)
		classCache.Add(key, cl)
	}
	if c.memo == nil {
		c.memo = map[string]Class{}
	}
	c.memo[key] = cl
	return cl
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

func (c Classifier) classify(s string) Class {
	region := c.Region
	if region == "" {
		region = "IN"
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil {
		return Class{Country: "Unknown", Type: TypeOther}
	}
	cc := int(num.GetCountryCode())
	rc := phonenumbers.GetRegionCodeForNumber(num)
	if rc == "" || rc == "ZZ" {
		rc = phonenumbers.GetRegionCodeForCountryCode(cc)
	}
	if rc == "" || rc == "ZZ" {
		return Class{Country: "Unknown", Type: TypeOther}
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	cl := Class{Region: rc, Country: regionName(rc) + " (+" + strconv.Itoa(cc) + ")",
		Prefix: "+" + strconv.Itoa(cc) + " " + nsn[:min(len(nsn), prefixDigits)], Type: TypeOther}
	if !phonenumbers.IsValidNumber(num) {
		return cl
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE:
		cl.Type = TypeMobile
	case phonenumbers.FIXED_LINE:
		cl.Type = TypeFixed
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		cl.Type = TypeFixedOrMobile
	case phonenumbers.TOLL_FREE:
		cl.Type = TypeTollFree
	}
	return cl
}

// regionName is the country's English name, or its code when unknown.
func regionName(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.English.Regions().Name(r); n != "" {
		return n
	}
	return code
}
