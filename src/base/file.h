// Reading a whole file, and what identifies the version read.
#pragma once
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <string>

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
bool is_passing(int e);

// What read_file() did: the step that failed, if one did, with its errno.
struct FileRead {
    enum Step { Done, Open, Stat, NotRegular, TooLarge, Read } failed = Done;
    int error = 0;      // errno of Open, Stat, Read; EISDIR or EINVAL (NotRegular); EFBIG (TooLarge)
    bool ok() const { return failed == Done; }
};

// Reads the whole regular file at `path`, of at most `limit` bytes, into *out. Opens
// without blocking (a FIFO must not stall the caller); a file that shrinks while it is
// read gives what is there. *stamp, when given, gets the version read (from the open
// file, or from before an open that failed) before anything can throw. Throws
// std::bad_alloc when *out cannot grow.
FileRead read_file(const std::string& path, std::size_t limit, std::string* out, FileStamp* stamp = nullptr);

}  // namespace cr
