#include "fastcgi/reload.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>

#include "base/log.h"
#include "rules/load.h"

namespace cr {

bool RuleStore::load(const char* why, bool retry) {
    std::vector<std::string> errors;
    LoadReport info;
    auto t0 = Clock::now();
    std::shared_ptr<const RuleSet> c = load_rule_set(path_, &errors, &info);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    files_ = info.files;
    stamps_ = info.stamps;
    if (!c) {
        if (retry && errors == last_errors_) {
            log_line(LogLevel::Debug, std::string(why) + ": failed as before");
        } else {
            for (const std::string& e : errors) log_line(LogLevel::Error, log_text(e));
            if (current())
                log_line(LogLevel::Error, std::string(why) + " refused: " + std::to_string(errors.size()) +
                                              " problem(s); the last good rules stay in force");
        }
        last_errors_ = errors;
        if (!retry) retry_delay_ = kRetryFirst;
        retrying_ = info.transient;
        retry_at_ = Clock::now() + retry_delay_;
        retry_delay_ = std::min(retry_delay_ * 2, kRetryMax);
        return false;
    }
    last_errors_.clear();
    retrying_ = false;
    log_set_level(c->settings.log);
    std::atomic_store(&current_, c);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
    // Logged after the swap: when the line is there, the rules are in force.
    log_line(LogLevel::Info, std::string(why) + ": " + log_value(path_) + ": " + std::to_string(c->rules.size()) +
                                 " rules, " + std::to_string(c->lists.size()) + " lists, loaded in " + buf);
    for (const std::string& w : c->warnings) log_line(LogLevel::Warn, log_text(w));
    for (const std::string& w : c->serving_warnings) log_line(LogLevel::Warn, log_text(w));
    return true;
}

void RuleStore::poll(bool force) {
    if (force) {
        pending_.clear();
        load("reload on SIGHUP");
        return;
    }
    std::vector<FileStamp> now;
    for (const std::string& f : files_) now.push_back(file_stamp(f));
    if (now == stamps_) {
        pending_.clear();
        if (retrying_ && Clock::now() >= retry_at_) {
            load("reload retried", true);
        } else if (std::shared_ptr<const RuleSet> c = current();
                   c && c->refresh_at && std::time(nullptr) >= c->refresh_at && Clock::now() >= retry_at_) {
            // The calendars' window moves on a day: loaded again, as on a change (a
            // failure keeps the last good rules, and is tried again a minute later).
            // As a retry: the same problems again are said at debug level only.
            if (!load("reload for the calendars' window", true)) retry_at_ = Clock::now() + std::chrono::seconds(60);
        }
        return;
    }
    if (now != pending_) {
        pending_ = now;
        return;
    }
    pending_.clear();
    load("reload on change");
}

}  // namespace cr
