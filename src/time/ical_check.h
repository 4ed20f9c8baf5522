// The check of an iCalendar file (RFC 5545) that comes before libical's parse, and
// gives every problem its line: content lines, folding, BEGIN/END, one VCALENDAR,
// bounds. It also notes, for each VEVENT of the VCALENDAR (in file order, as libical
// gives them), its BEGIN line and the lines of the properties time/calendar.cpp reads,
// so that problems found after libical's parse are reported at their line.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cr {

struct IcsProperty {
    std::string name;   // upper case: DTSTART, DTEND, DURATION, RRULE, RDATE, EXDATE, RECURRENCE-ID, SUMMARY
    std::string value;  // unfolded, as written (not unescaped)
    std::string tzid;   // its TZID parameter, unquoted, or empty
    int line = 0;       // the physical line it begins on, 1-based
};

struct IcsEvent {
    int line = 0;  // of BEGIN:VEVENT
    std::vector<IcsProperty> props;
    const IcsProperty* find(std::string_view name) const;  // the first of that name, or null
};

struct IcsOutline {
    std::vector<IcsEvent> events;  // the VEVENTs directly in the VCALENDAR, in file order
};

constexpr std::size_t kIcsMaxLine = 64u << 10;  // an unfolded content line
constexpr std::size_t kIcsMaxComponents = 1000000;
constexpr std::size_t kIcsMaxDepth = 16;  // components inside components

// Checks `text` (CRLF or LF, a UTF-8 BOM allowed) and fills *out. Returns false with
// *line (1-based, 0 for none) and *err (lower case, no trailing period) for the first
// problem. Throws std::bad_alloc.
bool check_ics(std::string_view text, IcsOutline* out, int* line, std::string* err);

// Whether the value of one of the date properties the outline keeps is well formed:
// DTSTART, DTEND, RECURRENCE-ID (a DATE or DATE-TIME), EXDATE (a list of them), RDATE
// (a list of them or of periods), DURATION. True for the others (RRULE: libical says).
bool ics_value_ok(const IcsProperty& p);

}  // namespace cr
