// German public holidays, 1990..2100, by region: the table [hours] sections name with
// `holidays = DE-XX`, and the Easter computation it rests on.
#pragma once

#include <string>
#include <vector>

namespace cr {

// Holiday regions: 0 is "DE" (the days that are public holidays in every state), 1..16 the
// states in the order BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH ("DE-BW" .. "DE-TH").
constexpr int kHolidayRegions = 17;
constexpr int kFirstHolidayYear = 1990;
constexpr int kLastHolidayYear = 2100;
constexpr int kMaxHolidays = 24;  // room enough for one region's holidays in one year

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

}  // namespace cr
