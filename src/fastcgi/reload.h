// The rules in force in a FastCGI process: loaded at start, reloaded when a file
// they read changes (or on SIGHUP), swapped whole; a load that fails leaves the last
// good rules in force.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/file.h"
#include "rules/model.h"

namespace cr {

// load() and poll() are called from one thread (the main one); current() from any.
// Requests hold the version they began with.
class RuleStore {
public:
    explicit RuleStore(std::string path) : path_(std::move(path)) {}

    // Loads the rules. Returns false (logging each problem) when they do not load.
    // Then it watches the files the loaded or refused rules read or tried to read,
    // each with its stamp as read (so that a change while loading is seen after it):
    // a list file that refused rules lack is noticed when it comes, and a file they no
    // longer name does not count. A retry (see poll) that fails as the last attempt
    // did logs one line at debug level only.
    bool load(const char* why, bool retry = false);

    // Reloads when a watched file changed and has stayed unchanged for one more
    // poll (a file caught mid-write is not taken), or at once when forced (SIGHUP).
    // A reload refused because a file could not be read for a transient reason (no
    // file descriptor or memory left, an I/O error) is tried again 1 s later and then
    // at doubling intervals up to a minute, so that the old rules do not stay until
    // the next change; a refusal for what a file says is not retried.
    void poll(bool force);

    std::shared_ptr<const RuleSet> current() const { return std::atomic_load(&current_); }

private:
    using Clock = std::chrono::steady_clock;
    static constexpr Clock::duration kRetryFirst = std::chrono::seconds(1), kRetryMax = std::chrono::seconds(60);

    std::string path_;
    std::shared_ptr<const RuleSet> current_;
    std::vector<std::string> files_;  // watched, with their stamps as last read
    std::vector<FileStamp> stamps_, pending_;
    std::vector<std::string> last_errors_;  // of the last failed load; empty after a good one
    bool retrying_ = false;                 // the last load failed for a transient reason
    Clock::time_point retry_at_;
    Clock::duration retry_delay_ = kRetryFirst;
};

}  // namespace cr
