// Package diagnosis turns a Vobiz call detail record into plain language:
// how the call ended (Outcome), how it sounded (Quality) and why it ended
// (Explain, Verdict, OneLine).
//
// Everything here is data plus small rules over that data. The tables of
// textual causes, numeric codes, hangup sources and quality thresholds are
// exported (Causes, Codes, Families, Sources, DefaultThresholds) so tests
// can hold them to the documentation they come from. The package renders
// no HTML and makes no network calls.
//
// Sources. docs/hangups-and-quality.md names the standards and vendor pages
// behind the tables and rules, and docs/vobiz-api.md what the Vobiz API
// documents about the same fields. Comments cite a heading of those pages
// and the short source keys they list:
//
//   - VZ-CAUSES / D-HANG: Vobiz "Voice API Hangup Causes" (numeric codes,
//     hangup sources, textual causes).
//   - VZ-CDR / D-CDR, D-LIST, D-LOGS: Vobiz CDR docs, examples and console.
//   - PL-CAUSES: Plivo "Hangup Causes" (same numeric scheme as Vobiz).
//   - FSD-HCCT, FSD-SETUP, FSD-AUDIO: FreeSWITCH hangup-cause table and
//     troubleshooting chapters; FS-SOFIA, FS-GLUE, FS-SIP: FreeSWITCH
//     source (cause ↔ SIP mapping, dispositions).
//   - ITU-T G.107 / G.109 / P.800.1, Cisco AVVID, Twilio and Plivo quality
//     thresholds for MOS, jitter and packet loss.
//
// Where the sources are silent, a comment says the choice is ours.
package diagnosis
