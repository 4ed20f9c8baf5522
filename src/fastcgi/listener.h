// The listening socket of a FastCGI process: one of its own (--listen), or the one
// it was handed on fd 0 (spawn-fcgi, systemd, mod_fcgid).
#pragma once
#include <string>

namespace cr {

// Opens and binds the socket for --listen ("unix:/path", "PORT" = 127.0.0.1:PORT,
// "HOST:PORT", "[::1]:PORT"). Returns the fd, or -1 with *err set. It listens only
// from start_listening() on, so that nobody connects to a process that is not yet
// ready to serve (its user switched, its event loops running).
int open_listener(const std::string& spec, unsigned socket_mode, std::string* err);

// Listens on a socket of open_listener with the largest backlog the system allows
// (SOMAXCONN). Returns false with errno set when it cannot.
bool start_listening(int fd);

// Whether `fd` is a socket that listens: how a FastCGI process started by a web
// server or spawn-fcgi tells itself from a CGI program (whose fd 0 is the body).
bool is_listening_socket(int fd);

}  // namespace cr
