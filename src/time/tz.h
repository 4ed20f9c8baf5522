// Time zones from the system's TZif database, read once at load so that converting an
// instant afterwards needs no system call, no allocation and no lock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cr {

struct LocalTime {
    int year, month, day, hour, minute, second;
    int wday;        // 0 = Sunday .. 6 = Saturday
    int utc_offset;  // seconds east of UTC
};

// One rule of a POSIX TZ string: when in the year a change happens.
struct TzRuleDate {
    char kind = 'M';  // 'J' (Jn: 1..365, no leap day), 'N' (n: 0..365), 'M' (Mm.w.d)
    int day = 0;      // J/N day, or M weekday (0 = Sunday)
    int month = 0;    // M only
    int week = 0;     // M only, 1..5 (5 = last)
    int time = 7200;  // seconds after local midnight, may be negative or past 24h
};

// The footer of a TZif file ("CET-1CEST,M3.5.0,M10.5.0/3"): rules for instants after
// the last transition.
struct PosixTz {
    int std_offset = 0;  // seconds east
    int dst_offset = 0;
    bool has_dst = false;
    TzRuleDate start, end;
};

// Parses a POSIX TZ string (the TZif footer). Returns false when it is malformed.
bool parse_posix_tz(const std::string& text, PosixTz* out);

class TimeZone {
public:
    TimeZone();  // UTC until load() succeeds

    // Loads an IANA zone ("Europe/Berlin") from $TZDIR or /usr/share/zoneinfo; an empty
    // name loads the system's zone (/etc/localtime, else UTC). Returns false and sets *err
    // (e.g. "unknown time zone 'Mars/Olympus'") on failure; *this is then unchanged.
    // *transient says whether a zone file could not be read for a cause that may pass
    // (base/file.h, is_transient). Throws std::bad_alloc when memory runs out (both loads).
    bool load(const std::string& name, std::string* err, bool* transient);

    // Loads a zone from TZif bytes (for tests and for load()). `label` becomes name().
    bool load_tzif(const std::string& bytes, const std::string& label, std::string* err);

    LocalTime to_local(std::int64_t utc_seconds) const;  // no allocation, no system call

    // The instant of a wall-clock time in this zone, seconds 0. Like a clock: a time in a
    // gap (spring forward) is moved forward by the length of the gap (02:30 -> 03:30 in
    // Europe/Berlin), a time in a fold (fall back) takes the first, earlier instant.
    std::int64_t from_local(int year, int month, int day, int hour, int minute) const;

    const std::string& name() const;  // as configured, or "system (...)" for the default

    // Seconds east of UTC in force at an instant.
    int offset_at(std::int64_t utc_seconds) const;

private:
    int footer_offset(std::int64_t utc_seconds) const;

    struct Type {
        int offset;
        bool is_dst;
    };
    std::string name_;
    std::vector<std::int64_t> times_;    // transition instants, ascending
    std::vector<std::uint8_t> indexes_;  // type in force from times_[i] on
    std::vector<Type> types_;
    bool has_footer_ = false;
    PosixTz footer_;
};

}  // namespace cr
