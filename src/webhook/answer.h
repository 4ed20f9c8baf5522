// The pure core: an HTTP request in, the answer out. Knows nothing of FastCGI;
// the CGI path, the FastCGI loop, --test and the unit tests all call it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/model.h"

namespace cr {

// The CGI meta-variables the core reads. A variable the server did not set is
// absent, which differs from set-but-empty (CONTENT_LENGTH="" is a 411 too).
struct HttpHead {
    std::string method;
    bool has_content_type = false;
    std::string content_type;
    bool has_content_length = false;
    std::string content_length;
    bool has_remote_user = false;
    std::string remote_user;
    bool has_signature = false;        // X-Sipgate-Signature (HTTP_X_SIPGATE_SIGNATURE)
    std::string signature;
    std::string query;                 // QUERY_STRING: menu=NAME for the keys of a menu
    // The transport can read a body of unknown length to its end (FastCGI: the
    // empty STDIN record); CGI cannot (RFC 3875), so there it is a 411.
    bool body_to_end = false;
};

// The head of a request from its CGI meta-variables; `param` returns a variable's
// value, or null when the server did not set it.
inline void assign_value(std::string* out, const char* v) { *out = v; }
inline void assign_value(std::string* out, const std::string* v) { *out = *v; }

// `param` may return a const char* (the CGI environment) or a const std::string*
// (FastCGI params, which may hold a NUL).
template <typename Param>
HttpHead read_head(Param param) {
    HttpHead head;
    auto copy = [&](const char* name, bool* has, std::string* out) {
        auto v = param(name);
        if (has) *has = v != nullptr;
        if (v) assign_value(out, v);
    };
    copy("REQUEST_METHOD", nullptr, &head.method);
    copy("CONTENT_TYPE", &head.has_content_type, &head.content_type);
    copy("CONTENT_LENGTH", &head.has_content_length, &head.content_length);
    copy("REMOTE_USER", &head.has_remote_user, &head.remote_user);
    copy("HTTP_X_SIPGATE_SIGNATURE", &head.has_signature, &head.signature);
    copy("QUERY_STRING", nullptr, &head.query);
    return head;
}

struct Response {
    int status = 200;
    std::string content_type;   // "application/xml; charset=UTF-8" or "text/plain; charset=UTF-8"
    std::string body;
    bool allow_post = false;    // 405: send "Allow: POST"
    // For the log line; request values as sent, escaped only when written.
    std::string event, direction, from, to, call_id, rule, action, detail;
    std::string signature;      // "ok", "missing", "bad"; empty when signature = off
    std::string ignored;        // optional fields treated as absent, comma separated
    std::string menu, dtmf, choice;  // a dtmf event: the menu, the keys, the entry chosen
    std::string answering;      // an answer event: answeringNumber, normalised
    // With [settings] journal: the event's line for the call journal (JSON, no newline),
    // for the caller to append once the answer is on its way (journal.h).
    std::string journal;
};

// What check_head decided about the body, for answer().
struct BodyPlan {
    std::size_t length = 0;     // bytes to read, at most max_body
    // No usable length (CONTENT_LENGTH absent, empty or -1) and the transport can read
    // to the end: read at most length + 1 bytes, so that answer() can tell a body that
    // is too large.
    bool to_end = false;
    // With signature = require: the X-Sipgate-Signature header to check the body against.
    bool check_signature = false;
    std::string signature;
    std::string query;          // the request's query string (menus)
};

// The first step: everything that can be decided before reading the body. Returns
// true with *plan set when the body is to be read; else false with *resp set to the
// answer (405, 403, 415, 411, 400, 413). A head without a usable length may be read
// to its end only when head.body_to_end says the transport can.
bool check_head(const Config& config, const HttpHead& head, BodyPlan* plan, Response* resp);

// The second step: answers the body read after check_head. A body shorter than
// plan.length (the client hung up) is a 400; with plan.to_end, one longer is a 413.
// Then the signature, when the plan asks for it (403), before the body is decoded.
// With `trace`, one line per rule tried.
Response answer(const Config& config, std::string_view body, const BodyPlan& plan, std::int64_t now,
                std::vector<std::string>* trace);

// Both steps at once, for --test and the unit tests.
Response handle(const Config& config, const HttpHead& head, std::string_view body, std::int64_t now,
                std::vector<std::string>* trace);

// The head of a form POST of `body`, as sipgate.io sends it: for --test and the tests.
HttpHead form_post(std::string_view body);

// A text/plain error answer: status and one line.
Response error_response(int status, std::string message);

// "OK", "Bad Request", ... for the status line.
const char* status_text(int status);

// The answer as a CGI response: Status, Content-Type, Content-Length (and Allow), then the body.
std::string cgi_response(const Response& r);

// The one line a request leaves: status, event, direction, from, to, rule, action, time.
std::string request_log_line(const Response& r, double millis);

// Logs a request: the rules tried (`trace`, at debug level), then its one line (at
// error level for a 5xx answer, else info).
void log_request(const Response& r, double millis, const std::vector<std::string>& trace);

}  // namespace cr
