// The FastCGI server: event loops that read records from the web server's
// connections, decide each request in the loop, and write the answers; the main
// thread takes the signals and reloads the rules.
#pragma once
#include <string>

namespace cr {

struct ServerOptions {
    std::string config_path;
    std::string listen;  // empty: the socket on fd 0
    int threads = 0;     // event loops; 0: one per online core
    unsigned socket_mode = 0660;
    std::string user;  // --user: switch to this user after binding; empty: stay
};

// Serves FastCGI until SIGTERM/SIGINT: a linear start-up (the rules, the socket, the
// user, the wake descriptor, the loops), the signals on the main thread, then the stop
// (callrouter(8), SIGNALS). Returns the exit code: 0 after a stop, 1 when any step of
// the start-up fails (each logged as it happens, and what was done undone). A stop
// whose requests are still not done 13 s after the signal logs so and ends the
// process at once (_Exit(0)): their loops cannot be joined.
int run_fastcgi(const ServerOptions& opt);

}  // namespace cr
