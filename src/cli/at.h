// The time --test decides at (--at).
#pragma once

#include <cstdint>
#include <string>

#include "time/tz.h"

namespace cr {

// Parses --at: "YYYY-MM-DD HH:MM[:SS]" local to tz (gap and fold as TimeZone::from_local),
// or an instant "YYYY-MM-DDTHH:MM[:SS]" followed by "Z", "+HH:MM" or "-HH:MM".
// Returns false with *err.
bool parse_at(const std::string& text, const TimeZone& tz, std::int64_t* utc_seconds, std::string* err);

// Parses --since: "YYYY-MM-DD" (its midnight), or what --at takes, but with nothing
// around it. Returns false with *err ("bad --since time '...': ...").
bool parse_since(const std::string& text, const TimeZone& tz, std::int64_t* utc_seconds, std::string* err);

}  // namespace cr
