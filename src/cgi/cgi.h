// CGI: one request from the environment and stdin, the answer on stdout.
#pragma once
#include <string>

namespace cr {

// Serves one CGI request with the rules of `config_path`. Returns the exit code
// (0 even for 4xx/5xx answers: they were answered).
int run_cgi(const std::string& config_path);

}  // namespace cr
