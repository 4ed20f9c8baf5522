// A mail as --notify and --digest hand it to the MTA (RFC 5322): headers in ASCII, a
// name or subject that is not in UTF-8 encoded words (RFC 2047), a body of UTF-8 text
// lines; and the MTA's sendmail, the interface every Debian MTA provides.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/model.h"
#include "time/tz.h"

namespace cr {

struct Mail {
    MailAddress from;  // an empty address: callrouter@ the host's name
    std::vector<MailAddress> to;
    std::string subject;     // UTF-8, one line
    std::string message_id;  // without <>, e.g. "c1.office@example.com"
    std::int64_t date = 0;   // UTC seconds, written in the zone's local time
    std::string body;        // UTF-8 text, lines ended by '\n'
};

// The message as sendmail -t reads it: headers (From, To, Subject, Date, Message-ID,
// MIME-Version, Content-Type text/plain; charset=utf-8, Content-Transfer-Encoding
// 8bit, Auto-Submitted: auto-generated), an empty line, the body; lines ended by '\n'
// and folded under 78 columns where they can be. A body line longer than 900 bytes is
// cut to 900 at a character's end.
std::string mail_text(const Mail& m, const TimeZone& tz);

// `text` as a header's value may hold it: as it is when it is printable ASCII, else
// as UTF-8 encoded words (=?UTF-8?B?...?=) of at most 75 characters each, folded.
// Control characters become blanks.
std::string header_words(std::string_view text);

// "Anna Schmidt <anna@example.com>", the name quoted or encoded as it needs.
std::string format_address(const MailAddress& a);

// RFC 5322's date: "Mon, 07 Dec 2026 21:35:15 +0100".
std::string mail_date(std::int64_t t, const TimeZone& tz);

// The host's name for addresses and Message-IDs (gethostname; "localhost" when it
// has none).
std::string host_name();

// Hands `text` to `sendmail` -t -oi on its standard input and waits for it, at most
// `timeout` seconds (then kills it). Returns false with *err (its exit status and the
// first line it wrote, "cannot run: ...", "timed out after 60 s") when the MTA did not
// take the mail; the caller tries again later.
bool run_sendmail(const std::string& sendmail, const std::string& text, int timeout, std::string* err);

}  // namespace cr
