// The pure core: an HTTP request in, the answer out. Knows nothing of FastCGI;
// the CGI path, the FastCGI loop, --test and the unit tests all call it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"

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
};

struct Response {
    int status = 200;
    std::string content_type;   // "application/xml; charset=UTF-8" or "text/plain; charset=UTF-8"
    std::string body;
    bool allow_post = false;    // 405: send "Allow: POST"
    // For the log line; request values as sent, escaped only when written.
    std::string event, direction, from, to, call_id, rule, action, detail;
};

// The first step: everything that can be decided before reading the body.
// Returns true and sets *length (bytes to read, at most max_body) when the body
// is to be read; else false with *resp set to the answer (405, 403, 415, 411, 400, 413).
bool check_head(const Config& config, const HttpHead& head, std::size_t* length, Response* resp);

// The second step: answers the body read after check_head. A body shorter than
// `length` (the client hung up) is a 400. With `trace`, one line per rule tried.
Response answer(const Config& config, std::string_view body, std::size_t length, std::int64_t now,
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

}  // namespace cr
