#include "base/writer_thread.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <new>
#include <system_error>
#include <utility>

namespace cr {

struct WriterThread::State {
    State(Write w, std::size_t items, std::size_t most) : write(std::move(w)), max_items(items), max_bytes(most) {}
    const Write write;
    const std::size_t max_items, max_bytes;
    std::mutex mutex;
    std::condition_variable wake, done;
    std::deque<Item> queue;
    std::size_t bytes = 0;  // of the texts in the queue
    bool writing = false;   // the thread is inside write
    bool quit = false;      // stop() has begun: the thread ends once the queue is empty
};

WriterThread::WriterThread(Write write, std::size_t max_items, std::size_t max_bytes)
    : state_(std::make_shared<State>(std::move(write), max_items, max_bytes)) {}

WriterThread::~WriterThread() { stop(std::chrono::steady_clock::now() + std::chrono::seconds(10)); }

WriterThread::Posted WriterThread::post(std::string_view key, std::string_view text) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->quit) return Posted::Stopped;
    if (state_->queue.size() >= state_->max_items || text.size() > state_->max_bytes - state_->bytes)
        return Posted::Full;
    try {
        if (!thread_.joinable()) thread_ = std::thread(run, state_);
        state_->queue.push_back(Item{std::string(key), std::string(text)});
    } catch (const std::bad_alloc&) {
        return Posted::NoThread;
    } catch (const std::system_error&) {
        return Posted::NoThread;
    }
    state_->bytes += text.size();
    state_->wake.notify_one();
    return Posted::Queued;
}

bool WriterThread::idle() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->queue.empty() && !state_->writing;
}

std::size_t WriterThread::stop(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->quit = true;  // a post from now on is dropped
    if (!thread_.joinable()) return 0;
    state_->done.wait_until(lock, deadline, [&] { return state_->queue.empty() && !state_->writing; });
    std::size_t lost = state_->queue.size();
    state_->queue.clear();  // what was not written in time is given up
    state_->bytes = 0;
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

// The thread: writes the items in the order posted until told to quit with nothing
// left. It holds the state too, so that it may outlive the WriterThread (see stop).
void WriterThread::run(std::shared_ptr<State> st) {
    std::unique_lock<std::mutex> lock(st->mutex);
    for (;;) {
        st->wake.wait(lock, [&] { return !st->queue.empty() || st->quit; });
        if (st->queue.empty()) return;
        Item item = std::move(st->queue.front());
        st->queue.pop_front();
        st->bytes -= item.text.size();
        st->writing = true;
        lock.unlock();
        st->write(item);
        lock.lock();
        st->writing = false;
        if (st->queue.empty()) st->done.notify_all();
    }
}

}  // namespace cr
