// The listening socket of a FastCGI process: one of its own (--listen), or the one
// it was handed on fd 0 (spawn-fcgi, systemd, mod_fcgid).
#pragma once
#include <string>

namespace cr {

// Opens a listening socket for --listen ("unix:/path", "PORT" = 127.0.0.1:PORT,
// "HOST:PORT", "[::1]:PORT") with the largest backlog the system allows
// (SOMAXCONN). Returns the fd, or -1 with *err set.
int open_listener(const std::string& spec, unsigned socket_mode, std::string* err);

// Whether `fd` is a socket that listens: how a FastCGI process started by a web
// server or spawn-fcgi tells itself from a CGI program (whose fd 0 is the body).
bool is_listening_socket(int fd);

}  // namespace cr
