// The command line (callrouter(8), SYNOPSIS and OPTIONS): every option spelled in full,
// its value checked, and the checks between options.
#pragma once
#include <string>

#include "fastcgi/server.h"

namespace cr {

struct CommandLine {
    std::string config, listen, test_body, at, signature, query, since, week_date, week_number;
    bool check = false, test = false, has_signature = false, has_query = false, calls = false;
    bool week = false, html = false, has_from = false, has_to = false;
    bool notify = false, once = false, digest = false, mail = false, metrics = false;
    bool has_threads = false, has_socket_mode = false;
    std::string state;  // --notify --state
    bool set_switch = false, switches = false;
    std::string switch_setting, until;  // --switch NAME=on|off, --until TIME
    int from_hour = 0, to_hour = 24;
    ServerOptions server;  // --threads, --socket-mode, --user
};

// Reads the arguments into *cl. Returns -1 to go on, or the exit status: 0 after --help
// or --version (printed on stdout), 2 after a usage error (the message and the usage on
// stderr).
int parse_command_line(int argc, char** argv, CommandLine* cl);

// The rule file: --config, else $CALLROUTER_CONFIG, else callrouter.ini beside the
// executable (a cgi-bin), else /etc/callrouter/callrouter.ini.
std::string find_config(const std::string& given);

}  // namespace cr
