// What answering a request gives: the HTTP answer for the web server, the record of
// the call for the request's one log line, and its line for the call journal.
#pragma once
#include <string>
#include <vector>

#include "switches/state.h"

namespace cr {

struct HttpAnswer {
    int status = 200;
    std::string content_type;  // "application/xml; charset=UTF-8" or "text/plain; charset=UTF-8"
    std::string body;
    bool allow_post = false;  // 405: send "Allow: POST"
};

// What the request said and what was decided, as sent (escaped only when written).
struct CallRecord {
    std::string event, direction, from, to, call_id, rule, action;
    std::string detail;              // a 200's detail, or the error of any other status
    std::string signature;           // "ok", "missing", "bad"; empty when signature = off
    std::string ignored;             // optional fields treated as absent, comma separated
    std::string menu, dtmf, choice;  // a dtmf event: the menu, the keys, the entry chosen
    std::string menu_try, then;      // a dtmf event: its URL's try=K and then=ID
    std::string token;               // a dtmf event's token: "ok", "missing", "bad"; empty when unchecked
    std::string answering;           // an answer or hangup event: answeringNumber, normalised
    std::string leg;                 // a newCall's leg when not the first: "later", "voicemail"
    std::string switched;            // what the action switched: "closed on until 2026-12-09 08:00"
    std::string rota;                // the number a rota gave, or "fallback"
};

struct Outcome {
    HttpAnswer http;
    CallRecord call;
    // With [settings] journal: the event's line (JSON, no newline), for the caller to
    // append once the answer is on its way (journal/journal.h); empty otherwise.
    std::string journal;
    // The switches the action would set (`switch NAME on ... then`) when no writer set
    // them (--test, webhook/answer.h); empty when one did.
    std::vector<SwitchChange> switches;
    // What to log once a process besides the request's line (a push to a path other
    // than public_url's); empty: nothing.
    std::string notice;
};

constexpr const char* kXmlType = "application/xml; charset=UTF-8";
constexpr const char* kTextType = "text/plain; charset=UTF-8";

// A text/plain error answer: `status` and the one line `message`, with what the
// request said so far (`so_far`) for its log line; the message is its error.
Outcome error_outcome(int status, std::string message, CallRecord so_far = {});

// "OK", "Bad Request", ... for the status line; "Error" for a status it does not know.
const char* status_text(int status);

// The answer as a CGI response: Status, Content-Type, Content-Length (and Allow), then the body.
std::string cgi_response(const HttpAnswer& a);

// The one line a request leaves: status, event, direction, from, to, callId, leg,
// rule, action, switch, rota, signature, token, ignored fields, the error or detail, and the time
// taken; request values escaped (base/log.h, log_value).
std::string request_log_line(const Outcome& o, double millis);

// Logs a request: the rules tried (`trace`, at debug level), then its one line (at
// error level for a 5xx answer, else info); and its notice (at warn level): in a
// `long_lived` (FastCGI) process the first only, "said once"; in CGI, whose process
// answers one request, each.
void log_request(const Outcome& o, double millis, const std::vector<std::string>& trace, bool long_lived);

}  // namespace cr
