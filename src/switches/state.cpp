#include "switches/state.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/fd.h"
#include "base/file.h"
#include "base/log.h"
#include "base/text.h"

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
    if (!is_name(name)) {
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

namespace {

// `by` as the file keeps it: at most 200 bytes, cut where a UTF-8 character begins,
// control characters (C0, DEL) made blanks.
std::string clean_by(const std::string& by) {
    std::size_t n = std::min<std::size_t>(by.size(), 200);
    while (n > 0 && n < by.size() && (static_cast<unsigned char>(by[n]) & 0xc0) == 0x80) --n;
    std::string out = by.substr(0, n);
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return out;
}

}  // namespace

std::string format_switch_states(const SwitchStates& s) {
    std::string out = "# callrouter switches: written by callrouter --switch and by calls; see callrouter(8)\n";
    for (const SwitchEntry& e : s.entries) {
        out += e.name + (e.on ? " on" : " off") + " at=" + std::to_string(e.at);
        if (e.until) out += " until=" + std::to_string(e.until);
        if (!e.by.empty()) out += " by=" + clean_by(e.by);
        out += '\n';
    }
    return out;
}

bool read_switch_states(const std::string& path, SwitchStates* out, std::string* err, bool* unreadable) {
    std::string text;
    FileRead r = read_file(path, kMaxSwitchFile, &text);
    if (unreadable) *unreadable = false;
    if (r.failed == FileRead::Open && r.error == ENOENT) {
        *out = SwitchStates();
        return true;
    }
    if (r.failed == FileRead::TooLarge) {
        *err = "larger than " + std::to_string(kMaxSwitchFile) + " bytes";
        return false;
    }
    if (!r.ok()) {
        *err =
            r.failed == FileRead::NotRegular ? std::string("not a regular file") : std::string(std::strerror(r.error));
        if (unreadable) *unreadable = r.failed != FileRead::NotRegular;
        return false;
    }
    return parse_switch_states(text, out, err);
}

namespace {

// Takes an exclusive flock on `fd`, trying for at most `wait_ms`. False with *err.
bool lock_within(int fd, const std::string& what, int wait_ms, std::string* err) {
    int e = 0;
    for (int i = 0; i <= wait_ms / 10; ++i) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
        e = errno;
        if (e != EWOULDBLOCK && e != EINTR) break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
    *err = "cannot lock " + what + ": " +
           (e == EWOULDBLOCK ? "held by another process for " + std::to_string(wait_ms) + " ms"
                             : std::string(std::strerror(e)));
    return false;
}

// As root: the owner of the folder of `path` (the service's user), whom the files are
// given to; else -1, -1 (they stay the writer's).
void folder_owner(const std::string& path, long* uid, long* gid) {
    *uid = *gid = -1;
    if (::geteuid() != 0) return;
    struct stat st;
    if (::stat(folder_of(path).c_str(), &st) == 0 && st.st_uid != 0) {
        *uid = static_cast<long>(st.st_uid);
        *gid = static_cast<long>(st.st_gid);
    }
}

}  // namespace

bool change_switch_states(const std::string& path, const std::vector<SwitchChange>& changes, std::int64_t now,
                          SwitchStates* after, std::string* err, std::string* err_broken, int wait_ms) {
    const std::string lock_path = path + ".lock";
    long uid = -1, gid = -1;
    folder_owner(path, &uid, &gid);
    // Read-only is enough for flock, and lets the service open a lock file root made.
    // Not blocking: a FIFO put there must not stall the open.
    UniqueFd lock(::open(lock_path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640));
    if (!lock) {
        *err = "cannot open " + lock_path + ": " + std::strerror(errno);
        return false;
    }
    struct stat lst;
    if (::fstat(lock.get(), &lst) != 0 || !S_ISREG(lst.st_mode)) {
        *err = lock_path + " is not a regular file";
        return false;
    }
    // Root's lock file, made now or before: given away only when it is a file of its own
    // (no second link to it, which could be a file of root's elsewhere).
    if (uid != -1 && lst.st_uid == 0 && lst.st_nlink == 1 &&
        ::fchown(lock.get(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) {
        *err = "cannot give " + lock_path + " to the folder's owner: " + std::strerror(errno);
        return false;
    }
    if (!lock_within(lock.get(), lock_path, wait_ms, err)) return false;
    SwitchStates s;
    std::string why;
    bool unreadable = false;
    if (!read_switch_states(path, &s, &why, &unreadable)) {
        if (unreadable) {  // its other switches would be lost with it
            *err = "cannot read " + path + ": " + why;
            return false;
        }
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
    if (!replace_file(path, format_switch_states(s), 0640, err, uid, gid)) return false;
    if (after) *after = std::move(s);
    return true;
}

SwitchWriter state_file_writer(const std::string& path, int wait_ms) {
    return [&path, wait_ms](const std::vector<SwitchChange>& changes, std::int64_t now, std::string* err) {
        std::string broken;
        if (!change_switch_states(path, changes, now, nullptr, err, &broken, wait_ms)) {
            log_line(LogLevel::Error,
                     "switches " + log_text(path) + ": " + log_text(*err) + ": the call's switch is not set");
            return false;
        }
        if (!broken.empty()) log_line(LogLevel::Warn, "switches " + log_text(broken));
        return true;
    };
}

}  // namespace cr
