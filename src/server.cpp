#include "server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include <fcgiapp.h>

#include "log.h"
#include "request.h"

namespace cr {

namespace {

using Clock = std::chrono::steady_clock;

// The rules in force, swapped whole on reload; requests hold the version they began with.
class ConfigStore {
public:
    explicit ConfigStore(std::string path) : path_(std::move(path)) {}

    // Loads the rules. Returns false (logging each problem) when they do not load.
    // Then it watches the files the loaded or refused rules read or tried to read,
    // each with its stamp as read (so that a change while loading is seen after it):
    // a list file that refused rules lack is noticed when it comes, and a file they no
    // longer name does not count. A retry (see poll) that fails as the last attempt
    // did logs one line at debug level only.
    bool load(const char* why, bool retry = false) {
        std::vector<std::string> errors;
        LoadInfo info;
        auto t0 = Clock::now();
        std::shared_ptr<const Config> c = load_config(path_, &errors, &info);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        files_ = info.files;
        stamps_ = info.stamps;
        if (!c) {
            if (retry && errors == last_errors_) {
                log_line(LogLevel::Debug, std::string(why) + ": failed as before");
            } else {
                for (const std::string& e : errors) log_line(LogLevel::Error, log_text(e));
                if (current())
                    log_line(LogLevel::Error, std::string(why) + " refused: " + std::to_string(errors.size()) +
                                                  " problem(s); the last good rules stay in force");
            }
            last_errors_ = errors;
            if (!retry) retry_delay_ = kRetryFirst;
            retrying_ = info.passing;
            retry_at_ = Clock::now() + retry_delay_;
            retry_delay_ = std::min(retry_delay_ * 2, kRetryMax);
            return false;
        }
        last_errors_.clear();
        retrying_ = false;
        log_set_level(c->settings.log);
        std::atomic_store(&current_, c);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.1f ms", ms);
        // Logged after the swap: when the line is there, the rules are in force.
        log_line(LogLevel::Info, std::string(why) + ": " + log_value(path_) + ": " + std::to_string(c->rules.size()) +
                                     " rules, " + std::to_string(c->lists.size()) + " lists, loaded in " + buf);
        return true;
    }

    // Reloads when a watched file changed and has stayed unchanged for one more
    // poll (a file caught mid-write is not taken), or at once when forced (SIGHUP).
    // A reload refused because a file could not be read for a passing reason (no
    // file descriptor or memory left, an I/O error) is tried again 1 s later and then
    // at doubling intervals up to a minute, so that the old rules do not stay until
    // the next change; a refusal for what a file says is not retried.
    void poll(bool force) {
        if (force) {
            pending_.clear();
            load("reload on SIGHUP");
            return;
        }
        std::vector<FileStamp> now;
        for (const std::string& f : files_) now.push_back(file_stamp(f));
        if (now == stamps_) {
            pending_.clear();
            if (retrying_ && Clock::now() >= retry_at_) load("reload retried", true);
            return;
        }
        if (now != pending_) {
            pending_ = now;
            return;
        }
        pending_.clear();
        load("reload on change");
    }

    std::shared_ptr<const Config> current() const { return std::atomic_load(&current_); }

private:
    static constexpr Clock::duration kRetryFirst = std::chrono::seconds(1), kRetryMax = std::chrono::seconds(60);

    std::string path_;
    std::shared_ptr<const Config> current_;
    std::vector<std::string> files_;          // watched, with their stamps as last read
    std::vector<FileStamp> stamps_, pending_;
    std::vector<std::string> last_errors_;  // of the last failed load; empty after a good one
    bool retrying_ = false;                  // the last load failed for a passing reason
    Clock::time_point retry_at_;
    Clock::duration retry_delay_ = kRetryFirst;
};

std::string serialise(const Response& r) {
    std::string out = "Status: " + std::to_string(r.status) + " " + status_text(r.status) + "\r\n";
    out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (r.allow_post) out += "Allow: POST\r\n";
    out += "\r\n";
    out += r.body;
    return out;
}

// Reads at most `n` bytes of the body through `read_some` (which returns bytes
// read, 0 at end, -1 on error), looping over short reads.
template <typename ReadSome>
std::string read_body(std::size_t n, ReadSome read_some) {
    std::string body(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        long k = read_some(body.data() + got, n - got);
        if (k <= 0) break;
        got += static_cast<std::size_t>(k);
    }
    body.resize(got);
    return body;
}

// One request through the core, whatever carried it. `param` returns a CGI
// variable or null; `read_some` reads body bytes; `write_all` sends the answer.
template <typename Param, typename ReadSome, typename WriteAll>
void serve(const Config& config, Param param, ReadSome read_some, WriteAll write_all) {
    auto t0 = Clock::now();
    HttpHead head;
    auto copy = [&](const char* name, bool* has, std::string* out) {
        const char* v = param(name);
        if (has) *has = v != nullptr;
        if (v) *out = v;
    };
    copy("REQUEST_METHOD", nullptr, &head.method);
    copy("CONTENT_TYPE", &head.has_content_type, &head.content_type);
    copy("CONTENT_LENGTH", &head.has_content_length, &head.content_length);
    copy("REMOTE_USER", &head.has_remote_user, &head.remote_user);
    std::size_t length = 0;
    Response r;
    std::vector<std::string> trace;
    bool debug = log_level() >= LogLevel::Debug;
    if (check_head(config, head, &length, &r)) {
        std::string body = read_body(length, read_some);
        r = answer(config, body, length, std::time(nullptr), debug ? &trace : nullptr);
    }
    write_all(serialise(r));
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    for (const std::string& t : trace) log_line(LogLevel::Debug, log_text(t));
    log_line(r.status >= 500 ? LogLevel::Error : LogLevel::Info, request_log_line(r, ms));
}

bool write_fd(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

struct Workers {
    int listen_fd = -1;
    int wake[2] = {-1, -1};
    std::atomic<bool> stop{false};
    std::atomic<int> busy{0};
    std::atomic<int> running{0};
    ConfigStore* store = nullptr;
};

// Reads what is left of a FastCGI request's body, in pieces, up to 1 MiB: unread
// input makes the kernel reset the connection on close, and the web server may
// lose the answer to that (nginx turns a 413 into a 502). Not for CGI, which must
// not read past CONTENT_LENGTH (RFC 3875).
void discard_input(FCGX_Stream* in) {
    char sink[8192];
    for (int left = 1 << 20; left > 0;) {
        int k = FCGX_GetStr(sink, std::min(static_cast<int>(sizeof sink), left), in);
        if (k <= 0) break;
        left -= k;
    }
}

// A worker: waits in poll() for a connection or the wake-up pipe, accepts the
// connection, bounds its reads and writes, lets libfcgi read the request from it,
// and answers. The listening socket is non-blocking: workers that lose the race
// for a connection get EAGAIN and wait again, and a stop reaches every idle
// worker through the pipe, without a signal that could cut a request short.
void worker(Workers* w) {
    FCGX_Request req;
    // No listening socket for libfcgi: the worker accepts (below) and hands libfcgi the
    // connection, so libfcgi never accepts one without the time bounds.
    FCGX_InitRequest(&req, -1, 0);
    auto last_complaint = Clock::now() - std::chrono::seconds(10);
    while (!w->stop.load()) {
        pollfd p[2] = {{w->listen_fd, POLLIN, 0}, {w->wake[0], POLLIN, 0}};
        int n = ::poll(p, 2, -1);
        if (n < 0 || w->stop.load() || p[1].revents) continue;
        if (!(p[0].revents & POLLIN)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));  // POLLERR on the socket
            continue;
        }
        ++w->busy;
        // A connection gets a 10 s bound on every read and write: sipgate.io has given up by then.
        int fd = ::accept4(w->listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        int rc = fd < 0 ? -errno : 0;
        if (fd >= 0) {
            timeval tv{10, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            req.ipcFd = fd;
            req.keepConnection = 1;  // FCGX_Accept_r reads from this connection instead of closing it
            rc = FCGX_Accept_r(&req);
            // A connection that sent no valid request: libfcgi closed it, and then failed to
            // accept another from the listening socket it does not have (EBADF).
            if (rc == -EBADF) rc = -EAGAIN;
        }
        if (rc < 0) {
            --w->busy;
            if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR || rc == -ECONNABORTED)
                continue;  // another worker took it, or the client left
            if (Clock::now() - last_complaint > std::chrono::seconds(5)) {
                last_complaint = Clock::now();
                log_line(LogLevel::Error, std::string("accept failed: ") + std::strerror(-rc) + " (retrying)");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        }
        req.keepConnection = 0;  // one request per connection: a stop never waits on an idle one
        std::shared_ptr<const Config> config = w->store->current();
        serve(
            *config, [&](const char* name) -> const char* { return FCGX_GetParam(name, req.envp); },
            [&](char* buf, std::size_t len) -> long { return FCGX_GetStr(buf, static_cast<int>(len), req.in); },
            [&](const std::string& out) { FCGX_PutStr(out.data(), static_cast<int>(out.size()), req.out); });
        discard_input(req.in);
        FCGX_Finish_r(&req);
        --w->busy;
    }
    FCGX_Free(&req, 1);
    --w->running;
}

// Makes the listening socket non-blocking (see worker()). Returns false when fd is
// not one that can be made so.
bool prepare_listener(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

}  // namespace

int open_listener(const std::string& spec, unsigned socket_mode, std::string* err) {
    if (spec.rfind("unix:", 0) == 0) {
        std::string path = spec.substr(5);
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
            int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            bool alive = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
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
        if (rc != 0 || ::chmod(path.c_str(), static_cast<mode_t>(socket_mode)) != 0 || ::listen(fd, 128) != 0) {
            *err = path + ": " + std::strerror(errno);
            ::close(fd);
            return -1;
        }
        return fd;
    }
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
        ::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
        *err = spec + ": " + std::strerror(errno);
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(res);
    return fd;
}

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

int run_cgi(const std::string& config_path) {
    // The web server may close the pipe early: the log line is still written.
    ::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> errors;
    std::shared_ptr<const Config> config = load_config(config_path, &errors);
    auto param = [](const char* name) -> const char* { return std::getenv(name); };
    auto read_some = [](char* buf, std::size_t n) -> long {
        for (;;) {
            ssize_t k = ::read(0, buf, n);
            if (k < 0 && errno == EINTR) continue;
            return static_cast<long>(k);
        }
    };
    auto write_all = [](const std::string& s) { write_fd(1, s); };
    // After an answer given without reading the body (403, 405, 413, 500 ...), read
    // and drop the rest (at most 1 MiB, and only while it comes within a second):
    // Apache's mod_cgid has stdin and stdout on one socket, and a body left unread
    // turns the answer into a reset connection.
    auto drain = [&read_some] {
        char sink[4096];
        for (std::size_t total = 0; total < (std::size_t{1} << 20);) {
            pollfd p{0, POLLIN, 0};
            if (::poll(&p, 1, 1000) <= 0) break;
            long k = read_some(sink, sizeof sink);
            if (k <= 0) break;
            total += static_cast<std::size_t>(k);
        }
    };
    if (!config) {
        for (const std::string& e : errors) log_line(LogLevel::Error, log_text(e));
        Response r = error_response(500, "rule file cannot be loaded; see the server's error log");
        write_all(serialise(r));
        log_line(LogLevel::Error, request_log_line(r, 0));
        drain();
        return 0;
    }
    log_set_level(config->settings.log);
    serve(*config, param, read_some, write_all);
    drain();
    return 0;
}

int run_fastcgi(const ServerOptions& opt) {
    ::signal(SIGPIPE, SIG_IGN);
    // The main thread takes these with sigtimedwait: no handler runs at all.
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

    ConfigStore store(opt.config_path);
    if (!store.load("start")) {
        log_line(LogLevel::Error, "not started: the rule file does not load");
        return 1;
    }
    Workers w;
    w.store = &store;
    std::string where;
    if (opt.listen.empty()) {
        w.listen_fd = 0;
        where = "the socket on fd 0";
    } else {
        std::string err;
        w.listen_fd = open_listener(opt.listen, opt.socket_mode, &err);
        if (w.listen_fd < 0) {
            log_line(LogLevel::Error, "cannot listen: " + log_value(err));
            return 1;
        }
        where = opt.listen;
    }
    if (!prepare_listener(w.listen_fd)) {
        log_line(LogLevel::Error, "not a socket to listen on: " + log_value(where) + ": " + std::strerror(errno));
        return 1;
    }
    {
        std::string err;
        bool own_unix = !opt.listen.empty() && opt.listen.rfind("unix:", 0) == 0;
        if (!switch_user(opt.user, own_unix ? opt.listen.substr(5) : std::string(), &err)) {
            log_line(LogLevel::Error, "not started: " + log_value(err));
            return 1;
        }
    }
    if (FCGX_Init() != 0 || ::pipe2(w.wake, O_CLOEXEC) != 0) {
        log_line(LogLevel::Error, "cannot initialise FastCGI");
        return 1;
    }
    // Said before the workers start, so that it comes before any request's line.
    log_line(LogLevel::Info, "serving FastCGI on " + log_value(where) + " with " + std::to_string(opt.threads) +
                                 " threads");
    std::vector<std::thread> threads;
    w.running = opt.threads;
    for (int i = 0; i < opt.threads; ++i) threads.emplace_back(worker, &w);
    for (;;) {
        timespec tick{0, 250 * 1000 * 1000};
        int sig = ::sigtimedwait(&sigs, nullptr, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            log_line(LogLevel::Info, std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                                         ": finishing requests in progress");
            break;
        }
        store.poll(sig == SIGHUP);
    }
    w.stop = true;
    char byte = 1;
    if (::write(w.wake[1], &byte, 1) != 1) log_line(LogLevel::Warn, "cannot wake the workers");
    // Requests in progress finish; sipgate.io gives up on them after 10 s anyway.
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (w.running.load() > 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!opt.listen.empty() && opt.listen.rfind("unix:", 0) == 0) ::unlink(opt.listen.c_str() + 5);
    if (w.running.load() > 0) {
        log_line(LogLevel::Warn, "stopped with " + std::to_string(w.busy.load()) + " request(s) still unanswered after 10 s");
        std::_Exit(0);
    }
    for (std::thread& t : threads) t.join();
    log_line(LogLevel::Info, "stopped");
    return 0;
}

}  // namespace cr
