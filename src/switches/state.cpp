#include "switches/state.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/fd.h"
#include "base/file.h"

namespace cr {

const SwitchEntry* SwitchStates::find(const std::string& name) const {
    for (const SwitchEntry& e : entries)
        if (e.name == name) return &e;
    return nullptr;
}

bool switch_on(const SwitchEntry* entry, bool default_on, std::int64_t t) {
    if (!entry || t < entry->at || (entry->until != 0 && t >= entry->until)) return default_on;
    return entry->on;
}

namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

bool seconds(std::string_view w, std::int64_t* v) {
    if (w.empty() || w.size() > 12) return false;
    std::int64_t n = 0;
    for (char c : w) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + (c - '0');
    }
    *v = n;
    return true;
}

// The next word of `line` from *i (blanks skipped), or an empty view at its end.
std::string_view next_word(std::string_view line, std::size_t* i) {
    while (*i < line.size() && line[*i] == ' ') ++*i;
    const std::size_t b = *i;
    while (*i < line.size() && line[*i] != ' ') ++*i;
    return line.substr(b, *i - b);
}

// One line of the file into *e; false with *why.
bool parse_line(std::string_view line, SwitchEntry* e, std::string* why) {
    std::size_t i = 0;
    std::string_view name = next_word(line, &i);
    if (name.empty() || name.size() > 64) {
        *why = "no switch name";
        return false;
    }
    for (char c : name)
        if (!name_char(c)) {
            *why = "bad switch name";
            return false;
        }
    e->name = std::string(name);
    std::string_view v = next_word(line, &i);
    if (v != "on" && v != "off") {
        *why = "expected on or off after the name";
        return false;
    }
    e->on = v == "on";
    bool have_at = false;
    while (true) {
        while (i < line.size() && line[i] == ' ') ++i;
        if (i >= line.size()) break;
        std::string_view rest = line.substr(i);
        if (rest.substr(0, 3) == "by=") {
            e->by = std::string(rest.substr(3));
            break;
        }
        std::string_view w = next_word(line, &i);
        if (w.substr(0, 3) == "at=" && seconds(w.substr(3), &e->at)) {
            have_at = true;
        } else if (!(w.substr(0, 6) == "until=" && seconds(w.substr(6), &e->until))) {
            *why = "unknown field '" + std::string(w.substr(0, 40)) + "'";
            return false;
        }
    }
    if (!have_at) {
        *why = "no at=SECONDS";
        return false;
    }
    return true;
}

}  // namespace

bool parse_switch_states(std::string_view text, SwitchStates* out, std::string* err) {
    SwitchStates s;
    int n = 0;
    for (std::size_t b = 0; b < text.size();) {
        std::size_t e = text.find('\n', b);
        if (e == std::string_view::npos) {
            *err = "line " + std::to_string(n + 1) + ": cut short (no newline at its end)";
            return false;
        }
        std::string_view line = text.substr(b, e - b);
        b = e + 1;
        ++n;
        if (line.empty() || line[0] == '#') continue;
        SwitchEntry entry;
        std::string why;
        for (char c : line)
            if (static_cast<unsigned char>(c) < 0x20) {
                *err = "line " + std::to_string(n) + ": a control character";
                return false;
            }
        if (!parse_line(line, &entry, &why)) {
            *err = "line " + std::to_string(n) + ": " + why;
            return false;
        }
        if (s.find(entry.name)) {
            *err = "line " + std::to_string(n) + ": " + entry.name + " a second time";
            return false;
        }
        if (s.entries.size() >= kMaxSwitches) {
            *err = "line " + std::to_string(n) + ": more than " + std::to_string(kMaxSwitches) + " switches";
            return false;
        }
        s.entries.push_back(std::move(entry));
    }
    *out = std::move(s);
    return true;
}

std::string format_switch_states(const SwitchStates& s) {
    std::string out = "# callrouter switches: written by callrouter --switch and by calls; see callrouter(8)\n";
    for (const SwitchEntry& e : s.entries) {
        out += e.name + (e.on ? " on" : " off") + " at=" + std::to_string(e.at);
        if (e.until) out += " until=" + std::to_string(e.until);
        if (!e.by.empty()) {
            std::string by = e.by.substr(0, 200);
            for (char& c : by)
                if (static_cast<unsigned char>(c) < 0x20) c = ' ';
            out += " by=" + by;
        }
        out += '\n';
    }
    return out;
}

bool read_switch_states(const std::string& path, SwitchStates* out, std::string* err) {
    std::string text;
    FileRead r = read_file(path, kMaxSwitchFile, &text);
    if (r.failed == FileRead::Open && r.error == ENOENT) {
        *out = SwitchStates();
        return true;
    }
    if (!r.ok()) {
        *err = r.failed == FileRead::TooLarge     ? "larger than " + std::to_string(kMaxSwitchFile) + " bytes"
               : r.failed == FileRead::NotRegular ? std::string("not a regular file")
                                                  : std::string(std::strerror(r.error));
        return false;
    }
    return parse_switch_states(text, out, err);
}

namespace {

// Takes an exclusive flock on `fd`, trying for at most 5 s. False with *err.
bool lock_within(int fd, const std::string& what, std::string* err) {
    for (int i = 0; i < 500; ++i) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
        if (errno != EWOULDBLOCK && errno != EINTR) break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
    *err = "cannot lock " + what + ": " +
           (errno == EWOULDBLOCK ? "held for 5 s by another process" : std::strerror(errno));
    return false;
}

// As root, gives `path` to the owner of its folder (the service's user).
void give_to_folder_owner(const std::string& path) {
    if (::geteuid() != 0) return;
    const std::size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && st.st_uid != 0)
        if (::chown(path.c_str(), st.st_uid, st.st_gid) != 0) { /* it stays root's: readable, 0644 */
        }
}

}  // namespace

bool change_switch_states(const std::string& path, const std::vector<SwitchChange>& changes, std::int64_t now,
                          SwitchStates* after, std::string* err, std::string* err_broken) {
    const std::string lock_path = path + ".lock";
    // Read-only is enough for flock, and lets the service open a lock file root made.
    UniqueFd lock(::open(lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!lock) {
        *err = "cannot open " + lock_path + ": " + std::strerror(errno);
        return false;
    }
    give_to_folder_owner(lock_path);
    if (!lock_within(lock.get(), lock_path, err)) return false;
    SwitchStates s;
    std::string why;
    if (!read_switch_states(path, &s, &why)) {
        if (err_broken) *err_broken = path + ": " + why + "; written afresh";
        s = SwitchStates();
    }
    for (const SwitchChange& c : changes) {
        SwitchEntry* e = nullptr;
        for (SwitchEntry& x : s.entries)
            if (x.name == c.name) e = &x;
        const bool was = switch_on(e, c.default_on, now);
        if (!e) {
            if (s.entries.size() >= kMaxSwitches) {
                *err = path + ": more than " + std::to_string(kMaxSwitches) + " switches";
                return false;
            }
            s.entries.push_back(SwitchEntry{c.name, false, 0, 0, {}});
            e = &s.entries.back();
        }
        e->on = c.op == SwitchChange::On ? true : c.op == SwitchChange::Off ? false : !was;
        e->at = now;
        e->until = c.until;
        e->by = c.by;
    }
    if (!replace_file(path, format_switch_states(s), 0644, err)) return false;
    give_to_folder_owner(path);
    if (after) *after = std::move(s);
    return true;
}

}  // namespace cr
