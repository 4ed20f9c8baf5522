// Logging: one line per request and per event, on stderr, never more than one
// line per write, request bytes escaped.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace cr {

struct Response;

// Sets the level below which lines are dropped (from [settings] log).
void log_set_level(LogLevel level);
LogLevel log_level();

// Writes "TIME callrouter[PID]: LEVEL: message" with one write(2). The message
// must not hold a newline; callers escape what came from outside.
void log_line(LogLevel level, std::string_view message);

// Makes text from outside safe for one log line: printable ASCII stays, '\\'
// doubles, every other byte becomes \xHH; at most 1000 bytes kept.
std::string log_text(std::string_view v);

// Makes a request value safe for a log line: log_text() of it, quoted when empty or holding
// a space, '"' or '='; at most 200 bytes kept.
std::string log_value(std::string_view v);

// The one line a request leaves: status, event, direction, from, to, rule, action, time.
std::string request_log_line(const Response& r, double millis);

// Logs a request: the rules tried (`trace`, at debug level), then its one line (at
// error level for a 5xx answer, else info).
void log_request(const Response& r, double millis, const std::vector<std::string>& trace);

}  // namespace cr
