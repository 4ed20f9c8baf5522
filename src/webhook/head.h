// The head of a request, and what can be decided from it before the body is read
// (SPEC section 4): the method, require_user, the signature header's presence, the
// content type, and the length of the body.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "rules/model.h"
#include "webhook/outcome.h"

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
    bool has_signature = false;  // X-Sipgate-Signature (HTTP_X_SIPGATE_SIGNATURE)
    std::string signature;
    std::string query;  // QUERY_STRING: menu=NAME for the keys of a menu
    // The path the push came to: REQUEST_URI up to its '?', else SCRIPT_NAME and
    // PATH_INFO; empty when the server says none (--test).
    std::string path;
    // The transport can read a body of unknown length to its end (FastCGI: the
    // empty STDIN record); CGI cannot (RFC 3875), so there it is a 411.
    bool body_to_end = false;
};

inline void assign_value(std::string* out, const char* v) { *out = v; }
inline void assign_value(std::string* out, const std::string* v) { *out = *v; }

// The head of a request from its CGI meta-variables. `param(name)` returns a
// variable's value, or null when the server did not set it: a const char* (the CGI
// environment) or a const std::string* (FastCGI params, which may hold a NUL).
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
    std::string uri, script, info;
    copy("REQUEST_URI", nullptr, &uri);
    copy("SCRIPT_NAME", nullptr, &script);
    copy("PATH_INFO", nullptr, &info);
    head.path = !uri.empty() ? uri.substr(0, uri.find('?')) : script + info;
    return head;
}

// The head of a form POST of `body`, as sipgate.io sends it: for --test and the tests.
HttpHead form_post(std::string_view body);

// What check_head decided about the body, for answer() (webhook/answer.h).
struct BodyPlan {
    std::size_t length = 0;  // bytes to read, at most max_body
    // No usable length (CONTENT_LENGTH absent, empty or -1) and the transport can read
    // to the end: read at most length + 1 bytes, so that answer() can tell a body that
    // is too large.
    bool to_end = false;
    // With signature = require: the X-Sipgate-Signature header to check the body against.
    bool check_signature = false;
    std::string signature;
    std::string query;  // the request's query string (menus)
    std::string path;   // the path it came to (HttpHead::path)
};

// The first step: everything that can be decided before reading the body. Returns
// true with *plan set when the body is to be read; else false with *early set to the
// answer (405, 403, 415, 411, 400, 413). A head without a usable length may be read
// to its end only when head.body_to_end says the transport can.
bool check_head(const RuleSet& rules, const HttpHead& head, BodyPlan* plan, Outcome* early);

}  // namespace cr
