// The event loops of a FastCGI process: each accepts from the shared listening socket,
// reads records, decides each request in the loop (fastcgi/responder.h) and writes the
// answers for its own connections, and enforces the bounds below on each of them.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/fd.h"
#include "fastcgi/reload.h"
#include "journal/writer.h"

namespace cr {

// The bounds on what a peer controls (callrouter(8), LIMITS).
namespace bounds {
using Clock = std::chrono::steady_clock;
constexpr unsigned kMaxConns = 1024;                                 // connections at once, per process
constexpr Clock::duration kRequestTime = std::chrono::seconds(10);   // BEGIN_REQUEST to the answer
constexpr Clock::duration kFirstRequest = std::chrono::seconds(10);  // a new connection, to its first request
constexpr Clock::duration kIdleKept = std::chrono::seconds(60);      // a kept connection between requests
constexpr Clock::duration kWriteStall = std::chrono::seconds(10);    // an answer the peer does not read
constexpr Clock::duration kCloseWait = std::chrono::seconds(2);      // after the last answer, for the peer to close
constexpr std::size_t kCloseBytes = 1 << 20;                         // dropped while waiting for that
constexpr std::size_t kOutputHigh = 64 * 1024;                       // unsent output that stops the reading
}  // namespace bounds

// What the event loops share.
struct LoopShared {
    int listen_fd = -1;
    bool tcp = false;
    int wake_fd = -1;  // an eventfd that turns readable once, when the stop is asked
    RuleStore* store = nullptr;
    JournalWriter* journal = nullptr;
    std::atomic<bool> stop{false};
    std::atomic<unsigned> conns{0};
    int loops = 0;
    std::atomic<int> running{0};
    std::atomic<int> unlistened{0};      // loops that no longer accept, once stopping
    std::atomic<bool> make_room{false};  // a loop at the limit found no idle connection of its own
    // The loops wait for `go` before they accept: set once the socket listens and the
    // start is logged (or the start failed), so that no request's line comes before that.
    std::mutex go_mutex;
    std::condition_variable go_cv;
    bool go = false;
};

struct Conn;

// One event loop, with its epoll descriptor and its connections.
class Loop {
public:
    Loop(LoopShared* shared, UniqueFd epoll);
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    // Waits for LoopShared::go, then serves until the stop is asked (LoopShared::stop,
    // and the wake descriptor) and its connections are done, each within its bounds;
    // then counts itself out of `running`.
    void run();

private:
    using Clock = bounds::Clock;

    void accept_some(Clock::time_point now);
    void read_from(Conn* c, Clock::time_point now);
    void flush(Conn* c, Clock::time_point now);
    void close_conn(Conn* c);
    void check_times(Clock::time_point now);
    bool close_oldest_idle();
    bool quiet(Conn* c);
    void set_accepting(bool on);
    void complain(const char* what, Clock::time_point now);

    LoopShared* sh_;
    UniqueFd ep_;
    std::unordered_map<int, std::unique_ptr<Conn>> conns_;
    bool accepting_ = false, stopping_ = false;
    Clock::time_point resume_at_{}, last_complaint_{}, last_check_{};
    char buf_[65536];
};

// Makes the event loops: `asked` of them, or fewer when the limit on open files would
// leave too few descriptors (each loop holds one; at least three more per loop are left
// for connections and reloads), with a warning. None: logged, empty.
std::vector<std::unique_ptr<Loop>> make_loops(int asked, LoopShared* sh);

// The number of event loops when --threads is not given: the online cores.
int default_loops();

}  // namespace cr
