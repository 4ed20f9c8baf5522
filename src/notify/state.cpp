#include "notify/state.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

#include "base/fd.h"
#include "base/file.h"
#include "base/text.h"

namespace cr {

namespace {

constexpr const char* kMagic = "callrouter-notify-state 1";

// A callId or name for one word of the file: bytes <= ' ', '%' and >= 0x7f as %HH.
std::string word(const std::string& s) {
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == '%' || c >= 0x7f) {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out.empty() ? "%" : out;  // "%" alone: the empty string
}

bool unword(std::string_view w, std::string* out) {
    out->clear();
    if (w == "%") return true;
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (w[i] != '%') {
            *out += w[i];
            continue;
        }
        auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); };
        if (i + 2 >= w.size() || !hex(w[i + 1]) || !hex(w[i + 2])) return false;
        *out += static_cast<char>(std::stoi(std::string(w.substr(i + 1, 2)), nullptr, 16));
        i += 2;
    }
    return true;
}

bool number(std::string_view w, std::int64_t* v) {
    if (w.empty() || w.size() > 18) return false;  // no overflow
    std::int64_t r = 0;
    bool neg = w[0] == '-';
    for (std::size_t i = neg; i < w.size(); ++i) {
        if (w[i] < '0' || w[i] > '9') return false;
        r = r * 10 + (w[i] - '0');
    }
    *v = neg ? -r : r;
    return w.size() > static_cast<std::size_t>(neg);
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    while (!line.empty()) {
        std::size_t sp = line.find(' ');
        out.push_back(line.substr(0, sp));
        if (sp == std::string_view::npos) break;
        line.remove_prefix(sp + 1);
    }
    return out;
}

}  // namespace

std::string NotifyState::first_of(const std::string& id) const {
    auto it = leg_of.find(id);
    return it == leg_of.end() ? id : it->second;
}

bool NotifyState::keep_line(TrackedCall* c, std::string_view line, bool menu) {
    if (c->lines.size() >= kMaxLines || (menu && c->menu_lines >= kMaxMenuLines)) return false;
    c->lines.emplace_back(line);
    c->bytes += line.size();
    c->menu_lines += menu;
    bytes += line.size();
    return true;
}

void NotifyState::told(const std::string& first, std::int64_t now) {
    auto it = calls.find(first);
    if (it == calls.end()) return;
    for (const std::string& id : it->second.ids) {
        leg_of.erase(id);
        told_id(id, now);
    }
    bytes -= std::min(bytes, it->second.bytes);
    calls.erase(it);
}

void NotifyState::told_id(const std::string& id, std::int64_t now) {
    if (done_ids.insert(id).second) {
        done.emplace_back(now, id);
        ++done_changes;
    }
}

void NotifyState::forget_done(std::int64_t now) {
    while (!done.empty() && (done.front().first < now - kKeepDone || done.size() > kMaxDone)) {
        done_ids.erase(done.front().second);
        done.pop_front();
        ++done_changes;
    }
}

namespace {

std::string hex(const std::string& s) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out.empty() ? "-" : out;
}

bool unhex(std::string_view h, std::string* out) {
    out->clear();
    if (h == "-") return true;
    if (h.size() % 2 || h.size() > 2 * kHeadBytes) return false;
    for (std::size_t i = 0; i < h.size(); i += 2) {
        auto v = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
        if (v(h[i]) < 0 || v(h[i + 1]) < 0) return false;
        *out += static_cast<char>(v(h[i]) * 16 + v(h[i + 1]));
    }
    return true;
}

// Reads the lines of `path` after its magic line to its "end" line, handing each to
// `take`, which returns the problem of a line it refuses (null: taken).
bool read_lines(const std::string& path, const std::string& text,
                const std::function<const char*(std::string_view)>& take, std::string* err) {
    int n = 0;
    bool ended = false;
    std::string_view rest = text;
    while (!rest.empty()) {
        std::size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) break;
        std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(nl + 1);
        ++n;
        const char* bad = nullptr;
        if (n == 1)
            bad = line == kMagic ? nullptr : "not a state file of callrouter --notify";
        else if (ended)
            bad = "a line after 'end'";
        else if (line == "end")
            ended = true;
        else
            bad = take(line);
        if (bad) {
            *err = path + ":" + std::to_string(n) + ": " + bad;
            return false;
        }
    }
    if (n == 0 || !ended) {
        *err = path + ": cut short (no 'end' line)";
        return false;
    }
    return true;
}

// Reads `path` into *text; *missing when it does not exist.
bool read_state_file(const std::string& path, std::string* text, bool* missing, std::string* err) {
    const FileRead r = read_file(path, 256u << 20, text);
    *missing = r.failed == FileRead::Open && r.error == ENOENT;
    if (r.ok() || *missing) return true;
    *err = path + ": cannot read: " +
           (r.failed == FileRead::TooLarge     ? "larger than 256 MiB"
            : r.failed == FileRead::NotRegular ? "not a regular file"
                                               : std::strerror(r.error));
    return false;
}

}  // namespace

bool save_notify_state(const std::string& path, const NotifyState& s, bool done, std::string* err) {
    std::string out = std::string(kMagic) + "\n";
    if (s.has_place)
        out += "place " + std::to_string(s.place.dev) + " " + std::to_string(s.place.ino) + " " +
               std::to_string(s.place.offset) + " " + hex(s.place.head) + "\n";
    for (const auto& [first, c] : s.calls) {
        out += "call " + word(first) + " " + (c.outcome.empty() ? "%" : word(c.outcome)) + "\n";
        for (std::size_t i = 1; i < c.ids.size(); ++i) out += "leg " + word(c.ids[i]) + "\n";
        for (const std::string& l : c.lines) out += "line " + l + "\n";
        for (const Delivery& d : c.deliveries)
            out += "send " + word(d.notify) + " " + d.channel + " " + std::to_string(d.tries) + " " +
                   std::to_string(d.next) + "\n";
    }
    out += "end\n";
    if (!replace_file(path, out, 0640, err)) return false;
    if (!done) return true;
    std::string told = std::string(kMagic) + "\n";
    for (const auto& [when, id] : s.done) told += "done " + std::to_string(when) + " " + word(id) + "\n";
    return replace_file(path + ".done", told + "end\n", 0640, err);
}

bool load_notify_state(const std::string& path, NotifyState* s, bool* missing, std::string* err) {
    *s = NotifyState();
    std::string text;
    if (!read_state_file(path, &text, missing, err)) return false;
    if (*missing) return true;
    TrackedCall* call = nullptr;
    auto take = [&](std::string_view line) -> const char* {
        std::vector<std::string_view> w = words(line);
        if (w.empty()) return "not a line of a state file";
        const std::string_view k = w[0];
        std::int64_t a = 0, b = 0, c = 0;
        std::string id, x;
        if (k == "place" && w.size() == 5 && number(w[1], &a) && number(w[2], &b) && number(w[3], &c) &&
            unhex(w[4], &x)) {
            s->has_place = true;
            s->place = JournalPlace{static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b),
                                    static_cast<std::uint64_t>(c), x};
        } else if (k == "call" && w.size() == 3 && unword(w[1], &id) && unword(w[2], &x)) {
            call = &s->calls[id];
            call->ids = {id};
            call->outcome = x;
        } else if (k == "leg" && w.size() == 2 && call && unword(w[1], &id)) {
            call->ids.push_back(id);
            s->leg_of[id] = call->ids[0];
        } else if (k == "line" && call && line.size() > 5) {
            call->lines.emplace_back(line.substr(5));
            call->bytes += line.size() - 5;
            s->bytes += line.size() - 5;
        } else if (k == "send" && w.size() == 5 && call && unword(w[1], &id) && w[2].size() == 1 &&
                   (w[2] == "m" || w[2] == "w") && number(w[3], &a) && a >= 0 && a < 1000 && number(w[4], &b)) {
            call->deliveries.push_back(Delivery{id, w[2][0], static_cast<int>(a), b});
        } else {
            return "not a line of a state file";
        }
        return nullptr;
    };
    if (!read_lines(path, text, take, err)) return false;
    bool no_done = false;
    if (!read_state_file(path + ".done", &text, &no_done, err)) return false;
    if (no_done) return true;
    return read_lines(
        path + ".done", text,
        [&](std::string_view line) -> const char* {
            std::vector<std::string_view> w = words(line);
            std::int64_t when = 0;
            std::string id;
            if (w.size() != 3 || w[0] != "done" || !number(w[1], &when) || !unword(w[2], &id))
                return "not a line of a state file";
            s->told_id(id, when);
            return nullptr;
        },
        err);
}

}  // namespace cr
