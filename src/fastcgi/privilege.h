// Least privilege: the user a FastCGI or CGI process serves as.
#pragma once
#include <string>

namespace cr {

// With a user name: switches to that user, its group and its supplementary groups
// for good (a unix socket we created, `unix_socket`, is given to that user and group
// first), and checks that root cannot be regained. Without one: when running as
// root, logs a warning once. Returns false with *err when the switch cannot be made;
// the caller must then not serve.
bool switch_user(const std::string& user, const std::string& unix_socket, std::string* err);

}  // namespace cr
