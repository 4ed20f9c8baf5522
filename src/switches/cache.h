// The switches as a process that answers calls sees them: the state file read again
// when it changed (one stat(2) a request), so that a FastCGI process sees a switch
// set by another process at its next request, without a reload.
#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "base/file.h"
#include "switches/state.h"

namespace cr {

class SwitchCache {
public:
    // The states in `path` now (an empty `path`: none). A file that cannot be read or is
    // broken gives no entry, so that every switch is at its default, and that is logged
    // once for each version of the file. Safe from any number of threads.
    std::shared_ptr<const SwitchStates> get(const std::string& path);

private:
    std::mutex mu_;
    std::string path_;
    FileStamp stamp_;
    bool read_ = false;
    std::shared_ptr<const SwitchStates> states_;
};

}  // namespace cr
