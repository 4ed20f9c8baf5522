#include "switches/cache.h"

#include "base/log.h"

namespace cr {

std::shared_ptr<const SwitchStates> SwitchCache::get(const std::string& path) {
    const FileStamp now = path.empty() ? FileStamp() : file_stamp(path);
    std::lock_guard<std::mutex> hold(mu_);
    if (read_ && path == path_ && now == stamp_) return states_;
    auto s = std::make_shared<SwitchStates>();
    std::string err;
    if (!path.empty() && !read_switch_states(path, s.get(), &err)) {
        log_line(LogLevel::Warn, "switches " + log_text(path) + ": " + err + ": every switch is at its default");
        *s = SwitchStates();
    }
    path_ = path;
    stamp_ = now;
    read_ = true;
    states_ = std::move(s);
    return states_;
}

}  // namespace cr
