#include "fastcgi/loop.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "base/log.h"
#include "fastcgi/protocol.h"
#include "fastcgi/responder.h"

namespace cr {

using namespace bounds;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr Clock::duration kTick = milliseconds(100);  // how often the bounds are looked at
constexpr Clock::duration kAcceptPause = milliseconds(100);

// A bound for a log line: "10 s".
std::string secs(Clock::duration d) { return std::to_string(std::chrono::duration_cast<seconds>(d).count()) + " s"; }

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

// One connection: the FastCGI state of it, the request in progress (Responder),
// and the times that bound it.
struct Conn {
    Conn(LoopShared* s, UniqueFd f, Clock::time_point now)
        : responder([s] { return s->store->current(); }, s->journal), sock(std::move(f)), fd(sock.get()), since(now) {}

    std::size_t unsent() const { return proto.output().size() - sent; }
    // Between requests, nothing to send, nothing more to come: may be closed without loss.
    bool idle() const { return !proto.busy() && unsent() == 0 && !closing && !proto.input_may_follow(); }
    // Nothing has come that is not read yet: a request on its way would be lost with the
    // connection (a peer that closed counts as nothing).
    bool nothing_pending() const {
        char b;
        return ::recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
    }
    // Idle after a request: what makes room first (once nothing_pending() says so). A new
    // connection whose request may be on its way is not one.
    bool kept_idle() const { return idle() && proto.ended() > 0; }

    Responder responder;
    UniqueFd sock;  // closed with the connection
    int fd;         // sock's, for the system calls
    fcgi::Connection proto{&responder, fcgi::Limits{kMaxConns}};
    Clock::time_point since;          // accepted, or its last answer: how long it has idled
    Clock::time_point request_start;  // the request in progress began
    Clock::time_point write_start;    // output has waited since
    Clock::time_point close_by;       // closing: the peer has until then
    bool closing = false;             // the write side is shut; waiting for the peer to close
    std::size_t close_bytes = 0;
    std::size_t sent = 0;            // of proto.output()
    unsigned begun = 0, ended = 0;   // proto's counts as last seen
    std::uint32_t events = EPOLLIN;  // as registered with epoll
};

Loop::Loop(LoopShared* shared, UniqueFd epoll) : sh_(shared), ep_(std::move(epoll)) {}

Loop::~Loop() = default;

void Loop::run() {
    {
        std::unique_lock<std::mutex> lock(sh_->go_mutex);
        sh_->go_cv.wait(lock, [this] { return sh_->go; });
    }
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.fd = sh_->wake_fd;
    ::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, sh_->wake_fd, &wake);
    epoll_event evs[64];
    for (;;) {
        Clock::time_point now = Clock::now();
        if (!stopping_ && sh_->stop.load()) {
            stopping_ = true;
            set_accepting(false);
            sh_->unlistened.fetch_add(1);
            ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, sh_->wake_fd, nullptr);  // it stays readable
            check_times(now);
        }
        if (stopping_ && conns_.empty()) break;
        if (!accepting_ && !stopping_ && now >= resume_at_) set_accepting(true);
        int timeout = conns_.empty() && accepting_
                          ? -1
                          : static_cast<int>(std::chrono::duration_cast<milliseconds>(kTick).count());
        int n = ::epoll_wait(ep_.get(), evs, 64, timeout);
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
        if (::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, sh_->listen_fd, &ev) != 0) return;
    } else {
        ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, sh_->listen_fd, nullptr);
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
        UniqueFd sock(::accept4(sh_->listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        const int fd = sock.get();
        if (!sock) {
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
        if (::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
            complain("epoll_ctl failed", now);
            sh_->conns.fetch_sub(1);
            continue;
        }
        auto c = std::make_unique<Conn>(sh_, std::move(sock), now);
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
        ::epoll_ctl(ep_.get(), EPOLL_CTL_MOD, c->fd, &ev);
        c->events = want;
    }
}

void Loop::close_conn(Conn* c) {
    int fd = c->fd;
    ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, fd, nullptr);
    conns_.erase(fd);  // closes it
    sh_->conns.fetch_sub(1);
    resume_at_ = Clock::time_point{};  // a descriptor and a place are free: accept again at once
}

bool Loop::close_oldest_idle() {
    std::vector<Conn*> idle;
    for (auto& [fd, c] : conns_)
        if (c->kept_idle()) idle.push_back(c.get());
    std::sort(idle.begin(), idle.end(), [](const Conn* a, const Conn* b) { return a->since < b->since; });
    for (Conn* c : idle) {
        if (!quiet(c)) continue;
        log_line(LogLevel::Debug, "fastcgi: closed the oldest idle connection to make room");
        close_conn(c);
        return true;
    }
    return false;
}

// Whether an idle connection may be closed without losing a request: nothing has come
// that is not read, looked at right before the close. On a unix socket its reading
// side is shut first, so that a request the web server sends from then on fails at its
// end (EPIPE: it knows the request was not received), and one that came in between is
// still read,
// answered, and then the connection closes.
bool Loop::quiet(Conn* c) {
    if (!c->nothing_pending()) return false;
    if (sh_->tcp) return true;
    ::shutdown(c->fd, SHUT_RD);
    return c->nothing_pending();
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
            log_line(LogLevel::Warn, "fastcgi: the web server did not take its answer for " + secs(kWriteStall) +
                                         "; connection closed");
            over = true;
        } else if (c->proto.busy()) {
            if (now - c->request_start > kRequestTime) {
                if (c->proto.reading_body()) {
                    c->proto.end_of_input();  // decided on what came, and logged
                    if (c->unsent())
                        ::send(c->fd, c->proto.output().data() + c->sent, c->unsent(), MSG_NOSIGNAL | MSG_DONTWAIT);
                }
                log_line(LogLevel::Warn,
                         "fastcgi: request not complete after " + secs(kRequestTime) + "; connection closed");
                over = true;
            }
        } else if (stopping_ && c->idle() && quiet(c.get())) {
            over = true;
        } else if (stopping_ && c->proto.input_may_follow() && !c->unsent()) {
            ::shutdown(c->fd, SHUT_WR);  // the rest of a request answered early may come: let it
            c->closing = true;
            c->close_by = now + kCloseWait;
        } else if (c->proto.ended() == 0 && now - c->since > kFirstRequest) {
            log_line(LogLevel::Debug,
                     "fastcgi: no request within " + secs(kFirstRequest) + " of connecting; connection closed");
            over = true;
        } else if (now - c->since > kIdleKept) {
            log_line(LogLevel::Debug, "fastcgi: kept connection idle for " + secs(kIdleKept) + "; closed");
            over = true;
        }
        if (over) late.push_back(c.get());
    }
    for (Conn* c : late) close_conn(c);
    if (sh_->make_room.load() && close_oldest_idle()) sh_->make_room = false;
}

int default_loops() {
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : static_cast<int>(n);
}

std::vector<std::unique_ptr<Loop>> make_loops(int asked, LoopShared* sh) {
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
            if (made.empty())
                log_line(LogLevel::Error,
                         std::string("cannot make an event loop: epoll_create1: ") + std::strerror(errno));
            break;
        }
        made.push_back(std::make_unique<Loop>(sh, UniqueFd(ep)));
    }
    if (!made.empty() && static_cast<int>(made.size()) < asked)
        log_line(LogLevel::Warn, std::to_string(asked) + " event loops asked, " + std::to_string(made.size()) +
                                     " started: the limit on open files (ulimit -n) leaves too few descriptors");
    return made;
}

}  // namespace cr
