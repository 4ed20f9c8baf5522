#include "fastcgi/listener.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cr {

namespace {

// A unix socket at `path`, bound with `socket_mode`; a stale socket file is replaced.
int open_unix(const std::string& path, unsigned socket_mode, std::string* err) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path) {
        *err = "unix socket path empty or longer than " + std::to_string(sizeof sa.sun_path - 1) + " bytes";
        return -1;
    }
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    // A socket file left by a dead process is removed; one that answers is in use.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
        // Non-blocking: a full backlog (EAGAIN) is a process that lives, not a wait.
        int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        bool alive = probe >= 0 && (::connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 ||
                                    errno == EAGAIN);
        if (probe >= 0) ::close(probe);
        if (alive) {
            ::close(fd);
            *err = path + ": in use by another process";
            return -1;
        }
        ::unlink(path.c_str());
    }
    mode_t old = ::umask(0177);
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::umask(old);
    if (rc != 0 || ::chmod(path.c_str(), static_cast<mode_t>(socket_mode)) != 0) {
        *err = path + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

// A TCP socket for "PORT" (127.0.0.1), "HOST:PORT" or "[V6]:PORT", bound.
int open_tcp(const std::string& spec, std::string* err) {
    std::string host = "127.0.0.1", port = spec;
    std::size_t colon = spec.rfind(':');
    if (colon != std::string::npos) {
        host = spec.substr(0, colon);
        port = spec.substr(colon + 1);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        if (host.empty()) {
            *err = "empty host in '" + spec + "' (use 0.0.0.0:PORT to listen on every interface)";
            return -1;
        }
    }
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::atoi(port.c_str()) < 1 || std::atoi(port.c_str()) > 65535) {
        *err = "bad port in '" + spec + "'";
        return -1;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    int gai = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
    if (gai != 0) {
        *err = host + ": " + ::gai_strerror(gai);
        return -1;
    }
    int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    int one = 1;
    if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
        *err = spec + ": " + std::strerror(errno);
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(res);
    return fd;
}

}  // namespace

int open_listener(const std::string& spec, unsigned socket_mode, std::string* err) {
    return spec.rfind("unix:", 0) == 0 ? open_unix(spec.substr(5), socket_mode, err) : open_tcp(spec, err);
}

bool start_listening(int fd) { return ::listen(fd, SOMAXCONN) == 0; }

bool is_listening_socket(int fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening != 0;
}

}  // namespace cr
