// The static binary's libical: none. It is for a shared host's cgi-bin; rules with
// closed_ics, open_ics or a [rota] run with the binary of `make` or the package, which
// opens libical.so.3 (src/time/ical.cpp). `make static` links this file instead, so
// that the static binary holds no dlopen of its own (mk/deploy.mk).
#include "time/ical.h"

namespace cr {

const IcalTable* ical_table(std::string* err) {
    *err = "callrouter-static reads no calendar (it loads no libical): use the binary of make or the package";
    return nullptr;
}

}  // namespace cr
