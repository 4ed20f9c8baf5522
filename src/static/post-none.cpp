// The static binary's webhook: none. It is for a shared host's cgi-bin, where it
// answers calls; --notify runs where the binary of `make` or the package does, which
// opens libcurl.so.4 (src/notify/post.cpp). `make static` links this file instead, so
// that the static binary holds no dlopen of its own (mk/deploy.mk).
#include "notify/post.h"

namespace cr {

bool http_post(const std::string&, const std::string&, int, std::string* err) {
    *err =
        "callrouter-static sends no webhook (it loads no libcurl): run --notify with the binary of make or "
        "the package";
    return false;
}

}  // namespace cr
