#include "webhook/outcome.h"

#include <atomic>
#include <cstdio>

#include "base/log.h"

namespace cr {

Outcome error_outcome(int status, std::string message, CallRecord so_far) {
    Outcome o;
    o.call = std::move(so_far);
    o.http.status = status;
    o.http.content_type = kTextType;
    o.call.detail = message;
    o.http.body = std::move(message);
    o.http.body += '\n';
    return o;
}

const char* status_text(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

std::string cgi_response(const HttpAnswer& a) {
    std::string out = "Status: " + std::to_string(a.status) + " " + status_text(a.status) + "\r\n";
    out += "Content-Type: " + a.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(a.body.size()) + "\r\n";
    if (a.allow_post) out += "Allow: POST\r\n";
    out += "\r\n";
    out += a.body;
    return out;
}

std::string request_log_line(const Outcome& o, double millis) {
    const CallRecord& r = o.call;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3fms", millis);
    std::string line = "status=" + std::to_string(o.http.status);
    auto add = [&](const char* key, const std::string& v, bool always) {
        if (v.empty() && !always) return;
        line += ' ';
        line += key;
        line += '=';
        line += log_value(v);
    };
    add("event", r.event, false);
    add("direction", r.direction, false);
    add("from", r.from, false);
    add("to", r.to, false);
    add("callId", r.call_id, false);
    add("leg", r.leg, false);
    add("rule", r.rule, false);
    add("action", r.action, false);
    add("switch", r.switched, false);
    add("rota", r.rota, false);
    add("signature", r.signature, false);
    add("token", r.token, false);
    add("ignored", r.ignored, false);
    if (o.http.status != 200)
        add("error", r.detail, true);
    else
        add("detail", r.detail, false);
    line += " time=";
    line += ms;
    return line;
}

void log_request(const Outcome& o, double millis, const std::vector<std::string>& trace, bool long_lived) {
    for (const std::string& t : trace) log_line(LogLevel::Debug, log_text(t));
    log_line(o.http.status >= 500 ? LogLevel::Error : LogLevel::Info, request_log_line(o, millis));
    static std::atomic<bool> noticed{false};
    if (o.notice.empty()) return;
    if (!long_lived)
        log_line(LogLevel::Warn, o.notice);  // a CGI process answers one request: each says it
    else if (!noticed.exchange(true))
        log_line(LogLevel::Warn, o.notice + " (said once)");
}

}  // namespace cr
