#include "schedule.h"

#include <cstdio>

#include "text.h"

namespace cr {

namespace schedule {

// Items and times are trimmed of blanks (space, tab) only.
std::string trim(const std::string& s) { return std::string(cr::trim(s, kBlanks)); }

// Splits a comma-separated list into trimmed items. Fails on an empty item ("a,,b", "a,").
bool split_list(const std::string& value, std::vector<std::string>* items, std::string* err) {
    items->clear();
    if (trim(value).empty()) return true;
    std::size_t start = 0;
    for (;;) {
        std::size_t comma = value.find(',', start);
        std::string item = trim(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (item.empty()) {
            *err = "empty item in the list '" + value + "'";
            return false;
        }
        items->push_back(item);
        if (comma == std::string::npos) return true;
        start = comma + 1;
    }
}

bool all_digits(const std::string& s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return false;
    for (std::size_t i = pos; i < pos + n; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

int digits_value(const std::string& s, std::size_t pos, std::size_t n) {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
}


namespace {

const char* const kMonthNames[12] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};

}  // namespace

// Parses YYYY-MM-DD at s[pos..] (exactly 10 characters) into a day number.
bool parse_date_at(const std::string& s, std::size_t pos, std::int64_t* day, std::string* err) {
    const std::string text = s.substr(pos, 10);
    if (!all_digits(s, pos, 4) || s.size() < pos + 10 || s[pos + 4] != '-' || !all_digits(s, pos + 5, 2) ||
        s[pos + 7] != '-' || !all_digits(s, pos + 8, 2)) {
        *err = "bad date '" + text + "': expected YYYY-MM-DD";
        return false;
    }
    const int y = digits_value(s, pos, 4), m = digits_value(s, pos + 5, 2), d = digits_value(s, pos + 8, 2);
    if (m < 1 || m > 12) {
        *err = "bad date '" + text + "': no month " + std::to_string(m);
        return false;
    }
    if (d < 1 || d > days_in_month(y, m)) {
        *err = "bad date '" + text + "': " + kMonthNames[m - 1] + " " + std::to_string(y) + " has " +
               std::to_string(days_in_month(y, m)) + " days";
        return false;
    }
    *day = days_from_civil(y, m, d);
    return true;
}

bool parse_date(const std::string& s, std::int64_t* day, std::string* err) {
    if (s.size() != 10) {
        *err = "bad date '" + s + "': expected YYYY-MM-DD";
        return false;
    }
    return parse_date_at(s, 0, day, err);
}

// Parses H:MM or HH:MM into minutes after midnight; 24:00 only when allow_24.
bool parse_clock(const std::string& s, bool allow_24, int* minutes, std::string* err) {
    const std::size_t colon = s.find(':');
    const bool shape = colon != std::string::npos && (colon == 1 || colon == 2) && s.size() == colon + 3 &&
                       all_digits(s, 0, colon) && all_digits(s, colon + 1, 2);
    if (!shape) {
        *err = "bad time '" + s + "': expected HH:MM";
        return false;
    }
    const int h = digits_value(s, 0, colon), m = digits_value(s, colon + 1, 2);
    if (m > 59) {
        *err = "bad time '" + s + "': minutes run from 00 to 59";
        return false;
    }
    if (h == 24 && m == 0) {
        if (allow_24) {
            *minutes = 1440;
            return true;
        }
        *err = "bad time '" + s + "': 24:00 can only end a range";
        return false;
    }
    if (h > 23) {
        *err = "bad time '" + s + "': hours run from 00 to 23 (24:00 may end a range)";
        return false;
    }
    *minutes = h * 60 + m;
    return true;
}

std::string clock_text(int minutes) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60 % 100, minutes % 60);
    return buf;
}

// "22:00-06:00" for a range stored as 1320..1800 minutes.
std::string range_text(int start, int end) {
    return clock_text(start) + "-" + clock_text(end > 1440 ? end - 1440 : end);
}

std::string date_text(std::int64_t day) {
    std::int64_t y = 0;
    int m = 0, d = 0;
    civil_from_days(day, &y, &m, &d);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(y), m, d);
    return buf;
}

// Parses HH:MM-HH:MM. The end may be 24:00; an end before the start runs past midnight.
bool parse_range(const std::string& item, int* start, int* end, std::string* err) {
    const std::size_t dash = item.find('-');
    if (dash == std::string::npos || item.find('-', dash + 1) != std::string::npos) {
        *err = "bad time range '" + item + "': expected HH:MM-HH:MM";
        return false;
    }
    const std::string a = trim(item.substr(0, dash)), b = trim(item.substr(dash + 1));
    std::string why;
    if (!parse_clock(a, false, start, &why) || !parse_clock(b, true, end, &why)) {
        *err = "bad time range '" + item + "': " + why;
        return false;
    }
    if (*start == *end) {
        *err = "bad time range '" + item + "': it starts and ends at the same time";
        return false;
    }
    if (*end < *start) *end += 1440;
    return true;
}

}  // namespace schedule

}  // namespace cr
