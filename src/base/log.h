// Logging: one line per event (and per request, see webhook/outcome.h), on stderr, never more
// than one line per write, request bytes escaped.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace cr {

// How much is logged: a line of a level above the one set ([settings] log) is dropped.
enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3 };

// Sets the level below which lines are dropped (from [settings] log).
void log_set_level(LogLevel level);
LogLevel log_level();

// Writes "TIME callrouter[PID]: LEVEL: message" with one write(2), or, while a
// LogThread lives, hands it to that thread. The message must not hold a newline;
// callers escape what came from outside. Never fails the caller: a line that cannot be
// written is lost.
void log_line(LogLevel level, std::string_view message);

// While it lives (a FastCGI process), no log line makes its caller wait: a line is
// written at once only when nothing waits before it and standard error takes it without
// waiting (a pipe through a non-blocking descriptor of its own, a socket with
// MSG_DONTWAIT, a file); else it goes to a thread of its own, which writes it when
// standard error takes it. So a standard error nobody reads (a stalled pipe, a journald
// that does not keep up, a stopped terminal) never stops an event loop. When lines
// cannot wait (more than kMaxLines or 1 MiB wait), they are dropped and counted, and the
// next line written is preceded by "N log lines dropped: standard error was not read".
// One at a time.
class LogThread {
public:
    static constexpr std::size_t kMaxLines = 4096;
    LogThread();
    ~LogThread() { stop(std::chrono::steady_clock::now() + std::chrono::seconds(1)); }
    LogThread(const LogThread&) = delete;
    LogThread& operator=(const LogThread&) = delete;
    // Writes what waits, until `deadline` at the latest, and goes back to writing
    // directly (lines given up then are counted for the next line); also before a
    // process ends with _Exit.
    void stop(std::chrono::steady_clock::time_point deadline);
};

// Makes text from outside safe for one log line: printable ASCII stays, '\\'
// doubles, every other byte becomes \xHH; at most 1000 bytes kept.
std::string log_text(std::string_view v);

// Makes a request value safe for a log line: log_text() of it, quoted when empty or holding
// a space, '"' or '='; at most 200 bytes kept.
std::string log_value(std::string_view v);

}  // namespace cr
