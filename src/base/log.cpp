#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "base/civil.h"
#include "base/text.h"

namespace cr {

namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};

const char* level_name(LogLevel l) {
    switch (l) {
    case LogLevel::Error: return "error";
    case LogLevel::Warn: return "warn";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
    }
    return "?";
}

}  // namespace

void log_set_level(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }

void log_line(LogLevel level, std::string_view message) {
    if (static_cast<int>(level) > g_level.load()) return;
    char head[96];
    std::snprintf(head, sizeof head, "%s callrouter[%ld]: %s: ", utc_stamp(std::time(nullptr)).c_str(),
                  static_cast<long>(getpid()), level_name(level));
    std::string line = head;
    line.append(message);
    line += '\n';
    std::size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::write(2, line.data() + off, line.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere to log to: never fail the call for it
        off += static_cast<std::size_t>(n);
    }
}

std::string log_text(std::string_view v) { return escape(v, 1000, Backslash::Doubled); }

std::string log_value(std::string_view v) {
    constexpr std::size_t kMax = 200;
    std::string out = log_text(v.substr(0, kMax));
    if (v.size() > kMax) out += "...";
    if (!v.empty() && out.find_first_of(" =\"") == std::string::npos) return out;
    std::string q = "\"";
    for (char c : out) {
        if (c == '"') q += '\\';
        q += c;
    }
    return q + "\"";
}

}  // namespace cr
