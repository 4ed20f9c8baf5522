// The proleptic Gregorian calendar, and the text of dates and clock times: days counted
// from 1970-01-01, no time zone and no I/O (as kcgi's datetime.c). The log line, the
// journal, the time zones, the [hours] keys and --at all count with it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cr {

std::int64_t days_from_civil(std::int64_t y, int m, int d);  // m 1..12, d 1..31
void civil_from_days(std::int64_t days, std::int64_t* y, int* m, int* d);
int weekday_from_days(std::int64_t days);  // 0 = Sunday .. 6 = Saturday
bool is_leap_year(std::int64_t y);
int days_in_month(std::int64_t y, int m);  // 0 for a month outside 1..12

// UTC seconds as "2026-11-30T09:15:02Z" (the log line's and the journal's time).
std::string utc_stamp(std::int64_t t);

// Reads what utc_stamp writes: exactly "YYYY-MM-DDTHH:MM:SSZ", a digit wherever one
// goes (no sign, no space), a month 01-12, a day the month has, hours 00-23, minutes
// 00-59, seconds 00-60 (a leap second is read as the first second of the next minute).
// Returns false, leaving *t alone, for anything else.
bool parse_utc_stamp(std::string_view s, std::int64_t* t);

// The messages below name the text they refuse ("bad date '2026-02-30': February 2026
// has 28 days"); each function returns false with *err set and leaves its output alone.

// YYYY-MM-DD at s[pos..] (exactly 10 characters) into a day number.
bool parse_date_at(const std::string& s, std::size_t pos, std::int64_t* day, std::string* err);
// The same for the whole of `s`.
bool parse_date(const std::string& s, std::int64_t* day, std::string* err);
// H:MM or HH:MM into minutes after midnight; 24:00 (1440) only when allow_24.
bool parse_clock(const std::string& s, bool allow_24, int* minutes, std::string* err);
// HH:MM-HH:MM into minutes after the start of its day. The end may be 24:00; an end
// before the start runs past midnight (22:00-06:00 gives 1320..1800).
bool parse_time_range(const std::string& item, int* start, int* end, std::string* err);

std::string clock_text(int minutes);         // "09:30"
std::string range_text(int start, int end);  // "22:00-06:00" for a range stored as 1320..1800
std::string date_text(std::int64_t day);     // "2026-12-24"

}  // namespace cr
