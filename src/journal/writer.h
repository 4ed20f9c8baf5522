// The journal's writer for a FastCGI process, whose event loops must never wait for a
// disk: post() hands a line to a thread of the writer's own (base/writer_thread.h),
// which appends it to the journal it keeps open (journal/journal.h, JournalFile).
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/writer_thread.h"

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

    // Hands `line` (without its newline) for the journal at `path` to the writer thread.
    // Never blocks; the call is answered whatever happens to its line. When kMaxWaiting
    // lines wait, the line is dropped, logged once until lines are taken again; when
    // memory or a thread cannot be had, it is dropped and logged. After stop() has
    // begun, a line is dropped unsaid. Throws only what logging throws (std::bad_alloc).
    void post(const std::string& path, std::string_view line);

    // Writes the lines that wait, until `deadline` at the latest, then ends the thread
    // and joins it. Returns the lines given up (WriterThread::stop). Logs nothing.
    std::size_t stop(std::chrono::steady_clock::time_point deadline);

private:
    struct Appender;                     // the thread's: the journal file, and whether appending fails
    std::atomic<bool> dropping_{false};  // lines are being dropped for a full queue (said once)
    WriterThread thread_;
};

}  // namespace cr
