// The TIME of `until` (callrouter.ini(5), switch NAME on|off|toggle until TIME;
// callrouter --switch NAME=on --until TIME): when a switch goes back to its default.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "time/tz.h"

namespace cr {

struct UntilSpec {
    enum Kind { None, Clock, Stamp, After } kind = None;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0;  // Clock: hour, minute; Stamp: all
    std::int64_t seconds = 0;                                // After
    std::string text;                                        // as written
};

// Parses TIME: "HH:MM" (the next such time of the rules' zone: 08:00 at 16:00 is
// tomorrow's), "YYYY-MM-DD" (its 00:00), "YYYY-MM-DD HH:MM" or "YYYY-MM-DDTHH:MM", or
// "+N" with m, h or d (minutes, hours, days from now, at most 400 days). Returns false
// with *err.
bool parse_until(std::string_view text, UntilSpec* out, std::string* err);

// The instant (UTC seconds) `u` names at `now` in `tz`; 0 for None.
std::int64_t resolve_until(const UntilSpec& u, const TimeZone& tz, std::int64_t now);

}  // namespace cr
