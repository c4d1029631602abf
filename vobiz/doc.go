// Package vobiz is a client for the Vobiz CDR API: the call detail record
// type with its lenient decoding, the filters and their validation, the
// HTTP client (list, search, recent, get one, CSV export) with its retries
// and typed errors, and the reader of CSV exports. It knows nothing about
// pages.
//
// Vobiz's public documentation leaves much open and contradicts itself in
// places. docs/vobiz-api.md records every assumption this package and the
// sandbox (vobiz/sandbox) make about the API, the public page each rests
// on, and every decision taken where the docs are silent; comments here
// cite its headings.
package vobiz
