#include "notify/follow.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace cr {

// Opens `path` read-only into fd_ and its identity into *id (offset 0).
bool JournalFollower::open_path(const std::string& path, JournalPlace* id) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    fd_ = std::move(fd);
    *id = JournalPlace{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0};
    return true;
}

void JournalFollower::start(const JournalPlace* place, std::string* note) {
    note->clear();
    JournalPlace id;
    if (!open_path(path_, &id)) {
        at_ = JournalPlace();
        *note = "no journal at " + path_ + " yet: read from its start once it is written";
        return;
    }
    struct stat st;
    ::fstat(fd_.get(), &st);
    if (!place) {
        at_ = id;
        at_.offset = static_cast<std::uint64_t>(st.st_size);
        *note = "no state yet: following " + path_ + " from its end (" + std::to_string(st.st_size) + " bytes)";
        return;
    }
    if (place->ino == 0) {  // saved before the journal was there: all of it is new
        at_ = id;
        return;
    }
    if (id.dev == place->dev && id.ino == place->ino) {
        at_ = *place;
        if (at_.offset > static_cast<std::uint64_t>(st.st_size)) {
            at_.offset = 0;
            *note = path_ + " is shorter than where --notify stopped (truncated): read from its start";
        }
        return;
    }
    JournalPlace old;
    const std::string rotated = path_ + ".1";
    UniqueFd now_fd = std::move(fd_);
    if (open_path(rotated, &old) && old.dev == place->dev && old.ino == place->ino) {
        at_ = *place;
        *note = path_ + " was rotated while --notify was stopped: the rest of " + rotated + " first";
        return;
    }
    fd_ = std::move(now_fd);
    at_ = id;
    *note = path_ + " was rotated while --notify was stopped and its old file is not " + rotated +
            " (compressed or gone): the new one from its start; the calls at the end of the old one are not told";
}

// Reads fd_ from at_.offset to its end, handing on whole lines, at most *left of them
// (counted down).
bool JournalFollower::read_to_end(const std::function<void(std::string_view, const JournalPlace&)>& on_line,
                                  std::size_t max_line, std::size_t* left, std::size_t* skipped, std::string* err) {
    struct stat st;
    if (::fstat(fd_.get(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) < at_.offset) at_.offset = 0;
    std::string line;
    bool too_long = false;
    std::uint64_t at = at_.offset;  // of the next byte read
    char buf[65536];
    while (*left > 0) {
        ssize_t n = ::pread(fd_.get(), buf, sizeof buf, static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            *err = "cannot read " + path_ + ": " + std::strerror(errno);
            return false;
        }
        if (n == 0) return true;  // a line without its newline yet is read again next time
        std::string_view rest(buf, static_cast<std::size_t>(n));
        while (!rest.empty() && *left > 0) {
            std::size_t nl = rest.find('\n');
            std::string_view piece = rest.substr(0, nl);
            if (!too_long && line.size() + piece.size() <= max_line)
                line.append(piece);
            else
                too_long = true;
            at += piece.size();
            if (nl == std::string_view::npos) break;
            at += 1;
            rest.remove_prefix(nl + 1);
            at_.offset = at;
            if (too_long) {
                ++*skipped;
            } else {
                on_line(line, at_);
                --*left;
            }
            line.clear();
            too_long = false;
        }
    }
    return true;
}

bool JournalFollower::poll(const std::function<void(std::string_view, const JournalPlace&)>& on_line,
                           std::size_t max_line, std::size_t max_lines, std::size_t* skipped, std::string* err) {
    std::size_t left = max_lines;
    if (!fd_) {
        JournalPlace id;
        if (!open_path(path_, &id)) return true;  // not there yet
        at_ = id;
    }
    if (!read_to_end(on_line, max_line, &left, skipped, err)) return false;
    if (left == 0) return true;  // more next time
    struct stat now;
    if (::stat(path_.c_str(), &now) != 0 ||
        (static_cast<std::uint64_t>(now.st_dev) == at_.dev && static_cast<std::uint64_t>(now.st_ino) == at_.ino))
        return true;
    // Renamed away: what a writer added to the old file before it saw the rename, then
    // the new file. A torn last line of the old file is left.
    if (!read_to_end(on_line, max_line, &left, skipped, err)) return false;
    if (left == 0) return true;
    JournalPlace id;
    if (!open_path(path_, &id)) return true;
    at_ = id;
    return read_to_end(on_line, max_line, &left, skipped, err);
}

}  // namespace cr
