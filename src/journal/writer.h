// The journal's writer for a FastCGI process, whose event loops must never wait for a
// disk: post() hands a line to a thread of the writer's own, which appends it with
// journal_append (journal/journal.h). The writer owns that thread: stop() (or the
// destructor) writes what waits and joins it.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace cr {

class JournalWriter {
public:
    // At most this many lines wait; past it, lines are dropped (and that is logged once).
    static constexpr std::size_t kMaxWaiting = 10000;

    JournalWriter();
    // stop() with 10 s to write what waits; lines given up then are logged.
    ~JournalWriter();
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;

    // Hands `line` (without its newline) for the journal at `path` to the writer thread,
    // which is started by the first line. Never blocks; the call is answered whatever
    // happens to its line. When kMaxWaiting lines wait, the line is dropped, logged once
    // until lines are taken again; when memory or a thread cannot be had, it is dropped
    // and logged. After stop() has begun, a line is dropped unsaid. Throws only what
    // logging throws (std::bad_alloc).
    void post(const std::string& path, std::string_view line);

    // Writes the lines that wait, until `deadline` at the latest, then ends the thread
    // and joins it. Returns the lines given up: those still waiting at the deadline,
    // plus one when the thread was inside a write then (a disk that does not answer).
    // That thread cannot be joined: it is left to end with the process, holding the
    // state it shares with the writer (State is on the heap, owned by both), so that the
    // writer may go and the process return from main() and exit normally. Logs nothing.
    std::size_t stop(std::chrono::steady_clock::time_point deadline);

private:
    struct State;  // shared with the thread, which outlives the writer only in a write that hangs
    static void run(std::shared_ptr<State> st);
    static void write_line(State* st, const std::string& path, const std::string& line);

    std::shared_ptr<State> state_;
    std::thread thread_;
};

}  // namespace cr
