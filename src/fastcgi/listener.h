// The listening socket of a FastCGI process: one of its own (--listen), or the one it
// was handed on fd 0 (spawn-fcgi, systemd, mod_fcgid).
#pragma once
#include <string>

#include "base/fd.h"

namespace cr {

// What --listen names, parsed once: "unix:/path", "PORT" (127.0.0.1:PORT), "HOST:PORT"
// or "[V6]:PORT".
struct ListenSpec {
    bool is_unix = false;
    std::string path;        // unix
    std::string host, port;  // TCP
    std::string text;        // as given, for messages
};

// Parses --listen. Returns false with *err ("bad port in '...'", "empty host in '...'",
// "unix socket path empty or longer than 107 bytes") when it names no socket.
bool parse_listen(const std::string& text, ListenSpec* out, std::string* err);

// Whether `fd` is a socket that listens: how a FastCGI process started by a web server
// or spawn-fcgi tells itself from a CGI program (whose fd 0 is the body).
bool is_listening_socket(int fd);

// The socket the event loops accept on. One of our own is closed, and a unix socket's
// file removed, when the Listener goes (a failed start as a clean stop, as php-fpm's
// fpm_sockets_cleanup); the one on fd 0 belongs to whoever started us and stays.
class Listener {
public:
    Listener() = default;
    ~Listener() { close(); }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Opens and binds the socket of `spec`, a unix socket with `socket_mode` (a stale
    // socket file is replaced; one that answers is in use). It listens only from
    // listen() on, so that nobody connects to a process not yet ready to serve. Returns
    // false with *err ("PATH: in use by another process", "HOST:PORT: Address already
    // in use").
    bool open(const ListenSpec& spec, unsigned socket_mode, std::string* err);
    // Takes the socket on fd 0. Returns false with *err (the system's reason) when it is
    // not one that listens.
    bool adopt_fd0(std::string* err);
    // Makes the socket non-blocking for the loops and notes whether it is TCP. Returns
    // false with *err (the system's reason).
    bool prepare(std::string* err);
    // Listens with the largest backlog the system allows (SOMAXCONN). False with *err.
    bool listen(std::string* err);

    int fd() const { return fd_.get(); }
    bool tcp() const { return tcp_; }
    // The unix socket's file of our own, or empty.
    const std::string& unix_path() const { return unix_path_; }

    // Removes a unix socket's file of our own at once, so that a new connection fails
    // instead of waiting; the socket stays open for the loops until close().
    void remove_file();
    // remove_file(), then closes a socket of our own.
    void close();

private:
    UniqueFd fd_;
    bool owned_ = false;  // not fd 0
    bool tcp_ = false;
    std::string unix_path_;  // removed by remove_file()
};

}  // namespace cr
