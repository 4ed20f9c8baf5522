#include "notify/state.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

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
    if (w.empty() || w.size() > 19) return false;
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

void NotifyState::told(const std::string& first, std::int64_t now) {
    auto it = calls.find(first);
    if (it == calls.end()) return;
    for (const std::string& id : it->second.ids) {
        leg_of.erase(id);
        if (done_ids.insert(id).second) done.emplace_back(now, id);
    }
    calls.erase(it);
}

void NotifyState::forget_done(std::int64_t now) {
    while (!done.empty() && (done.front().first < now - kKeepDone || done.size() > kMaxDone)) {
        done_ids.erase(done.front().second);
        done.pop_front();
    }
}

bool save_notify_state(const std::string& path, const NotifyState& s, std::string* err) {
    std::string out = std::string(kMagic) + "\n";
    if (s.has_place)
        out += "place " + std::to_string(s.place.dev) + " " + std::to_string(s.place.ino) + " " +
               std::to_string(s.place.offset) + "\n";
    for (const auto& [when, id] : s.done) out += "done " + std::to_string(when) + " " + word(id) + "\n";
    for (const auto& [first, c] : s.calls) {
        out += "call " + word(first) + " " + (c.outcome.empty() ? "%" : word(c.outcome)) + "\n";
        for (std::size_t i = 1; i < c.ids.size(); ++i) out += "leg " + word(c.ids[i]) + "\n";
        for (const std::string& l : c.lines) out += "line " + l + "\n";
        for (const Delivery& d : c.deliveries)
            out += "send " + word(d.notify) + " " + d.channel + " " + std::to_string(d.tries) + " " +
                   std::to_string(d.next) + "\n";
    }
    out += "end\n";
    const std::string tmp = path + ".new";
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!fd) {
        *err = "cannot write " + tmp + ": " + std::strerror(errno);
        return false;
    }
    // On disk before the rename: after a power loss the state is the old or the new one,
    // never an empty file (which --notify would refuse to start with).
    if (!write_fully(fd.get(), out) || ::fdatasync(fd.get()) != 0 || ::close(fd.release()) != 0) {
        *err = "cannot write " + tmp + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        *err = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

bool load_notify_state(const std::string& path, NotifyState* s, bool* missing, std::string* err) {
    *s = NotifyState();
    *missing = false;
    std::string text;
    const FileRead r = read_file(path, 256u << 20, &text);
    if (r.failed == FileRead::Open && r.error == ENOENT) {
        *missing = true;
        return true;
    }
    if (!r.ok()) {
        *err = path + ": cannot read: " +
               (r.failed == FileRead::TooLarge     ? "larger than 256 MiB"
                : r.failed == FileRead::NotRegular ? "not a regular file"
                                                   : std::strerror(r.error));
        return false;
    }
    int n = 0;
    TrackedCall* call = nullptr;
    bool ended = false;
    std::string_view rest = text;
    while (!rest.empty()) {
        std::size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) break;
        std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(nl + 1);
        ++n;
        auto bad = [&](const char* what) {
            *err = path + ":" + std::to_string(n) + ": " + what;
            return false;
        };
        if (n == 1) {
            if (line != kMagic) return bad("not a state file of callrouter --notify");
            continue;
        }
        if (ended) return bad("a line after 'end'");
        std::vector<std::string_view> w = words(line);
        const std::string_view k = w.empty() ? std::string_view() : w[0];
        std::int64_t a = 0, b = 0, c = 0;
        std::string id, x;
        if (k == "end" && w.size() == 1) {
            ended = true;
        } else if (k == "place" && w.size() == 4 && number(w[1], &a) && number(w[2], &b) && number(w[3], &c)) {
            s->has_place = true;
            s->place = JournalPlace{static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b),
                                    static_cast<std::uint64_t>(c)};
        } else if (k == "done" && w.size() == 3 && number(w[1], &a) && unword(w[2], &id)) {
            if (s->done_ids.insert(id).second) s->done.emplace_back(a, id);
        } else if (k == "call" && w.size() == 3 && unword(w[1], &id) && unword(w[2], &x)) {
            call = &s->calls[id];
            call->ids = {id};
            call->outcome = x;
        } else if (k == "leg" && w.size() == 2 && call && unword(w[1], &id)) {
            call->ids.push_back(id);
            s->leg_of[id] = call->ids[0];
        } else if (k == "line" && call && line.size() > 5) {
            call->lines.emplace_back(line.substr(5));
        } else if (k == "send" && w.size() == 5 && call && unword(w[1], &id) && w[2].size() == 1 &&
                   (w[2] == "m" || w[2] == "w") && number(w[3], &a) && number(w[4], &b)) {
            call->deliveries.push_back(Delivery{id, w[2][0], static_cast<int>(a), b});
        } else {
            return bad("not a line of a state file");
        }
    }
    if (n == 0 || !ended) {
        *err = path + ": cut short (no 'end' line)";
        return false;
    }
    return true;
}

}  // namespace cr
