#include "fastcgi/server.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fastcgi/protocol.h"
#include "journal/journal.h"
#include "fastcgi/listener.h"
#include "base/log.h"
#include "fastcgi/privilege.h"
#include "fastcgi/reload.h"
#include "fastcgi/responder.h"

namespace cr {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The bounds on what a peer controls (see callrouter(8), LIMITS).
constexpr unsigned kMaxConns = 1024;          // connections at once, per process
constexpr Clock::duration kRequestTime = seconds(10);   // BEGIN_REQUEST to the answer
constexpr Clock::duration kFirstRequest = seconds(10);  // a new connection, to its first request
constexpr Clock::duration kIdleKept = seconds(60);      // a kept connection between requests
constexpr Clock::duration kWriteStall = seconds(10);    // an answer the peer does not read
constexpr Clock::duration kCloseWait = seconds(2);      // after the last answer, for the peer to close
constexpr std::size_t kCloseBytes = 1 << 20;            // dropped while waiting for that
constexpr std::size_t kOutputHigh = 64 * 1024;          // unsent output that stops the reading
constexpr Clock::duration kTick = milliseconds(100);    // how often the bounds are looked at
constexpr Clock::duration kAcceptPause = milliseconds(100);

// What the event loops share.
struct Shared {
    int listen_fd = -1;
    bool tcp = false;
    int wake_fd = -1;  // an eventfd that turns readable once, when the stop is asked
    ConfigStore* store = nullptr;
    std::atomic<bool> stop{false};
    std::atomic<unsigned> conns{0};
    int loops = 0;
    std::atomic<int> running{0};
    std::atomic<int> unlistened{0};       // loops that no longer accept, once stopping
    std::atomic<bool> make_room{false};   // a loop at the limit found no idle connection of its own
    // The loops wait for `go` before they accept: set once the socket listens and the
    // start is logged, so that no request's line comes before that line.
    std::mutex go_mutex;
    std::condition_variable go_cv;
    bool go = false;
};

// One connection: the FastCGI state of it, the request in progress (Responder),
// and the times that bound it.
struct Conn final : Responder {
    Conn(Shared* s, int f, Clock::time_point now)
        : Responder([s] { return s->store->current(); }), fd(f), since(now) {}

    std::size_t unsent() const { return proto.output().size() - sent; }
    // Between requests, nothing to send, nothing more to come: may be closed without loss.
    bool idle() const { return !proto.busy() && unsent() == 0 && !closing && !proto.input_may_follow(); }
    // Idle after a request: what makes room first. A new connection whose request may
    // be on its way is not one.
    bool kept_idle() const { return idle() && proto.ended() > 0; }

    int fd;
    fcgi::Connection proto{this, fcgi::Limits{kMaxConns}};
    Clock::time_point since;          // accepted, or its last answer: how long it has idled
    Clock::time_point request_start;  // the request in progress began
    Clock::time_point write_start;    // output has waited since
    Clock::time_point close_by;       // closing: the peer has until then
    bool closing = false;             // the write side is shut; waiting for the peer to close
    std::size_t close_bytes = 0;
    std::size_t sent = 0;             // of proto.output()
    unsigned begun = 0, ended = 0;    // proto's counts as last seen
    std::uint32_t events = EPOLLIN;   // as registered with epoll
};

// An event loop: accepts from the shared listening socket, reads, decides and
// writes for its own connections, and enforces their time bounds.
class Loop {
public:
    Loop(Shared* shared, int epoll_fd) : sh_(shared), ep_(epoll_fd) {}
    ~Loop() { ::close(ep_); }
    void run();

private:
    void accept_some(Clock::time_point now);
    void read_from(Conn* c, Clock::time_point now);
    void flush(Conn* c, Clock::time_point now);
    void close_conn(Conn* c);
    void check_times(Clock::time_point now);
    bool close_oldest_idle();
    void set_accepting(bool on);
    void complain(const char* what, Clock::time_point now);

    Shared* sh_;
    int ep_;
    std::unordered_map<int, std::unique_ptr<Conn>> conns_;
    bool accepting_ = false, stopping_ = false;
    Clock::time_point resume_at_{}, last_complaint_{}, last_check_{};
    char buf_[65536];
};

void Loop::run() {
    {
        std::unique_lock<std::mutex> lock(sh_->go_mutex);
        sh_->go_cv.wait(lock, [this] { return sh_->go; });
    }
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.fd = sh_->wake_fd;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, sh_->wake_fd, &wake);
    epoll_event evs[64];
    for (;;) {
        Clock::time_point now = Clock::now();
        if (!stopping_ && sh_->stop.load()) {
            stopping_ = true;
            set_accepting(false);
            sh_->unlistened.fetch_add(1);
            ::epoll_ctl(ep_, EPOLL_CTL_DEL, sh_->wake_fd, nullptr);  // it stays readable
            check_times(now);
        }
        if (stopping_ && conns_.empty()) break;
        if (!accepting_ && !stopping_ && now >= resume_at_) set_accepting(true);
        int timeout = conns_.empty() && accepting_ ? -1 : static_cast<int>(std::chrono::duration_cast<milliseconds>(kTick).count());
        int n = ::epoll_wait(ep_, evs, 64, timeout);
        now = Clock::now();
        bool accept_now = false;
        for (int i = 0; i < n; ++i) {
            int fd = evs[i].data.fd;
            if (fd == sh_->wake_fd) continue;
            if (fd == sh_->listen_fd) {
                accept_now = true;  // after the others: a closed fd may be reused by an accept
                continue;
            }
            auto it = conns_.find(fd);
            if (it == conns_.end()) continue;
            Conn* c = it->second.get();
            if (evs[i].events & EPOLLOUT) {
                flush(c, now);
                if (!conns_.count(fd)) continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_from(c, now);
        }
        if (accept_now && accepting_) accept_some(now);
        if (now - last_check_ >= kTick) check_times(now);
    }
    sh_->running.fetch_sub(1);
}

void Loop::set_accepting(bool on) {
    if (on == accepting_) return;
    if (on) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLEXCLUSIVE;
        ev.data.fd = sh_->listen_fd;
        if (::epoll_ctl(ep_, EPOLL_CTL_ADD, sh_->listen_fd, &ev) != 0) return;
    } else {
        ::epoll_ctl(ep_, EPOLL_CTL_DEL, sh_->listen_fd, nullptr);
    }
    accepting_ = on;
}

void Loop::complain(const char* what, Clock::time_point now) {
    if (now - last_complaint_ < seconds(5)) return;
    last_complaint_ = now;
    log_line(LogLevel::Error, std::string(what) + ": " + std::strerror(errno) + " (retrying)");
}

// Accepts what is waiting, a bounded number at a time. At the connection limit or
// out of descriptors, the oldest kept idle connection makes room; when none is,
// accepting pauses until a connection closes (or 100 ms pass) and the new
// connections wait in the backlog.
void Loop::accept_some(Clock::time_point now) {
    for (int i = 0; i < 64; ++i) {
        if (sh_->conns.fetch_add(1) >= kMaxConns) {
            sh_->conns.fetch_sub(1);
            // Only the first turn knows a connection is waiting (the socket was readable).
            if (i > 0) return;
            if (close_oldest_idle()) continue;
            sh_->make_room = true;  // another loop may hold an idle one
            set_accepting(false);
            resume_at_ = now + kAcceptPause;
            return;
        }
        int fd = ::accept4(sh_->listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            sh_->conns.fetch_sub(1);
            if (e == EAGAIN || e == EWOULDBLOCK) return;
            if (e == EINTR || e == ECONNABORTED || e == EPROTO) continue;
            if ((e == EMFILE || e == ENFILE) && close_oldest_idle()) continue;
            complain("accept failed", now);
            set_accepting(false);
            resume_at_ = now + kAcceptPause;
            return;
        }
        if (sh_->tcp) {
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            complain("epoll_ctl failed", now);
            ::close(fd);
            sh_->conns.fetch_sub(1);
            continue;
        }
        auto c = std::make_unique<Conn>(sh_, fd, now);
        Conn* raw = c.get();
        conns_.emplace(fd, std::move(c));
        read_from(raw, now);  // the request has often come with the connection
    }
}

void Loop::read_from(Conn* c, Clock::time_point now) {
    // An answer may be up to 8 times the bytes that asked for it (an empty BEGIN_REQUEST
    // and params give a 405): reading at most an eighth of the room left keeps a peer that
    // does not read near kOutputHigh of output.
    std::size_t room = c->unsent() < kOutputHigh ? (kOutputHigh - c->unsent()) / 8 : 0;
    ssize_t n = ::recv(c->fd, buf_, std::max<std::size_t>(512, std::min(room, sizeof buf_)), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n < 0) n = 0;  // a reset counts as the end
    std::size_t got = static_cast<std::size_t>(n);
    if (c->closing) {
        c->close_bytes += got;
        if (got == 0 || c->close_bytes > kCloseBytes) close_conn(c);
        return;
    }
    if (got == 0) {
        // A request cut short is decided on what came (its log line says so); the
        // answer goes out if the peer only closed its writing side.
        c->proto.end_of_input();
        if (c->unsent()) ::send(c->fd, c->proto.output().data() + c->sent, c->unsent(), MSG_NOSIGNAL | MSG_DONTWAIT);
        close_conn(c);
        return;
    }
    c->proto.feed(buf_, got);
    if (!c->proto.error().empty()) {
        log_line(LogLevel::Warn, "fastcgi: " + log_text(c->proto.error()) + "; connection closed");
        close_conn(c);
        return;
    }
    if (c->proto.ended() != c->ended) c->since = now;
    if (c->proto.begun() != c->begun) c->request_start = now;
    c->ended = c->proto.ended();
    c->begun = c->proto.begun();
    flush(c, now);
}

// Sends what is waiting. When the connection is done and all is sent, closes it;
// but when the peer may still send the rest of a request answered early, shuts the
// write side and gives the peer kCloseWait to close first (a close with unread
// bytes would reset the connection, and the web server could lose the answer).
void Loop::flush(Conn* c, Clock::time_point now) {
    std::string& out = c->proto.output();
    bool waited = c->unsent() > 0 && (c->events & EPOLLOUT);
    while (c->sent < out.size()) {
        ssize_t k = ::send(c->fd, out.data() + c->sent, out.size() - c->sent, MSG_NOSIGNAL);
        if (k > 0) {
            c->sent += static_cast<std::size_t>(k);
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            close_conn(c);  // the peer is gone
            return;
        }
    }
    if (c->sent == out.size()) {
        if (out.capacity() > kOutputHigh) std::string().swap(out);
        out.clear();
        c->sent = 0;
    } else if (!waited) {
        c->write_start = now;
    }
    if (out.empty() && c->proto.done() && !c->closing) {
        if (!c->proto.input_may_follow()) {  // all it sent is read: a close cannot reset
            close_conn(c);
            return;
        }
        ::shutdown(c->fd, SHUT_WR);
        c->closing = true;
        c->close_by = now + kCloseWait;
    }
    std::uint32_t want = (c->unsent() ? EPOLLOUT : 0u) | (c->unsent() < kOutputHigh ? EPOLLIN : 0u);
    if (want != c->events) {
        epoll_event ev{};
        ev.events = want;
        ev.data.fd = c->fd;
        ::epoll_ctl(ep_, EPOLL_CTL_MOD, c->fd, &ev);
        c->events = want;
    }
}

void Loop::close_conn(Conn* c) {
    int fd = c->fd;
    ::epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns_.erase(fd);
    sh_->conns.fetch_sub(1);
    resume_at_ = Clock::time_point{};  // a descriptor and a place are free: accept again at once
}

bool Loop::close_oldest_idle() {
    Conn* oldest = nullptr;
    for (auto& [fd, c] : conns_)
        if (c->kept_idle() && (!oldest || c->since < oldest->since)) oldest = c.get();
    if (!oldest) return false;
    log_line(LogLevel::Debug, "fastcgi: closed the oldest idle connection to make room");
    close_conn(oldest);
    return true;
}

// Closes the connections past their bounds (and, when stopping, the idle ones).
void Loop::check_times(Clock::time_point now) {
    last_check_ = now;
    std::vector<Conn*> late;
    for (auto& [fd, c] : conns_) {
        bool over = false;
        if (c->closing) {
            over = now >= c->close_by;
        } else if (c->unsent() && now - c->write_start > kWriteStall) {
            log_line(LogLevel::Warn, "fastcgi: the web server did not take its answer for 10 s; connection closed");
            over = true;
        } else if (c->proto.busy()) {
            if (now - c->request_start > kRequestTime) {
                if (c->proto.reading_body()) {
                    c->proto.end_of_input();  // decided on what came, and logged
                    if (c->unsent())
                        ::send(c->fd, c->proto.output().data() + c->sent, c->unsent(), MSG_NOSIGNAL | MSG_DONTWAIT);
                }
                log_line(LogLevel::Warn, "fastcgi: request not complete after 10 s; connection closed");
                over = true;
            }
        } else if (stopping_ && c->idle()) {
            over = true;
        } else if (stopping_ && c->proto.input_may_follow() && !c->unsent()) {
            ::shutdown(c->fd, SHUT_WR);  // the rest of a request answered early may come: let it
            c->closing = true;
            c->close_by = now + kCloseWait;
        } else if (c->proto.ended() == 0 && now - c->since > kFirstRequest) {
            log_line(LogLevel::Debug, "fastcgi: no request within 10 s of connecting; connection closed");
            over = true;
        } else if (now - c->since > kIdleKept) {
            log_line(LogLevel::Debug, "fastcgi: kept connection idle for 60 s; closed");
            over = true;
        }
        if (over) late.push_back(c.get());
    }
    for (Conn* c : late) close_conn(c);
    if (sh_->make_room.load() && close_oldest_idle()) sh_->make_room = false;
}

// How many descriptors are open now (the budget the event loops start from).
int open_descriptors() {
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return 8;
    int n = 0;
    while (::readdir(d)) ++n;
    ::closedir(d);
    return n - 3;  // ".", ".." and the directory's own
}

}  // namespace

int default_loops() {
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : static_cast<int>(n);
}

namespace {

// Takes the socket to serve on: the one on fd 0, or one of our own, bound (it listens
// only once the loops are there). Sets sh->listen_fd, sh->tcp and *where; logs why not.
bool take_socket(const ServerOptions& opt, Shared* sh, std::string* where) {
    if (opt.listen.empty()) {
        sh->listen_fd = 0;
        *where = "the socket on fd 0";
    } else {
        std::string err;
        sh->listen_fd = open_listener(opt.listen, opt.socket_mode, &err);
        if (sh->listen_fd < 0) {
            log_line(LogLevel::Error, "cannot listen: " + log_value(err));
            return false;
        }
        *where = opt.listen;
    }
    int flags = ::fcntl(sh->listen_fd, F_GETFL);
    if ((opt.listen.empty() && !is_listening_socket(sh->listen_fd)) || flags < 0 ||
        ::fcntl(sh->listen_fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        log_line(LogLevel::Error, "not a socket to listen on: " + log_value(*where) + ": " + std::strerror(errno));
        return false;
    }
    sockaddr_storage sa{};
    socklen_t sa_len = sizeof sa;
    sh->tcp = ::getsockname(sh->listen_fd, reinterpret_cast<sockaddr*>(&sa), &sa_len) == 0 &&
              (sa.ss_family == AF_INET || sa.ss_family == AF_INET6);
    return true;
}

// Makes the event loops: `asked` of them, or fewer when the limit on open files
// would leave too few descriptors (each loop holds one; at least three more per loop
// are left for connections and reloads), with a warning. None: logged, empty.
std::vector<std::unique_ptr<Loop>> make_loops(int asked, Shared* sh) {
    int loops = asked;
    rlimit nofile{};
    if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
        long spare = static_cast<long>(nofile.rlim_cur) - open_descriptors();
        loops = static_cast<int>(std::max(1L, std::min<long>(asked, spare / 4)));
    }
    std::vector<std::unique_ptr<Loop>> made;
    for (int i = 0; i < loops; ++i) {
        int ep = ::epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0) {
            if (made.empty()) log_line(LogLevel::Error, std::string("cannot make an event loop: epoll_create1: ") +
                                                            std::strerror(errno));
            break;
        }
        made.push_back(std::make_unique<Loop>(sh, ep));
    }
    if (!made.empty() && static_cast<int>(made.size()) < asked)
        log_line(LogLevel::Warn, std::to_string(asked) + " event loops asked, " + std::to_string(made.size()) +
                                     " started: the limit on open files (ulimit -n) leaves too few descriptors");
    return made;
}

// The main thread's work while serving: reloads on change and on SIGHUP, until
// SIGTERM or SIGINT (taken with sigtimedwait: no handler runs at all).
void serve_signals(const sigset_t& sigs, ConfigStore* store) {
    for (;;) {
        timespec tick{0, 250 * 1000 * 1000};
        int sig = ::sigtimedwait(&sigs, nullptr, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            log_line(LogLevel::Info, std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                                         ": finishing requests in progress");
            return;
        }
        store->poll(sig == SIGHUP);
    }
}

// Tells the loops to stop and waits for them: requests in progress finish, each
// within its own bound (10 s, then 2 s to close). Returns false when some did not.
bool stop_loops(const ServerOptions& opt, Shared* sh, std::vector<std::thread>* threads) {
    sh->stop = true;
    std::uint64_t one = 1;
    if (::write(sh->wake_fd, &one, sizeof one) != static_cast<ssize_t>(sizeof one))
        log_line(LogLevel::Warn, "cannot wake the event loops");
    // A socket of our own stops taking connections at once (a new one gets an error
    // from the web server now, not after the requests in progress): once every loop has
    // let go of it, it is closed, and a unix socket's file removed. One on fd 0 belongs
    // to whoever started us and stays.
    if (!opt.listen.empty()) {
        if (opt.listen.rfind("unix:", 0) == 0) ::unlink(opt.listen.c_str() + 5);
        auto let_go = Clock::now() + seconds(1);
        while (sh->unlistened.load() < sh->loops && Clock::now() < let_go)
            std::this_thread::sleep_for(milliseconds(1));
        if (sh->unlistened.load() == sh->loops) ::close(sh->listen_fd);
    }
    auto deadline = Clock::now() + kRequestTime + kCloseWait + seconds(1);
    while (sh->running.load() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
    if (sh->running.load() > 0) return false;
    for (std::thread& t : *threads) t.join();
    return true;
}

}  // namespace

int run_fastcgi(const ServerOptions& opt) {
    ::signal(SIGPIPE, SIG_IGN);
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
    Shared sh;
    sh.store = &store;
    std::string where, err;
    if (!take_socket(opt, &sh, &where)) return 1;
    bool own_unix = opt.listen.rfind("unix:", 0) == 0;
    if (!switch_user(opt.user, own_unix ? opt.listen.substr(5) : std::string(), &err)) {
        log_line(LogLevel::Error, "not started: " + log_value(err));
        return 1;
    }
    sh.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (sh.wake_fd < 0) {
        log_line(LogLevel::Error, std::string("not started: eventfd: ") + std::strerror(errno));
        return 1;
    }
    std::vector<std::unique_ptr<Loop>> loops = make_loops(opt.threads > 0 ? opt.threads : default_loops(), &sh);
    if (loops.empty()) {
        log_line(LogLevel::Error, "not started: no event loop");
        return 1;
    }
    sh.loops = static_cast<int>(loops.size());
    sh.running = sh.loops;
    std::vector<std::thread> threads;
    for (auto& l : loops) threads.emplace_back([&l] { l->run(); });
    // Only now may a client connect: the user is switched and the loops are there.
    if (!opt.listen.empty() && !start_listening(sh.listen_fd)) {
        log_line(LogLevel::Error, "cannot listen: " + log_value(where) + ": " + std::strerror(errno));
        if (own_unix) ::unlink(opt.listen.c_str() + 5);
        std::_Exit(1);  // the loops wait for a go that never comes
    }
    // Said before the loops accept, so that it comes before any request's line.
    log_line(LogLevel::Info, "serving FastCGI on " + log_value(where) + " with " + std::to_string(loops.size()) +
                                 " event loop" + (loops.size() == 1 ? "" : "s"));
    {
        std::lock_guard<std::mutex> lock(sh.go_mutex);
        sh.go = true;
    }
    sh.go_cv.notify_all();
    serve_signals(sigs, &store);
    if (!stop_loops(opt, &sh, &threads)) {
        log_line(LogLevel::Warn, "stopped with requests still unanswered");
        std::_Exit(0);
    }
    if (!journal_stop()) {  // the lines of the last calls (at most 10 s)
        log_line(LogLevel::Warn, "stopped with journal lines still being written (the disk does not answer)");
        std::_Exit(0);
    }
    log_line(LogLevel::Info, "stopped");
    return 0;
}

}  // namespace cr
