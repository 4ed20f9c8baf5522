// The FastCGI journal writer: it owns its thread, writes every line posted before
// stop() within the deadline, and joins the thread, so that nothing waits on it at exit.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "journal/writer.h"
#include "support.h"

namespace {

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("journal writer: every line posted before stop is written, in order, and the thread is joined") {
    test::TempDir dir;
    const std::string path = dir.path() + "/calls.jsonl";
    cr::JournalWriter w;
    for (int i = 0; i < 1000; ++i) w.post(path, "{\"n\":\"" + std::to_string(i) + "\"}");
    CHECK(w.stop(std::chrono::steady_clock::now() + std::chrono::seconds(10)) == 0);
    std::vector<std::string> lines = lines_of(path);
    REQUIRE(lines.size() == 1000);
    for (int i = 0; i < 1000; ++i) CHECK(lines[static_cast<std::size_t>(i)] == "{\"n\":\"" + std::to_string(i) + "\"}");
    CHECK(w.stop(std::chrono::steady_clock::now()) == 0);  // a second stop finds no thread
}

TEST_CASE("journal writer: lines from several threads all arrive; the destructor writes what waits") {
    test::TempDir dir;
    const std::string path = dir.path() + "/calls.jsonl";
    {
        cr::JournalWriter w;
        std::vector<std::thread> posters;
        for (int t = 0; t < 4; ++t)
            posters.emplace_back([&w, &path, t] {
                for (int i = 0; i < 250; ++i) w.post(path, "t" + std::to_string(t) + "-" + std::to_string(i));
            });
        for (std::thread& p : posters) p.join();
    }  // no stop(): the destructor's
    CHECK(lines_of(path).size() == 1000);
}

TEST_CASE("journal writer: a writer that never got a line stops at once, with no thread to join") {
    cr::JournalWriter w;
    auto t0 = std::chrono::steady_clock::now();
    CHECK(w.stop(t0 + std::chrono::seconds(10)) == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
}

TEST_CASE("journal writer: a journal that cannot be written loses its lines, and stop still returns in time") {
    test::TempDir dir;
    cr::JournalWriter w;
    for (int i = 0; i < 10; ++i) w.post(dir.path() + "/no/such/folder/calls.jsonl", "x");
    auto t0 = std::chrono::steady_clock::now();
    CHECK(w.stop(t0 + std::chrono::seconds(10)) == 0);  // none waits: each was tried and failed
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}
