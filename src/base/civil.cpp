#include "base/civil.h"

#include <cstdio>

#include "base/text.h"

namespace cr {

std::int64_t days_from_civil(std::int64_t y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t* y, int* m, int* d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

int weekday_from_days(std::int64_t z) { return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6); }

bool is_leap_year(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int days_in_month(std::int64_t y, int m) {
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

std::string utc_stamp(std::int64_t t) {
    std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - days * 86400;
    std::int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(y), m, d,
                  static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
    return buf;
}

bool parse_utc_stamp(std::string_view s, std::int64_t* t) {
    // Exactly 20 characters, each digit where a digit goes: sscanf's %d would also read a
    // sign or a space ("2026-01-01T-1:00:00Z", "+026-01-01T10:00:00Z").
    static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
    if (s.size() != kShape.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (kShape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != kShape[i]) return false;
    const std::string str(s);
    const int y = digits_value(str, 0, 4), mo = digits_value(str, 5, 2), d = digits_value(str, 8, 2);
    const int h = digits_value(str, 11, 2), mi = digits_value(str, 14, 2), se = digits_value(str, 17, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60) return false;
    *t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return true;
}

namespace {

const char* const kMonthNames[12] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};

}  // namespace

bool parse_date_at(const std::string& s, std::size_t pos, std::int64_t* day, std::string* err) {
    const std::string text = pos <= s.size() ? s.substr(pos, 10) : std::string();
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

bool parse_time_range(const std::string& item, int* start, int* end, std::string* err) {
    const std::size_t dash = item.find('-');
    if (dash == std::string::npos || item.find('-', dash + 1) != std::string::npos) {
        *err = "bad time range '" + item + "': expected HH:MM-HH:MM";
        return false;
    }
    const std::string a = trim_blanks(item.substr(0, dash)), b = trim_blanks(item.substr(dash + 1));
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

}  // namespace cr
