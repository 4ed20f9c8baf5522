#include "fastcgi/server.h"

#include <sys/eventfd.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "base/fd.h"
#include "base/log.h"
#include "fastcgi/listener.h"
#include "fastcgi/loop.h"
#include "fastcgi/privilege.h"
#include "fastcgi/reload.h"
#include "journal/writer.h"

namespace cr {

namespace {

using bounds::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// From SIGTERM to the exit, at the most: the requests in progress (kRequestTime, then
// kCloseWait), then the journal lines still waiting; within systemd's TimeoutStopSec
// of the shipped unit (15 s).
constexpr Clock::duration kStopAll = seconds(14);

// The event loops' threads. They wait for go() before they accept; when the
// LoopThreads goes, the loops are told to stop (and to go, if they had not) and joined.
class LoopThreads {
public:
    explicit LoopThreads(LoopShared* sh) : sh_(sh) {}
    ~LoopThreads() {
        if (threads_.empty()) return;
        tell_stop(sh_);
        go();
        join();
    }
    // Starts one thread per loop. Returns false (logged) when a thread cannot be had.
    bool start(std::vector<std::unique_ptr<Loop>>* loops) {
        try {
            for (auto& l : *loops) {
                Loop* loop = l.get();
                threads_.emplace_back([loop] { loop->run(); });
            }
            return true;
        } catch (const std::system_error& e) {
            log_line(LogLevel::Error, std::string("not started: cannot start an event loop: ") + e.what());
            sh_->running -= static_cast<int>(loops->size() - threads_.size());
            return false;
        }
    }
    // Lets the loops accept.
    void go() {
        {
            std::lock_guard<std::mutex> lock(sh_->go_mutex);
            sh_->go = true;
        }
        sh_->go_cv.notify_all();
    }
    // Waits for every loop's thread to end; they must have been told to stop.
    void join() {
        for (std::thread& t : threads_) t.join();
        threads_.clear();
    }
    // Tells the loops to stop: the flag, then the wake descriptor, which every loop watches.
    static void tell_stop(LoopShared* sh) {
        if (sh->stop.exchange(true)) return;
        std::uint64_t one = 1;
        if (::write(sh->wake_fd, &one, sizeof one) != static_cast<ssize_t>(sizeof one))
            log_line(LogLevel::Warn, "cannot wake the event loops");
    }

private:
    LoopShared* sh_;
    std::vector<std::thread> threads_;
};

// Takes the socket to serve on: the one on fd 0, or one of our own, bound (it listens
// only once the user is switched). Logs why not.
bool take_socket(const ServerOptions& opt, Listener* listener, std::string* where) {
    std::string err;
    bool ok;
    if (opt.listen.empty()) {
        *where = "the socket on fd 0";
        ok = listener->adopt_fd0(&err);
    } else {
        ListenSpec spec;
        if (!parse_listen(opt.listen, &spec, &err) || !listener->open(spec, opt.socket_mode, &err)) {
            log_line(LogLevel::Error, "cannot listen: " + log_value(err));
            return false;
        }
        *where = opt.listen;
        ok = true;
    }
    if (!ok || !listener->prepare(&err)) {
        log_line(LogLevel::Error, "not a socket to listen on: " + log_value(*where) + ": " + err);
        return false;
    }
    return true;
}

// The main thread's work while serving: reloads on change and on SIGHUP, until SIGTERM
// or SIGINT (taken with sigtimedwait: no handler runs at all). Returns the moment the
// stop was asked, from which the stop's bounds are counted.
Clock::time_point serve_signals(const sigset_t& sigs, RuleStore* store) {
    for (;;) {
        timespec tick{0, 250 * 1000 * 1000};
        int sig = ::sigtimedwait(&sigs, nullptr, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            log_line(LogLevel::Info, std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                                         ": finishing requests in progress");
            return Clock::now();
        }
        store->poll(sig == SIGHUP);
    }
}

// Stops the loops and waits for them: requests in progress finish, each within its own
// bound (kRequestTime, then kCloseWait to close), all by `asked` + 13 s. A socket of our
// own stops taking connections at once (a new one gets an error from the web server
// now, not after the requests in progress): its file is removed, and once every loop
// has let go of it, it is closed. Returns false when some loop did not finish in time.
bool stop_loops(LoopShared* sh, Listener* listener, LoopThreads* threads, Clock::time_point asked) {
    LoopThreads::tell_stop(sh);
    listener->remove_file();
    auto let_go = Clock::now() + seconds(1);
    while (sh->unlistened.load() < sh->loops && Clock::now() < let_go) std::this_thread::sleep_for(milliseconds(1));
    if (sh->unlistened.load() == sh->loops) listener->close();
    auto deadline = asked + bounds::kRequestTime + bounds::kCloseWait + seconds(1);
    while (sh->running.load() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
    if (sh->running.load() > 0) return false;
    threads->join();
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

    // Each step owns what it made: a `return 1` undoes what came before (the socket's
    // file is removed, descriptors closed, threads joined), as slowcgi's main() would.
    LogThread log;  // no log line may block a loop (base/log.h)
    RuleStore store(opt.config_path);
    if (!store.load("start")) {
        log_line(LogLevel::Error, "not started: the rule file does not load");
        return 1;
    }
    Listener listener;
    std::string where, err;
    if (!take_socket(opt, &listener, &where)) return 1;
    if (!switch_user(opt.user, listener.unix_path(), &err)) {
        log_line(LogLevel::Error, "not started: " + log_value(err));
        return 1;
    }
    UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake) {
        log_line(LogLevel::Error, std::string("not started: eventfd: ") + std::strerror(errno));
        return 1;
    }
    JournalWriter journal;
    LoopShared sh;
    sh.listen_fd = listener.fd();
    sh.tcp = listener.tcp();
    sh.wake_fd = wake.get();
    sh.store = &store;
    sh.journal = &journal;
    std::vector<std::unique_ptr<Loop>> loops = make_loops(opt.threads > 0 ? opt.threads : default_loops(), &sh);
    if (loops.empty()) {
        log_line(LogLevel::Error, "not started: no event loop");
        return 1;
    }
    sh.loops = static_cast<int>(loops.size());
    sh.running = sh.loops;
    LoopThreads threads(&sh);
    if (!threads.start(&loops)) return 1;
    // Only now may a client connect: the user is switched and the loops are there.
    if (!opt.listen.empty() && !listener.listen(&err)) {
        log_line(LogLevel::Error, "cannot listen: " + log_value(where) + ": " + err);
        return 1;
    }
    // Said before the loops accept, so that it comes before any request's line.
    log_line(LogLevel::Info, "serving FastCGI on " + log_value(where) + " with " + std::to_string(loops.size()) +
                                 " event loop" + (loops.size() == 1 ? "" : "s"));
    threads.go();
    const Clock::time_point asked = serve_signals(sigs, &store);
    if (!stop_loops(&sh, &listener, &threads, asked)) {
        log_line(LogLevel::Warn, "stopped with requests still unanswered");
        log.stop(asked + kStopAll);
        std::_Exit(0);  // a loop still inside its bounds cannot be joined
    }
    // The lines of the last calls, then the log's, within the stop's bound.
    const std::size_t lost = journal.stop(asked + kStopAll - milliseconds(500));
    if (lost)
        log_line(LogLevel::Warn,
                 "journal: " + std::to_string(lost) +
                     " line(s) not written within the stop's bound (the disk does not answer); given up");
    log_line(LogLevel::Info, "stopped");
    log.stop(asked + kStopAll);
    return 0;
}

}  // namespace cr
