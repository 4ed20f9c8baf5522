// An iCalendar file (RFC 5545) as the rules use it (callrouter.ini(5), closed_ics,
// open_ics, [rota NAME]): its events expanded once, at load, into the occurrences
// that fall in a bounded window, on the wall clock of the rules' time zone, so that
// asking "which event runs now" afterwards is a lookup (no allocation, no lock, no
// system call) from any number of threads.
//
// Parsing and recurrence are libical's (Debian's libical3, opened with dlopen at the
// first calendar: time/ical.h), after a check of our own that gives every problem
// its line: RRULE, RDATE, EXDATE, RECURRENCE-ID (an occurrence moved or changed),
// VTIMEZONE blocks and TZIDs of the system's zones, all-day and multi-day events,
// floating times (the rules' zone), STATUS:CANCELLED (of an event or of one
// occurrence). Only VEVENTs count; VTODO, VJOURNAL, VALARM and others are skipped.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "time/tz.h"

namespace cr {

// Wall-clock seconds in the rules' zone: days_from_civil(y, m, d) * 86400 + the
// seconds of the day. Comparable across days; a fall-back hour is seen twice.
std::int64_t wall_seconds(const LocalTime& t);

struct CalendarEvent {
    std::int64_t start = 0, end = 0;  // wall seconds; end > start, end exclusive
    std::string summary;              // UTF-8, control characters made blanks, at most 200 bytes
    std::string location;             // the same
    int line = 0;                     // the line of its BEGIN:VEVENT
    bool all_day = false;
};

class Calendar {
public:
    // The bounds of one calendar, beyond which it is refused.
    static constexpr std::size_t kMaxBytes = 64u << 20;
    static constexpr std::size_t kMaxOccurrences = 200000;  // in the window

    // Parses `text`, the file `path`, and expands its events into the UTC window
    // [from, to), onto the wall clock of `tz`. Returns false with *line (0 when the
    // problem has none, e.g. libical missing) and *err (the message, without file or
    // line) for the first problem; *this is then unchanged. Throws std::bad_alloc.
    bool load(const std::string& path, std::string_view text, const TimeZone& tz, std::int64_t from, std::int64_t to,
              int* line, std::string* err);

    // The event running at wall second `t`: of those that do, the one that began last
    // (a handover), or null. Null, too, outside the window.
    const CalendarEvent* at(std::int64_t t) const;

    // The events that overlap [a, b) (wall seconds), by start.
    std::vector<const CalendarEvent*> between(std::int64_t a, std::int64_t b) const;

    const std::string& path() const { return path_; }
    std::int64_t from() const { return from_; }  // the window, UTC
    std::int64_t to() const { return to_; }
    std::size_t size() const { return events_.size(); }
    const std::vector<CalendarEvent>& events() const { return events_; }  // by start

private:
    std::string path_;
    std::int64_t from_ = 0, to_ = 0;
    std::int64_t wall_from_ = 0, wall_to_ = 0;  // the window on the wall clock
    std::vector<CalendarEvent> events_;         // by start
    std::vector<std::int64_t> max_end_;         // max_end_[i]: the latest end of events_[0..i]
};

}  // namespace cr
