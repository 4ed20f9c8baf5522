// Business hours: [hours NAME] sections (hours.h), German public holidays (holidays.h) and
// --at parsing (at.h); and the text of dates, clock times and lists that the [hours] keys
// and --at share (schedule.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "at.h"
#include "holidays.h"
#include "hours.h"

namespace cr {

namespace schedule {

std::string trim(const std::string& s);  // drops spaces and tabs at both ends

// Splits a comma-separated list into trimmed items. Fails on an empty item ("a,,b", "a,").
bool split_list(const std::string& value, std::vector<std::string>* items, std::string* err);

// Whether s[pos..pos+n) are n digits; their value.
bool all_digits(const std::string& s, std::size_t pos, std::size_t n);
int digits_value(const std::string& s, std::size_t pos, std::size_t n);

// Parses YYYY-MM-DD at s[pos..] (exactly 10 characters) into a day number.
bool parse_date_at(const std::string& s, std::size_t pos, std::int64_t* day, std::string* err);
// The same for a whole string.
bool parse_date(const std::string& s, std::int64_t* day, std::string* err);
// Parses H:MM or HH:MM into minutes after midnight; 24:00 only when allow_24.
bool parse_clock(const std::string& s, bool allow_24, int* minutes, std::string* err);
// Parses HH:MM-HH:MM. The end may be 24:00; an end before the start runs past midnight.
bool parse_range(const std::string& item, int* start, int* end, std::string* err);

std::string clock_text(int minutes);        // "09:30"
std::string range_text(int start, int end);  // "22:00-06:00" for a range stored as 1320..1800
std::string date_text(std::int64_t day);     // "2026-12-24"

}  // namespace schedule

}  // namespace cr
