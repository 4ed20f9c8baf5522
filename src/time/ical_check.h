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

struct icalrecurrencetype;  // libical's parsed RRULE (libical/icalrecur.h)

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

// Whether an RRULE as libical parsed it is one to expand, before libical is asked: it
// refuses what no calendar client writes for an event and what sends libical searching
// for centuries (FREQ=SECONDLY, MINUTELY, HOURLY; RSCALE; BYHOUR, BYMINUTE, BYSECOND
// with more than one value; a value out of range), and BY-parts that never occur
// together (BYMONTHDAY that no month of BYMONTH has, BYDAY numbers no month has,
// BYSETPOS beyond the days a month gives); `start_day`, DTSTART's day of the month, is
// the day of a MONTHLY or YEARLY rule without BYMONTHDAY or BYDAY. False with *why
// ("RRULE never occurs: ...").
bool ics_rrule_ok(const icalrecurrencetype& r, int start_day, std::string* why);

}  // namespace cr
