// libFuzzer driver: the check of an iCalendar file that comes before libical
// (time/ical_check.h). Input: the file. Properties checked:
// - a refusal gives a message and a line within the file (0 only for no line);
// - an accepted file's VEVENTs and their properties have lines within the file, each
//   property after its BEGIN:VEVENT, in ascending order;
// - ics_value_ok reads every kept property without a fault;
// - the same input gives the same answer twice (no hidden state).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "time/ical_check.h"

namespace {

void fail(const char* what) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    int lines = 1;
    for (char c : text) lines += c == '\n';
    cr::IcsOutline out;
    int line = -1;
    std::string err;
    bool ok = cr::check_ics(text, &out, &line, &err);
    if (!ok) {
        if (err.empty()) fail("a refusal without a message");
        if (line < 0 || line > lines) fail("a refusal's line outside the file");
    } else {
        for (const cr::IcsEvent& e : out.events) {
            if (e.line < 1 || e.line > lines) fail("a VEVENT's line outside the file");
            int last = e.line;
            for (const cr::IcsProperty& p : e.props) {
                if (p.line <= last || p.line > lines) fail("a property's line out of order");
                last = p.line;
                (void)cr::ics_value_ok(p);
            }
        }
    }
    cr::IcsOutline again;
    int line2 = -1;
    std::string err2;
    if (cr::check_ics(text, &again, &line2, &err2) != ok || (!ok && (line2 != line || err2 != err)))
        fail("a second check answered otherwise");
    if (ok && again.events.size() != out.events.size()) fail("a second check found other VEVENTs");
    return 0;
}
