#include "journal/calls.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "base/fd.h"
#include "base/text.h"

namespace cr {

namespace {

constexpr std::size_t kMaxRead = 64u << 20;

std::string get(const JournalEvent& e, const char* name) {
    const std::string* v = e.field(name);
    return v ? *v : std::string();
}

// "12s", "3m04s", "1h02m05s"; "-" for an unknown length.
std::string duration(std::int64_t from, std::int64_t to) {
    if (from < 0 || to < 0 || to < from) return "-";
    std::int64_t s = to - from;
    char buf[32];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
    else if (s < 3600)
        std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", static_cast<long long>(s / 3600),
                      static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
    return buf;
}

std::string local_time(const TimeZone& tz, std::int64_t t) {
    if (t < 0) return "-";
    LocalTime l = tz.to_local(t);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", l.year, l.month, l.day, l.hour, l.minute, l.second);
    return buf;
}

// Printable for a terminal: C0 and C1 control characters (U+0080-U+009F; U+009B is a
// CSI to some terminals) and the bidirectional overrides and isolates (U+202A-U+202E,
// U+2066-U+2069) become '?', since the fields are the requester's to choose.
std::string printable(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        auto next = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
        if (c < 0x20 || c == 0x7f) {
            out += '?';
        } else if (c == 0xc2 && next(1) >= 0x80 && next(1) <= 0x9f) {
            out += '?';
            i += 1;
        } else if (c == 0xe2 && ((next(1) == 0x80 && next(2) >= 0xaa && next(2) <= 0xae) ||
                                 (next(1) == 0x81 && next(2) >= 0xa6 && next(2) <= 0xa9))) {
            out += '?';
            i += 2;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace

std::vector<CallRow> join_calls(const std::vector<JournalEvent>& events) {
    std::vector<CallRow> rows;
    std::map<std::string, std::size_t> at;
    for (const JournalEvent& e : events) {
        std::string id = get(e, "callId");
        if (id.empty()) continue;
        auto [it, fresh] = at.emplace(id, rows.size());
        if (fresh) {
            rows.emplace_back();
            rows.back().call_id = id;
            rows.back().start = e.time;
        }
        CallRow& c = rows[it->second];
        std::string ev = get(e, "event");
        if (ev == "newCall") {
            c.start = e.time;
            c.direction = get(e, "direction");
            c.from = get(e, "from");
            c.to = get(e, "to");
            c.rule = get(e, "rule");
            c.action = get(e, "action");
        } else if (ev == "dtmf") {
            std::string keys = get(e, "dtmf");
            c.path.push_back(get(e, "menu") + ":" + (keys.empty() ? "none" : keys));
            c.action = get(e, "action");
        } else if (ev == "answer") {
            c.answered = e.time;
            std::string user = get(e, "user"), number = get(e, "answeringNumber");
            c.answered_by = !user.empty() && !number.empty() ? user + " (" + number + ")" : user + number;
        } else if (ev == "hangup") {
            c.ended = e.time;
            c.cause = get(e, "cause");
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const CallRow& a, const CallRow& b) { return a.start < b.start; });
    return rows;
}

bool read_journal(const std::string& path, std::vector<JournalEvent>* events, std::size_t* skipped, std::string* err) {
    events->clear();
    *skipped = 0;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        *err = !fd ? std::strerror(errno) : "not a regular file";
        return false;
    }
    // A large journal: its last 64 MiB, from the first whole line.
    off_t from = st.st_size > static_cast<off_t>(kMaxRead) ? st.st_size - static_cast<off_t>(kMaxRead) : 0;
    std::string data;
    data.resize(static_cast<std::size_t>(st.st_size - from));
    std::size_t got = 0;
    while (got < data.size()) {
        ssize_t n = ::pread(fd.get(), &data[got], data.size() - got, from + static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    fd.reset();
    data.resize(got);
    std::size_t pos = 0;
    if (from > 0) pos = data.find('\n') == std::string::npos ? data.size() : data.find('\n') + 1;
    while (pos < data.size()) {
        std::size_t end = data.find('\n', pos);
        if (end == std::string::npos) end = data.size();
        std::string_view line(data.data() + pos, end - pos);
        pos = end + 1;
        if (line.empty()) continue;
        JournalEvent e;
        if (parse_journal_line(line, &e))
            events->push_back(std::move(e));
        else
            ++*skipped;
    }
    return true;
}

std::string calls_table(const std::vector<CallRow>& calls, const TimeZone& tz, std::int64_t since) {
    static const char* const head[] = {"start",  "dir",         "from", "to",   "rule",
                                       "action", "answered by", "ring", "talk", "cause"};
    constexpr std::size_t kCols = sizeof head / sizeof head[0];
    std::vector<std::vector<std::string>> table;
    table.emplace_back(std::begin(head), std::end(head));
    for (const CallRow& c : calls) {
        if (c.start < since) continue;
        std::string action = c.action;
        if (!c.path.empty()) {
            std::string walk;
            for (const std::string& p : c.path) walk += (walk.empty() ? "" : " ") + p;
            action = "[" + walk + "] " + action;
        }
        std::int64_t rang_until = c.answered >= 0 ? c.answered : c.ended;
        table.push_back({local_time(tz, c.start), c.direction.empty() ? "-" : c.direction,
                         c.from.empty() ? "-" : c.from, c.to.empty() ? "-" : c.to, c.rule.empty() ? "-" : c.rule,
                         utf8_cut(action.empty() ? "-" : action, 40),
                         utf8_cut(c.answered_by.empty() ? "-" : c.answered_by, 32), duration(c.start, rang_until),
                         duration(c.answered, c.answered >= 0 ? c.ended : -1), c.cause.empty() ? "-" : c.cause});
    }
    std::size_t width[kCols] = {};
    for (auto& row : table)
        for (std::size_t i = 0; i < kCols; ++i) {
            row[i] = printable(row[i]);
            width[i] = std::max(width[i], utf8_columns(row[i]));
        }
    std::string out;
    for (const auto& row : table) {
        std::string line;
        for (std::size_t i = 0; i < kCols; ++i) {
            bool right = i == 7 || i == 8;  // the durations
            std::string pad(width[i] - utf8_columns(row[i]), ' ');
            line += right ? pad + row[i] : row[i] + (i + 1 < kCols ? pad : "");
            if (i + 1 < kCols) line += "  ";
        }
        out += line + "\n";
    }
    char tail[96];
    std::snprintf(tail, sizeof tail, "%zu calls\n", table.size() - 1);
    return out + tail;
}

}  // namespace cr
