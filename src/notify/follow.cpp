#include "notify/follow.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace cr {

namespace {

// Up to kHeadBytes of the start of the file open as `fd`.
std::string read_head(int fd) {
    char buf[kHeadBytes];
    ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

// Opens `path` read-only into fd_ and its identity into *id (offset 0). False with
// *error (errno) when it cannot.
bool JournalFollower::open_path(const std::string& path, JournalPlace* id, int* error) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        *error = !fd ? errno : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return false;
    }
    fd_ = std::move(fd);
    *id = JournalPlace{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0,
                       read_head(fd_.get())};
    return true;
}

// Whether a (the file opened) is the file of place b: the same identity, and the
// start b saw is still its start.
bool JournalFollower::same_file(const JournalPlace& a, const JournalPlace& b) const {
    return a.dev == b.dev && a.ino == b.ino && a.head.compare(0, b.head.size(), b.head) == 0 &&
           a.head.size() >= b.head.size();
}

void JournalFollower::start(const JournalPlace* place, std::string* note) {
    note->clear();
    JournalPlace id;
    int error = 0;
    const std::string rotated = path_ + ".1";
    if (!open_path(path_, &id, &error)) {
        JournalPlace old;
        int e2 = 0;
        if (error == ENOENT && place && place->ino != 0 && open_path(rotated, &old, &e2) && same_file(old, *place)) {
            at_ = *place;  // renamed away while --notify was stopped, no new journal yet
            *note = path_ + " was rotated while --notify was stopped: the rest of " + rotated + " first";
            return;
        }
        fd_.reset();
        // Not there yet: all of it is new once it is. There but not readable: the place
        // is kept, and taken up again when it reads (poll).
        at_ = error == ENOENT || !place ? JournalPlace() : *place;
        *note = error == ENOENT ? "no journal at " + path_ + " yet: read from its start once it is written"
                                : "cannot read the journal " + path_ + ": " + std::strerror(error);
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
    if (same_file(id, *place)) {
        at_ = *place;
        if (at_.offset > static_cast<std::uint64_t>(st.st_size)) {
            at_.offset = 0;
            *note = path_ + " is shorter than where --notify stopped (truncated): read from its start";
        }
        return;
    }
    JournalPlace old;
    UniqueFd now_fd = std::move(fd_);
    if (open_path(rotated, &old, &error) && same_file(old, *place)) {
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
    // Cut short in place (copytruncate), or its start is no longer what it was (cut and
    // written again past the place): read again from its start.
    struct stat st;
    const std::string head = read_head(fd_.get());
    if ((::fstat(fd_.get(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) < at_.offset) ||
        head.compare(0, at_.head.size(), at_.head) != 0 || head.size() < at_.head.size())
        at_.offset = 0;
    at_.head = head;
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
                           std::size_t max_line, std::size_t max_lines, std::size_t* skipped, bool* end,
                           std::string* err) {
    std::size_t left = max_lines;
    *end = false;
    if (!fd_) {
        JournalPlace id;
        int error = 0;
        if (!open_path(path_, &id, &error)) {
            *end = true;
            if (error == ENOENT) return true;  // not there yet
            *err = "cannot read the journal " + path_ + ": " + std::strerror(error);
            return false;
        }
        if (!(at_.ino != 0 && same_file(id, at_))) at_ = id;  // else: where it was when it could not be read
    }
    if (!read_to_end(on_line, max_line, &left, skipped, err)) return false;
    if (left == 0) return true;  // more next time
    struct stat now;
    if (::stat(path_.c_str(), &now) != 0 ||
        (static_cast<std::uint64_t>(now.st_dev) == at_.dev && static_cast<std::uint64_t>(now.st_ino) == at_.ino)) {
        *end = true;
        return true;
    }
    // Renamed away: what a writer added to the old file before it saw the rename, then
    // the new file. A torn last line of the old file is left.
    if (!read_to_end(on_line, max_line, &left, skipped, err)) return false;
    if (left == 0) return true;
    JournalPlace id;
    int error = 0;
    if (!open_path(path_, &id, &error)) {
        *end = true;
        return true;
    }
    at_ = id;
    if (!read_to_end(on_line, max_line, &left, skipped, err)) return false;
    *end = left > 0;
    return true;
}

}  // namespace cr
