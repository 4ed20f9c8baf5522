#include "journal/writer.h"

#include <cerrno>
#include <cstring>
#include <new>

#include "base/log.h"
#include "journal/journal.h"

namespace cr {

// What the writer thread holds: the journal it keeps open (with a descriptor in
// reserve), and whether the last append failed, so that a broken journal is said
// once, and again when it works.
struct JournalWriter::Appender {
    JournalFile file{true};
    bool failing = false;

    void operator()(const WriterThread::Item& item) {
        std::string err;
        bool ok = false;
        try {
            ok = file.append(item.key, item.text, &err);
            if (!ok && !failing)
                log_line(LogLevel::Error,
                         "journal " + log_text(item.key) + ": " + err +
                             "; calls are answered but not recorded (said once, until it works again)");
            if (ok && failing) log_line(LogLevel::Info, "journal " + log_text(item.key) + ": appending again");
        } catch (const std::bad_alloc&) {  // no memory for the message: the line's fate is unsaid
        }
        failing = !ok;
    }
};

JournalWriter::JournalWriter()
    : thread_([a = std::make_shared<Appender>()](const WriterThread::Item& item) { (*a)(item); }, kMaxWaiting,
              std::size_t{1} << 30) {}

JournalWriter::~JournalWriter() {
    if (std::size_t lost = stop(std::chrono::steady_clock::now() + std::chrono::seconds(10)))
        log_line(LogLevel::Warn, "journal: " + std::to_string(lost) + " line(s) not written at exit; given up");
}

void JournalWriter::post(const std::string& path, std::string_view line) {
    switch (thread_.post(path, line)) {
    case WriterThread::Posted::Queued: dropping_ = false; return;
    case WriterThread::Posted::Stopped: return;
    case WriterThread::Posted::Full:
        if (dropping_.exchange(true)) return;
        log_line(LogLevel::Error, "journal " + log_text(path) + ": " + std::to_string(kMaxWaiting) +
                                      " lines wait to be written; lines are dropped until they are");
        return;
    case WriterThread::Posted::NoThread:
        log_line(LogLevel::Error, "journal " + log_text(path) +
                                      ": a line is dropped (no memory, or no thread to write it); the call is answered "
                                      "all the same");
        return;
    }
}

std::size_t JournalWriter::stop(std::chrono::steady_clock::time_point deadline) { return thread_.stop(deadline); }

}  // namespace cr
