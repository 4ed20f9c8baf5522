#include "fastcgi/privilege.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/log.h"

namespace cr {

bool switch_user(const std::string& user, const std::string& unix_socket, std::string* err) {
    if (user.empty()) {
        if (::geteuid() == 0)
            log_line(LogLevel::Warn, "running as root: give --user NAME to serve as an unprivileged user");
        return true;
    }
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
    passwd pw{};
    passwd* found = nullptr;
    int rc = ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc != 0 || !found) {
        *err = "--user " + user + ": " + (rc ? std::strerror(rc) : "no such user");
        return false;
    }
    if (pw.pw_uid == 0) {
        *err = "--user " + user + ": that is root; name an unprivileged user";
        return false;
    }
    if (::geteuid() != 0) {
        if (::geteuid() == pw.pw_uid && ::getuid() == pw.pw_uid) return true;  // already that user
        *err = "--user " + user + ": only root can switch users";
        return false;
    }
    if (!unix_socket.empty() && ::chown(unix_socket.c_str(), pw.pw_uid, pw.pw_gid) != 0) {
        *err = "--user " + user + ": chown " + unix_socket + ": " + std::strerror(errno);
        return false;
    }
    if (::initgroups(pw.pw_name, pw.pw_gid) != 0 || ::setgid(pw.pw_gid) != 0 || ::setuid(pw.pw_uid) != 0) {
        *err = "--user " + user + ": cannot switch: " + std::strerror(errno);
        return false;
    }
    // setuid() as root sets the real, effective and saved IDs: none may lead back.
    uid_t r, e, sv;
    gid_t gr, ge, gs;
    if (::setuid(0) == 0 || ::seteuid(0) == 0 || ::getresuid(&r, &e, &sv) != 0 || r != pw.pw_uid || e != pw.pw_uid ||
        sv != pw.pw_uid || ::getresgid(&gr, &ge, &gs) != 0 || gr != pw.pw_gid || ge != pw.pw_gid || gs != pw.pw_gid) {
        *err = "--user " + user + ": root could be regained after the switch; refusing to serve";
        return false;
    }
    log_line(LogLevel::Info, "running as user " + log_value(user) + " (uid " + std::to_string(pw.pw_uid) + ", gid " +
                                 std::to_string(pw.pw_gid) + ")");
    return true;
}

}  // namespace cr
