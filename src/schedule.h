// Business hours: [hours NAME] sections, German public holidays, and --at parsing.
// An Hours object is built once at load (add() ... finish()) and is read-only afterwards:
// open_at() may then be called from any number of threads at once, without locks, and
// with why == nullptr it neither allocates nor makes a system call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tz.h"

namespace cr {

// Holiday regions: 0 is "DE" (the days that are public holidays in every state), 1..16 the
// states in the order BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH ("DE-BW" .. "DE-TH").
constexpr int kHolidayRegions = 17;
constexpr int kFirstHolidayYear = 1990;
constexpr int kLastHolidayYear = 2100;

struct Holiday {
    int month, day;
    const char* name;  // German, as in the law ("Fronleichnam"); static storage
};

// "DE" or "DE-XX" (any letter case) -> region index. Returns false for anything else.
bool parse_holiday_region(const std::string& text, int* region);
const char* holiday_region_name(int region);  // "DE", "DE-NW", ...; "" when out of range

// Easter Sunday of a Gregorian year (the anonymous Gregorian computus).
void easter_sunday(int year, int* month, int* day);

// The public holidays of a region in a year, sorted by date (two may share a date, as
// Ascension and 1 May did in 2008). Writes at most `max` entries
// and returns how many there are; 0 for a year outside 1990..2100 or a bad region.
int german_holidays(int region, int year, Holiday* out, int max);
std::vector<Holiday> german_holidays(int region, int year);

class Hours {
public:
    explicit Hours(std::string name = {});

    // Takes one key of an [hours NAME] section (key and value trimmed, as inih gives them)
    // with its line number. Returns false with *err set to a message (without file:line)
    // when the key or value is bad; the object is then unchanged.
    // Keys (case-insensitive): mon..sun and day ranges (mon-fri, fri-mon), each day at most
    // once in the section; closed and open, which may be given several times (the values
    // add up); holidays, at most once. Throws std::bad_alloc when memory runs out (the
    // object may then be half changed: the loader drops it with the rules).
    bool add(const std::string& key, const std::string& value, int line, std::string* err);

    // Called after the section ends. Fails when the schedule can never be open (no day key
    // and no open date). Returns false with *err.
    bool finish(std::string* err);

    // Whether the schedule is open at this local time. `why`, when not null, receives the
    // reason for the trace, e.g. "office: closed, holiday DE-NW Fronleichnam". With why ==
    // nullptr nothing allocates.
    bool open_at(const LocalTime& t, std::string* why) const;

    const std::string& name() const;

private:
    struct Range {
        int start, end;  // minutes after the start of its day; end may pass 1440 (next day)
    };
    struct DayKey {  // one day key as written, for the trace and for "already set" errors
        std::string key;
        std::string text;
        int line;
        std::vector<Range> ranges;
    };
    struct Closed {
        std::int64_t first, last;  // day numbers, inclusive
        int line;
        std::string text;
    };
    struct Extra {
        std::int64_t day;
        Range range;
        std::string text;
    };
    struct HolidayDay {
        std::int32_t day;
        const char* name;
    };

    std::string name_;
    std::vector<DayKey> keys_;
    int week_[7] = {-1, -1, -1, -1, -1, -1, -1};  // index into keys_ per weekday, Sunday first
    std::vector<Closed> closed_;
    std::vector<Extra> open_;
    std::vector<HolidayDay> holidays_;  // sorted, 1990..2100
    int region_ = -1;
    int region_line_ = 0;
    bool any_key_ = false;
};

// Parses --at: "YYYY-MM-DD HH:MM[:SS]" local to tz (gap and fold as TimeZone::from_local),
// or an instant "YYYY-MM-DDTHH:MM[:SS]" followed by "Z", "+HH:MM" or "-HH:MM".
// Returns false with *err.
bool parse_at(const std::string& text, const TimeZone& tz, std::int64_t* utc_seconds, std::string* err);

}  // namespace cr
