// The FastCGI server: event loops that read records from the web server's
// connections, decide each request in the loop, and write the answers; the main
// thread takes the signals and reloads the rules.
#pragma once
#include <string>

namespace cr {

struct ServerOptions {
    std::string config_path;
    std::string listen;       // empty: the socket on fd 0
    int threads = 0;          // event loops; 0: one per online core
    unsigned socket_mode = 0660;
    std::string user;         // --user: switch to this user after binding; empty: stay
};

// Serves FastCGI until SIGTERM/SIGINT. Returns the exit code: 0 after a clean
// stop, 1 when the config or the socket cannot be had at start.
int run_fastcgi(const ServerOptions& opt);

// The number of event loops when --threads is not given: the online cores.
int default_loops();

}  // namespace cr
