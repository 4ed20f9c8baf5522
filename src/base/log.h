// Logging: one line per event (and per request, see webhook/outcome.h), on stderr, never more
// than one line per write, request bytes escaped.
#pragma once
#include <string>
#include <string_view>

namespace cr {

// How much is logged: a line of a level above the one set ([settings] log) is dropped.
enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3 };

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

}  // namespace cr
