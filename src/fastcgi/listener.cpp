#include "fastcgi/listener.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace cr {

namespace {

struct AddrInfoFree {
    void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

// A unix socket at `path`, bound with `socket_mode`; a stale socket file is replaced.
// Returns the descriptor, or an empty one with *err.
UniqueFd open_unix(const std::string& path, unsigned socket_mode, std::string* err) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);  // parse_listen bounds the length
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        *err = std::string("socket: ") + std::strerror(errno);
        return fd;
    }
    // A socket file left by a dead process is removed; one that answers is in use.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
        // Non-blocking: a full backlog (EAGAIN) is a process that lives, not a wait.
        UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        bool alive =
            probe && (::connect(probe.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 || errno == EAGAIN);
        if (alive) {
            *err = path + ": in use by another process";
            return UniqueFd();
        }
        ::unlink(path.c_str());
    }
    mode_t old = ::umask(0177);
    int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::umask(old);
    if (rc != 0 || ::chmod(path.c_str(), static_cast<mode_t>(socket_mode)) != 0) {
        *err = path + ": " + std::strerror(errno);
        if (rc == 0) ::unlink(path.c_str());  // bound, but not with its mode: not ours to leave
        return UniqueFd();
    }
    return fd;
}

// A TCP socket for spec's host and port, bound. Returns the descriptor, or an empty one with *err.
UniqueFd open_tcp(const ListenSpec& spec, std::string* err) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    int gai = ::getaddrinfo(spec.host.c_str(), spec.port.c_str(), &hints, &found);
    if (gai != 0) {
        *err = spec.host + ": " + ::gai_strerror(gai);
        return UniqueFd();
    }
    std::unique_ptr<addrinfo, AddrInfoFree> res(found);
    UniqueFd fd(::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol));
    int one = 1;
    if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0) {
        *err = spec.text + ": " + std::strerror(errno);
        return UniqueFd();
    }
    return fd;
}

}  // namespace

bool parse_listen(const std::string& text, ListenSpec* out, std::string* err) {
    ListenSpec s;
    s.text = text;
    if (text.rfind("unix:", 0) == 0) {
        s.is_unix = true;
        s.path = text.substr(5);
        if (s.path.empty() || s.path.size() >= sizeof(sockaddr_un::sun_path)) {
            *err =
                "unix socket path empty or longer than " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes";
            return false;
        }
        *out = std::move(s);
        return true;
    }
    s.host = "127.0.0.1";
    s.port = text;
    std::size_t colon = text.rfind(':');
    if (colon != std::string::npos) {
        s.host = text.substr(0, colon);
        s.port = text.substr(colon + 1);
        if (s.host.size() >= 2 && s.host.front() == '[' && s.host.back() == ']')
            s.host = s.host.substr(1, s.host.size() - 2);
        if (s.host.empty()) {
            *err = "empty host in '" + text + "' (use 0.0.0.0:PORT to listen on every interface)";
            return false;
        }
    }
    const std::string& p = s.port;
    long n = 0;
    for (char c : p) n = c >= '0' && c <= '9' && n < 100000 ? n * 10 + (c - '0') : -1;
    if (p.empty() || p.size() > 5 || n < 1 || n > 65535) {
        *err = "bad port in '" + text + "'";
        return false;
    }
    *out = std::move(s);
    return true;
}

bool is_listening_socket(int fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening != 0;
}

bool Listener::open(const ListenSpec& spec, unsigned socket_mode, std::string* err) {
    close();
    fd_ = spec.is_unix ? open_unix(spec.path, socket_mode, err) : open_tcp(spec, err);
    if (!fd_) return false;
    owned_ = true;
    if (spec.is_unix) unix_path_ = spec.path;
    return true;
}

bool Listener::adopt_fd0(std::string* err) {
    close();
    fd_.reset(0);
    owned_ = false;
    if (is_listening_socket(0)) return true;
    *err = std::strerror(errno);
    return false;
}

bool Listener::prepare(std::string* err) {
    int flags = ::fcntl(fd_.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
        *err = std::strerror(errno);
        return false;
    }
    sockaddr_storage sa{};
    socklen_t sa_len = sizeof sa;
    tcp_ = ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&sa), &sa_len) == 0 &&
           (sa.ss_family == AF_INET || sa.ss_family == AF_INET6);
    return true;
}

bool Listener::listen(std::string* err) {
    if (::listen(fd_.get(), SOMAXCONN) == 0) return true;
    *err = std::strerror(errno);
    return false;
}

void Listener::remove_file() {
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
    unix_path_.clear();
}

void Listener::close() {
    remove_file();
    if (owned_)
        fd_.reset();
    else
        fd_.release();  // fd 0 stays open: it is not ours
    owned_ = false;
}

}  // namespace cr
