// Serving: CGI (one request), FastCGI on fd 0 or on a socket of our own, the
// reload of the rule file, and the signals.
#pragma once
#include <memory>
#include <string>

#include "config.h"

namespace cr {

struct ServerOptions {
    std::string config_path;
    std::string listen;       // empty: the socket on fd 0
    int threads = 4;
    unsigned socket_mode = 0660;
    std::string user;         // --user: switch to this user after binding; empty: stay
};

// Least privilege. With a user name: switches to that user, its group and its
// supplementary groups for good (a unix socket we created, `unix_socket`, is
// given to that user and group first), and checks that root cannot be regained.
// Without one: when running as root, logs a warning once. Returns false with
// *err when the switch cannot be made; the caller must then not serve.
bool switch_user(const std::string& user, const std::string& unix_socket, std::string* err);

// Serves one CGI request from the environment and stdin, writes the answer on
// stdout. Returns the exit code (0 even for 4xx/5xx answers: they were answered).
int run_cgi(const std::string& config_path);

// Serves FastCGI until SIGTERM/SIGINT. Returns the exit code: 0 after a clean
// stop, 1 when the config or the socket cannot be had at start.
int run_fastcgi(const ServerOptions& opt);

// Opens a listening socket for --listen ("unix:/path", "PORT" = 127.0.0.1:PORT,
// "HOST:PORT", "[::1]:PORT"). Returns the fd, or -1 with *err set.
int open_listener(const std::string& spec, unsigned socket_mode, std::string* err);

}  // namespace cr
