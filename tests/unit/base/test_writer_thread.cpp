// The writer thread: items written in the order posted, the bounds of the queue, the
// stop within its deadline, and a write that does not return.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/writer_thread.h"

using Clock = std::chrono::steady_clock;
using cr::WriterThread;

TEST_CASE("writer thread: written in order; full at its bounds; dropped after stop") {
    auto written = std::make_shared<std::vector<std::string>>();
    auto gate = std::make_shared<std::mutex>();
    gate->lock();  // the first write waits: the queue fills
    WriterThread w(
        [written, gate](const WriterThread::Item& item) {
            std::lock_guard<std::mutex> lock(*gate);
            written->push_back(item.key + "=" + item.text);
        },
        3, 100);
    // The thread may take "1" at any moment: which posts the queue took is recorded, and
    // exactly those are written, in that order.
    std::vector<std::string> queued;
    for (int i = 1; i < 10; ++i)
        if (w.post("a", std::to_string(i)) == WriterThread::Posted::Queued) queued.push_back("a=" + std::to_string(i));
    CHECK(queued.size() >= 3);  // 3 wait at most, and one may be in the blocked write
    CHECK(queued.size() <= 4);
    CHECK(queued[0] == "a=1");
    CHECK(w.post("b", std::string(200, 'x')) == WriterThread::Posted::Full);  // more bytes than may wait
    gate->unlock();
    CHECK(w.stop(Clock::now() + std::chrono::seconds(10)) == 0);
    CHECK(*written == queued);
    CHECK(w.post("a", "late") == WriterThread::Posted::Stopped);
}

TEST_CASE("writer thread: a write that does not return is left behind at the deadline, counted, and the owner goes") {
    auto release = std::make_shared<std::atomic<bool>>(false);
    auto started = std::make_shared<std::atomic<bool>>(false);
    auto done = std::make_shared<std::atomic<int>>(0);
    Clock::duration took{};
    {
        WriterThread w(
            [release, started, done](const WriterThread::Item&) {
                *started = true;
                while (!*release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                ++*done;
            },
            10, 1000);
        w.post("", "stuck");
        w.post("", "waiting");
        for (int i = 0; i < 1000 && !*started; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        REQUIRE(*started);  // the thread is inside the first write
        auto t0 = Clock::now();
        CHECK(w.stop(t0 + std::chrono::milliseconds(200)) == 2);  // one waiting, one hung
        took = Clock::now() - t0;
    }                                       // the WriterThread is gone; its detached thread still holds the state
    CHECK(took < std::chrono::seconds(5));  // not held by the write
    *release = true;                        // the write returns: the thread ends on its own
    for (int i = 0; i < 1000 && *done == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(*done == 1);  // the waiting one was given up
}
