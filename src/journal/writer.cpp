#include "journal/writer.h"

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <new>
#include <system_error>
#include <utility>

#include "base/log.h"
#include "journal/journal.h"

namespace cr {

struct JournalWriter::State {
    std::mutex mutex;
    std::condition_variable wake, done;
    std::deque<std::pair<std::string, std::string>> queue;  // lines with their journal's path
    bool writing = false;                                   // the thread is inside journal_append
    bool quit = false;                                      // stop() asked the thread to end once the queue is empty
    bool dropping = false;                                  // lines are being dropped (said once)
    bool failing = false;                                   // the last append failed (said once, until one works again)
};

JournalWriter::JournalWriter() : state_(std::make_shared<State>()) {}

JournalWriter::~JournalWriter() {
    if (std::size_t lost = stop(std::chrono::steady_clock::now() + std::chrono::seconds(10)))
        log_line(LogLevel::Warn, "journal: " + std::to_string(lost) + " line(s) not written at exit; given up");
}

void JournalWriter::post(const std::string& path, std::string_view line) {
    const char* why = nullptr;  // the line was dropped, and this is to be said
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        if (state_->quit) return;
        try {
            if (!thread_.joinable()) thread_ = std::thread(run, state_);
            if (state_->queue.size() >= kMaxWaiting) {
                if (!state_->dropping) why = "full";
                state_->dropping = true;
            } else {
                state_->queue.emplace_back(path, std::string(line));
                state_->dropping = false;
                state_->wake.notify_one();
            }
        } catch (const std::bad_alloc&) {
            why = "no memory for the line";
        } catch (const std::system_error&) {
            why = "no thread to write it";
        }
    }
    if (!why) return;
    if (why == std::string_view("full"))
        log_line(LogLevel::Error, "journal " + log_text(path) + ": " + std::to_string(kMaxWaiting) +
                                      " lines wait to be written; lines are dropped until they are");
    else
        log_line(LogLevel::Error,
                 "journal " + log_text(path) + ": a line is dropped (" + why + "); the call is answered all the same");
}

std::size_t JournalWriter::stop(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(state_->mutex);
    if (!thread_.joinable()) {
        state_->quit = true;  // a line posted from now on is dropped
        return 0;
    }
    state_->done.wait_until(lock, deadline, [&] { return state_->queue.empty() && !state_->writing; });
    std::size_t lost = state_->queue.size();
    state_->queue.clear();  // what the disk did not take in time is given up
    state_->quit = true;
    state_->wake.notify_all();
    const bool hung = state_->writing;
    lock.unlock();
    if (hung) {
        thread_.detach();  // inside a write that does not return: it keeps the state alive
        return lost + 1;
    }
    thread_.join();
    return lost;
}

// The thread: writes the lines in the order posted until told to quit with nothing
// left. It holds the state too, so that it may outlive the writer (see stop).
void JournalWriter::run(std::shared_ptr<State> st) {
    std::unique_lock<std::mutex> lock(st->mutex);
    for (;;) {
        st->wake.wait(lock, [&] { return !st->queue.empty() || st->quit; });
        if (st->queue.empty()) return;
        std::pair<std::string, std::string> item = std::move(st->queue.front());
        st->queue.pop_front();
        st->writing = true;
        lock.unlock();
        write_line(st.get(), item.first, item.second);
        lock.lock();
        st->writing = false;
        if (st->queue.empty()) st->done.notify_all();
    }
}

// Appends one line and says when appending starts to fail and when it works again.
void JournalWriter::write_line(State* st, const std::string& path, const std::string& line) {
    std::string err;
    bool ok = false;
    try {
        ok = journal_append(path, line, &err);
    } catch (const std::bad_alloc&) {  // no memory even for the failure's message
        err = "cannot append: " + std::string(std::strerror(ENOMEM));
    }
    if (!ok && !st->failing)
        log_line(LogLevel::Error, "journal " + log_text(path) + ": " + err +
                                      "; calls are answered but not recorded (said once, until it works again)");
    if (ok && st->failing) log_line(LogLevel::Info, "journal " + log_text(path) + ": appending again");
    st->failing = !ok;  // the thread's alone
}

}  // namespace cr
