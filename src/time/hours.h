// Business hours: the weekly schedule of an [hours NAME] section, with its closed and open
// dates and its public holidays.
// An Hours object is built once at load (add() ... finish()) and is read-only afterwards:
// open_at() may then be called from any number of threads at once, without locks, and
// with why == nullptr it neither allocates nor makes a system call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "time/calendar.h"
#include "time/tz.h"

namespace cr {

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

    // closed_ics = FILE or open_ics = FILE (callrouter.ini(5)): while an event of `c`
    // runs, the schedule is closed (or open), above holidays and the week, below `open`
    // and `closed` dates.
    void add_calendar(std::shared_ptr<const Calendar> c, bool opens);

    // The calendars of closed_ics and open_ics, for --week.
    struct HoursCalendar {
        std::shared_ptr<const Calendar> calendar;
        bool opens;
    };
    const std::vector<HoursCalendar>& calendars() const { return calendars_; }

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
    struct OpenWindow {
        std::int64_t day;
        Range range;
        std::string text;
    };

    // add() for each kind of key, given the value's items; false with *err, unchanged.
    bool add_day_key(const std::string& raw_key, const std::string& key, const std::vector<std::string>& items,
                     int line, std::string* err);
    bool add_closed(const std::vector<std::string>& items, int line, std::string* err);
    bool add_open(const std::vector<std::string>& items, std::string* err);
    bool add_holidays(const std::vector<std::string>& items, const std::string& value, int line, std::string* err);
    // The days a day key names (Sunday 0; last before first wraps over the week's end).
    bool day_span(const std::string& raw_key, const std::string& key, int* first, int* last, std::string* err) const;
    // Fails when a day of first..last is already set by an earlier day key.
    bool days_free(int first, int last, std::string* err) const;

    std::string name_;
    std::vector<DayKey> keys_;
    int week_[7] = {-1, -1, -1, -1, -1, -1, -1};  // index into keys_ per weekday, Sunday first
    std::vector<Closed> closed_;
    std::vector<OpenWindow> open_;
    std::vector<HoursCalendar> calendars_;
    int region_ = -1;  // holidays of this region (time/holidays.h), or -1
    int region_line_ = 0;
    bool any_key_ = false;
};

}  // namespace cr
