// A thread of its own that writes what others post, through a bounded queue, for the
// writers that must never make an event loop wait: the log's (base/log.h) and the call
// journal's (journal/writer.h). The WriterThread owns its thread: stop() (or the
// destructor) lets it write what waits, within a deadline, and joins it.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace cr {

class WriterThread {
public:
    // What is posted: a line, and what it is for (the journal's path; empty for the log).
    struct Item {
        std::string key, text;
    };
    // Writes one item; runs on the thread, in the order posted. It must not throw or post, and
    // it must not touch what may go before the thread does (see stop): it holds what
    // it needs itself.
    using Write = std::function<void(const Item&)>;

    // At most `max_items` items, and at most `max_bytes` of their text, wait at once.
    WriterThread(Write write, std::size_t max_items, std::size_t max_bytes);
    // stop() with 10 s to write what waits.
    ~WriterThread();
    WriterThread(const WriterThread&) = delete;
    WriterThread& operator=(const WriterThread&) = delete;

    enum class Posted {
        Queued,    // the thread will write it
        Full,      // as many items or bytes wait as may: dropped
        NoThread,  // no memory for it, or no thread could be started: dropped
        Stopped,   // stop() has begun: dropped
    };
    // Hands an item to the thread, which is started by the first one. Never blocks;
    // throws nothing.
    Posted post(std::string_view key, std::string_view text);

    // Whether nothing waits and the thread is not inside a write.
    bool idle() const;

    // Lets the thread write what waits, until `deadline` at the latest, then ends it and
    // joins it. Returns the items given up: those still waiting at the deadline, plus
    // one when the thread was inside a write then (a reader or a disk that does not
    // answer). That thread cannot be joined: it is left to end with the process, holding
    // the state it shares with this object (on the heap, owned by both), so that this
    // object may go and the process exit normally. Later posts are dropped.
    std::size_t stop(std::chrono::steady_clock::time_point deadline);

private:
    struct State;
    static void run(std::shared_ptr<State> st);

    std::shared_ptr<State> state_;
    std::thread thread_;
};

}  // namespace cr
