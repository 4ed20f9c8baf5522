// callrouter --notify (callrouter(8), NOTIFY; SPEC section 10): a process of its own
// that follows the journal, works out each call's outcome, and tells the [notify NAME]
// sections that want it, by mail and webhook; never the answering process.
#pragma once
#include <string>

namespace cr {

struct NotifyOptions {
    std::string config;  // the rule file
    std::string state;   // --state; empty: notify_state, else the journal's name + ".notify-state"
    bool once = false;   // --once: read to the journal's end, send what is due, exit
};

// Runs until SIGTERM or SIGINT (exit 0, the state saved); SIGHUP loads the rule file
// again (a broken one is logged and the last good one kept). Logs one line per alert
// sent, tried again or given up. Returns 1 when the rules do not load, name no journal,
// or the state file is broken or cannot be written.
int run_notify(const NotifyOptions& options);

}  // namespace cr
