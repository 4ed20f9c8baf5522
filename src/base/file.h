// Reading a whole file, and what identifies the version read; writing a whole buffer.
//
// How callrouter's functions fail, in every layer (stated here, at the bottom of the
// house, once):
// - A function that can fail returns bool (true: done) and takes a required
//   std::string* err, which it fills with a message that stands on its own, without the
//   "FILE:LINE: " the caller puts before it; its outputs are left alone on failure.
//   A parser of a fixed shape whose only failure is "not that shape" returns bool alone
//   (parse_utc_stamp, parse_journal_line).
// - A failure of the system that the caller must tell apart (a cause that may pass, or
//   one that lasts) is reported as well: read_file's FileRead {step, errno}, or a
//   `bool* transient` (is_transient below).
// - A check that finds many problems at once (the rule file's loader) adds each to a
//   list of "FILE:LINE: message" lines (rules/problems.h).
// - The only exception thrown is std::bad_alloc, and it is caught in three places:
//   rules/load.cpp (the rules are refused in one line), journal/writer.cpp (the line is
//   dropped and that is logged once), and rules/ini.cpp's C callbacks (kept, and thrown
//   again once libinih has returned). Anywhere else, running out of memory ends the
//   process, as it does for nginx's and php-fpm's workers. (Where a thread is started,
//   std::thread's std::system_error is caught too: journal/writer.cpp, fastcgi/server.cpp.)
#pragma once
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cr {

// What identifies a version of a file: a change in any field means "read it again".
// Of what is not a regular file only its existence, identity and type count (the
// times of a pipe change with every write to it).
struct FileStamp {
    bool exists = false;
    std::uint64_t dev = 0, ino = 0;
    std::uint32_t type = 0;
    std::int64_t size = 0, mtime_ns = 0, ctime_ns = 0;
    bool operator==(const FileStamp& o) const {
        return exists == o.exists && dev == o.dev && ino == o.ino && type == o.type && size == o.size &&
               mtime_ns == o.mtime_ns && ctime_ns == o.ctime_ns;
    }
    bool operator!=(const FileStamp& o) const { return !(*this == o); }
};
FileStamp file_stamp(const struct stat& st);
FileStamp file_stamp(const std::string& path);  // "does not exist" when stat() fails

// An errno that says nothing about the file: trying again later may succeed.
bool is_transient(int e);

// What read_file() did: the step that failed, if one did, with its errno.
struct FileRead {
    enum Step { Done, Open, Stat, NotRegular, TooLarge, Read } failed = Done;
    int error = 0;  // errno of Open, Stat, Read; EISDIR or EINVAL (NotRegular); EFBIG (TooLarge)
    bool ok() const { return failed == Done; }
};

// Reads the whole regular file at `path`, of at most `limit` bytes, into *out. Opens
// without blocking (a FIFO must not stall the caller); a file that shrinks while it is
// read gives what is there. *stamp, when given, gets the version read (from the open
// file, or from before an open that failed) before anything can throw. Throws
// std::bad_alloc when *out cannot grow.
FileRead read_file(const std::string& path, std::size_t limit, std::string* out, FileStamp* stamp = nullptr);

// The folder a file is in: "/var/lib/callrouter/switches" -> "/var/lib/callrouter",
// "switches" -> ".", "/switches" -> "/".
std::string folder_of(const std::string& path);

// Replaces the file at `path` with `text`, so that a reader sees the old file or the
// new one, never half of one, and a power loss leaves one of them: written to
// PATH.new (mode `mode`, not following a link), flushed, renamed over `path`, and the
// folder flushed. With `uid` and `gid` (not -1), PATH.new is given to them (fchown,
// before the rename: never a file reached by a name another user may change).
// Returns false with *err (PATH.new removed).
bool replace_file(const std::string& path, std::string_view text, unsigned mode, std::string* err, long uid = -1,
                  long gid = -1);

// Writes all of `data` to `fd`, over short writes and EINTR (a blocking descriptor).
// Stops at the first error: its callers (a log line, a CGI answer to a web server that
// went away) have nowhere to say it. Returns whether all was written.
bool write_fully(int fd, std::string_view data);

}  // namespace cr
