#include "base/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/fd.h"

namespace cr {

namespace {

FileRead failed(FileRead::Step step, int error) {
    FileRead r;
    r.failed = step;
    r.error = error;
    return r;
}

}  // namespace

FileStamp file_stamp(const struct stat& st) {
    FileStamp s;
    s.exists = true;
    s.dev = static_cast<std::uint64_t>(st.st_dev);
    s.ino = static_cast<std::uint64_t>(st.st_ino);
    s.type = static_cast<std::uint32_t>(st.st_mode & S_IFMT);
    if (S_ISREG(st.st_mode)) {
        s.size = static_cast<std::int64_t>(st.st_size);
        s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        s.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
    }
    return s;
}

FileStamp file_stamp(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return FileStamp();
    return file_stamp(st);
}

bool is_transient(int e) { return e == EMFILE || e == ENFILE || e == ENOMEM || e == EIO || e == EAGAIN || e == EINTR; }

FileRead read_file(const std::string& path, std::size_t limit, std::string* out, FileStamp* stamp) {
    if (stamp) *stamp = file_stamp(path);
    UniqueFd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!f) return failed(FileRead::Open, errno);
    struct stat st {};
    if (::fstat(f.get(), &st) != 0) return failed(FileRead::Stat, errno);
    if (stamp) *stamp = file_stamp(st);
    if (!S_ISREG(st.st_mode)) return failed(FileRead::NotRegular, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
    if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > limit) return failed(FileRead::TooLarge, EFBIG);
    out->resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out->size()) {
        ssize_t n = ::read(f.get(), out->data() + got, out->size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failed(FileRead::Read, errno);
        if (n == 0) break;  // shrank while we read: take what is there
        got += static_cast<std::size_t>(n);
    }
    out->resize(got);
    return FileRead();
}

bool write_fully(int fd, std::string_view data) {
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

std::string folder_of(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

bool replace_file(const std::string& path, std::string_view text, unsigned mode, std::string* err, long uid, long gid) {
    const std::string tmp = path + ".new";
    // A new file, never one left or put there (a link to another file included).
    if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) {
        *err = "cannot remove " + tmp + ": " + std::strerror(errno);
        return false;
    }
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, static_cast<mode_t>(mode)));
    if (!fd) {
        *err = "cannot write " + tmp + ": " + std::strerror(errno);
        return false;
    }
    if ((uid != -1 || gid != -1) && ::fchown(fd.get(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) {
        *err = "cannot give " + tmp + " to its owner: " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    if (!write_fully(fd.get(), text) || ::fdatasync(fd.get()) != 0 || ::close(fd.release()) != 0) {
        *err = "cannot write " + tmp + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        *err = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    UniqueFd d(::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d) ::fsync(d.get());  // the rename on disk; a folder that cannot be flushed still has it
    return true;
}

}  // namespace cr
