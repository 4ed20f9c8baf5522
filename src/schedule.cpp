#include "schedule.h"

#include <algorithm>
#include <cstdio>
#include <new>

#include "text.h"

namespace cr {

namespace {

const char* const kRegionNames[kHolidayRegions] = {
    "DE",    "DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV",
    "DE-NI", "DE-NW", "DE-RP", "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH"};

enum Region { DE, BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH };

const char* const kDayNames[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr int kMaxHolidays = 24;

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

const char* const kMonthNames[12] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};

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

int day_index(const std::string& s) {
    for (int i = 0; i < 7; ++i)
        if (s == kDayNames[i]) return i;
    return -1;
}

// Collects one region's holidays of one year into a caller's array.
struct HolidayBuilder {
    int region;
    int year;
    Holiday* out;
    int max;
    int n = 0;
    std::int64_t easter = 0;

    void add(int month, int day, const char* name) {
        if (n < max) out[n] = Holiday{month, day, name};
        ++n;
    }
    void add_easter(int offset, const char* name) {
        std::int64_t y = 0;
        int m = 0, d = 0;
        civil_from_days(easter + offset, &y, &m, &d);
        add(m, d, name);
    }
    bool in(std::initializer_list<Region> regions) const {
        for (Region r : regions)
            if (r == region) return true;
        return false;
    }
};

}  // namespace

bool parse_holiday_region(const std::string& text, int* region) {
    const std::string up = [&] {
        std::string s = text;
        for (char& c : s)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        return s;
    }();
    for (int i = 0; i < kHolidayRegions; ++i) {
        if (up == kRegionNames[i]) {
            *region = i;
            return true;
        }
    }
    return false;
}

const char* holiday_region_name(int region) {
    return region >= 0 && region < kHolidayRegions ? kRegionNames[region] : "";
}

void easter_sunday(int year, int* month, int* day) {
    const int a = year % 19, b = year / 100, c = year % 100;
    const int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
    const int h = (19 * a + b - d - g + 15) % 30;
    const int i = c / 4, k = c % 4;
    const int l = (32 + 2 * e + 2 * i - h - k) % 7;
    const int m = (a + 11 * h + 22 * l) / 451;
    *month = (h + l - 7 * m + 114) / 31;
    *day = (h + l - 7 * m + 114) % 31 + 1;
}

// The rules, year by year, of the states' holiday laws as they stand, with the changes
// since 1990 that the docs list. DE holds what holds in every state.
int german_holidays(int region, int year, Holiday* out, int max) {
    if (region < 0 || region >= kHolidayRegions || year < kFirstHolidayYear || year > kLastHolidayYear) return 0;
    HolidayBuilder b{region, year, out, max};
    int em = 0, ed = 0;
    easter_sunday(year, &em, &ed);
    b.easter = days_from_civil(year, em, ed);
    const bool east = b.in({BB, MV, SN, ST, TH});

    b.add(1, 1, "Neujahr");
    if (b.in({BW, BY}) || (region == ST && year >= 1993)) b.add(1, 6, "Heilige Drei Könige");
    if ((region == BE && year >= 2019) || (region == MV && year >= 2023)) b.add(3, 8, "Internationaler Frauentag");
    b.add_easter(-2, "Karfreitag");
    if (region == BB) b.add_easter(0, "Ostersonntag");
    b.add_easter(1, "Ostermontag");
    b.add(5, 1, "Tag der Arbeit");
    if (region == BE && (year == 2020 || year == 2025)) b.add(5, 8, "Tag der Befreiung");
    b.add_easter(39, "Christi Himmelfahrt");
    if (region == BB) b.add_easter(49, "Pfingstsonntag");
    b.add_easter(50, "Pfingstmontag");
    if (b.in({BW, BY, HE, NW, RP, SL})) b.add_easter(60, "Fronleichnam");
    if (region == BE && year == 2028) b.add(6, 17, "Jahrestag des Volksaufstandes vom 17. Juni 1953");
    if (region == SL) b.add(8, 15, "Mariä Himmelfahrt");
    if (region == TH && year >= 2019) b.add(9, 20, "Weltkindertag");
    b.add(10, 3, "Tag der Deutschen Einheit");
    if (east || year == 2017 || (b.in({HB, HH, NI, SH}) && year >= 2018)) b.add(10, 31, "Reformationstag");
    if (b.in({BW, BY, NW, RP, SL})) b.add(11, 1, "Allerheiligen");
    if (region == SN || year <= 1994) {
        // The Wednesday before 23 November: 16..22 November.
        std::int64_t d = days_from_civil(year, 11, 22);
        d -= (weekday_from_days(d) - 3 + 7) % 7;
        std::int64_t y = 0;
        int m = 0, dd = 0;
        civil_from_days(d, &y, &m, &dd);
        b.add(m, dd, "Buß- und Bettag");
    }
    b.add(12, 25, "1. Weihnachtstag");
    b.add(12, 26, "2. Weihnachtstag");
    // Easter-dependent days move past fixed ones (Ascension can even be 1 May): sort, stably.
    const int kept = std::min(b.n, max);
    for (int i = 1; i < kept; ++i)
        for (int j = i; j > 0 && out[j - 1].month * 32 + out[j - 1].day > out[j].month * 32 + out[j].day; --j)
            std::swap(out[j - 1], out[j]);
    return b.n;
}

std::vector<Holiday> german_holidays(int region, int year) {
    Holiday buf[kMaxHolidays];
    const int n = std::min(german_holidays(region, year, buf, kMaxHolidays), kMaxHolidays);
    return std::vector<Holiday>(buf, buf + n);
}

Hours::Hours(std::string name) : name_(std::move(name)) {}

const std::string& Hours::name() const { return name_; }

bool Hours::add(const std::string& raw_key, const std::string& value, int line, std::string* err) {
    std::string dummy;
    std::string& e = err ? *err : dummy;
    try {
        const std::string key = lower(trim(raw_key));
        std::vector<std::string> items;
        if (!split_list(value, &items, &e)) return false;

        if (key == "closed") {
            if (items.empty()) {
                e = "closed: no dates (expected e.g. 2026-12-24, 2026-12-31..2027-01-01)";
                return false;
            }
            std::vector<Closed> add;
            for (const std::string& item : items) {
                const std::size_t dots = item.find("..");
                std::int64_t first = 0, last = 0;
                if (dots == std::string::npos) {
                    if (!parse_date(item, &first, &e)) return false;
                    last = first;
                } else {
                    if (!parse_date(trim(item.substr(0, dots)), &first, &e) ||
                        !parse_date(trim(item.substr(dots + 2)), &last, &e))
                        return false;
                    if (last < first) {
                        e = "date range '" + item + "' ends before it starts";
                        return false;
                    }
                }
                add.push_back(Closed{first, last, line,
                                     first == last ? date_text(first) : date_text(first) + ".." + date_text(last)});
            }
            closed_.insert(closed_.end(), add.begin(), add.end());
            any_key_ = true;
            return true;
        }

        if (key == "open") {
            if (items.empty()) {
                e = "open: no dates (expected e.g. 2026-12-24 10:00-12:00)";
                return false;
            }
            std::vector<Extra> add;
            for (const std::string& item : items) {
                const std::size_t space = item.find_first_of(" \t");
                if (space == std::string::npos) {
                    e = "bad opening '" + item + "': expected YYYY-MM-DD HH:MM-HH:MM";
                    return false;
                }
                std::int64_t day = 0;
                Range r{};
                if (!parse_date(item.substr(0, space), &day, &e) ||
                    !parse_range(trim(item.substr(space)), &r.start, &r.end, &e))
                    return false;
                add.push_back(Extra{day, r, date_text(day) + " " + range_text(r.start, r.end)});
            }
            open_.insert(open_.end(), add.begin(), add.end());
            any_key_ = true;
            return true;
        }

        if (key == "holidays") {
            if (region_ >= 0) {
                e = "holidays already set on line " + std::to_string(region_line_) + " (one region per [hours] section)";
                return false;
            }
            int region = -1;
            if (items.size() != 1 || !parse_holiday_region(items[0], &region)) {
                e = "unknown holiday region '" + trim(value) +
                    "': expected DE or DE-XX for a state (BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH)";
                return false;
            }
            std::vector<HolidayDay> days;
            Holiday buf[kMaxHolidays];
            for (int y = kFirstHolidayYear; y <= kLastHolidayYear; ++y) {
                const int n = std::min(german_holidays(region, y, buf, kMaxHolidays), kMaxHolidays);
                for (int i = 0; i < n; ++i)
                    days.push_back(HolidayDay{static_cast<std::int32_t>(days_from_civil(y, buf[i].month, buf[i].day)),
                                              buf[i].name});
            }
            std::stable_sort(days.begin(), days.end(),
                      [](const HolidayDay& a, const HolidayDay& b) { return a.day < b.day; });
            holidays_ = std::move(days);
            region_ = region;
            region_line_ = line;
            any_key_ = true;
            return true;
        }

        // A day key: mon, or a range mon-fri / fri-mon.
        int first = day_index(key), last = first;
        const std::size_t dash = key.find('-');
        if (first < 0 && dash != std::string::npos) {
            first = day_index(key.substr(0, dash));
            last = day_index(key.substr(dash + 1));
            if (first >= 0 && last >= 0 && first == last) {
                e = "day range '" + key + "' names a single day: write '" + kDayNames[first] + "'";
                return false;
            }
        }
        if (first < 0 || last < 0) {
            e = "unknown key '" + raw_key + "' in [hours " + name_ +
                "]: expected a day (mon tue wed thu fri sat sun), a day range such as mon-fri, closed, open or "
                "holidays";
            return false;
        }
        if (items.empty()) {
            e = key + ": no time ranges (expected e.g. 09:00-12:00, 13:00-17:00)";
            return false;
        }
        DayKey dk{key, {}, line, {}};
        for (const std::string& item : items) {
            Range r{};
            if (!parse_range(item, &r.start, &r.end, &e)) return false;
            dk.ranges.push_back(r);
            if (!dk.text.empty()) dk.text += ", ";
            dk.text += range_text(r.start, r.end);
        }
        for (int d = first;; d = (d + 1) % 7) {
            if (week_[d] >= 0) {
                const DayKey& prev = keys_[static_cast<std::size_t>(week_[d])];
                e = std::string(kDayNames[d]) + " already set on line " + std::to_string(prev.line) + " (by '" +
                    prev.key + "')";
                return false;
            }
            if (d == last) break;
        }
        keys_.push_back(std::move(dk));
        const int index = static_cast<int>(keys_.size() - 1);
        for (int d = first;; d = (d + 1) % 7) {
            week_[d] = index;
            if (d == last) break;
        }
        any_key_ = true;
        return true;
    } catch (const std::bad_alloc&) {
        throw;  // the caller's to handle: load_config refuses the rules as a whole
    } catch (...) {
        e = "out of memory";
        return false;
    }
}

bool Hours::finish(std::string* err) {
    std::string dummy;
    std::string& e = err ? *err : dummy;
    if (!any_key_) {
        e = "[hours " + name_ + "] is empty: give day keys such as mon-fri = 09:00-17:00";
        return false;
    }
    if (keys_.empty() && open_.empty()) {
        e = "[hours " + name_ + "] is never open: give day keys such as mon-fri = 09:00-17:00, or open dates";
        return false;
    }
    std::stable_sort(closed_.begin(), closed_.end(),
                     [](const Closed& a, const Closed& b) { return a.first < b.first; });
    std::stable_sort(open_.begin(), open_.end(), [](const Extra& a, const Extra& b) { return a.day < b.day; });
    return true;
}

// Precedence: an open date's window, then closed dates, then holidays, then the week.
// A closed date or holiday closes its calendar day 00:00-24:00, also the part of a night
// range that started the evening before.
bool Hours::open_at(const LocalTime& t, std::string* why) const {
    const std::int64_t day = days_from_civil(t.year, t.month, t.day);
    const int minute = t.hour * 60 + t.minute;

    auto x0 = std::lower_bound(open_.begin(), open_.end(), day - 1,
                               [](const Extra& x, std::int64_t d) { return x.day < d; });
    for (auto xi = x0; xi != open_.end(); ++xi) {
        const Extra& x = *xi;
        if (x.day > day) break;
        const std::int64_t m = (day - x.day) * 1440 + minute;
        if (m >= x.range.start && m < x.range.end) {
            if (why) *why = name_ + ": open, open " + x.text;
            return true;
        }
    }
    for (const Closed& c : closed_) {
        if (c.first > day) break;
        if (day <= c.last) {
            if (why) *why = name_ + ": closed, closed " + c.text + " (line " + std::to_string(c.line) + ")";
            return false;
        }
    }
    if (!holidays_.empty()) {
        auto it = std::lower_bound(holidays_.begin(), holidays_.end(), day,
                                   [](const HolidayDay& h, std::int64_t d) { return h.day < d; });
        if (it != holidays_.end() && it->day == day) {
            if (why) *why = name_ + ": closed, holiday " + kRegionNames[region_] + " " + it->name;
            return false;
        }
    }
    const int wd = weekday_from_days(day);
    if (week_[wd] >= 0) {
        const DayKey& k = keys_[static_cast<std::size_t>(week_[wd])];
        for (const Range& r : k.ranges) {
            if (minute >= r.start && minute < r.end) {
                if (why)
                    *why = name_ + ": open, " + k.key + " " + range_text(r.start, r.end);
                return true;
            }
        }
    }
    const int yd = (wd + 6) % 7;
    if (week_[yd] >= 0) {
        const DayKey& k = keys_[static_cast<std::size_t>(week_[yd])];
        for (const Range& r : k.ranges) {
            if (r.end > 1440 && minute + 1440 < r.end) {
                if (why)
                    *why = name_ + ": open, " + k.key + " " + range_text(r.start, r.end) + " (from " + kDayNames[yd] + ")";
                return true;
            }
        }
    }
    if (why) {
        if (week_[wd] >= 0) {
            const DayKey& k = keys_[static_cast<std::size_t>(week_[wd])];
            *why = name_ + ": outside " + k.key + " " + k.text;
        } else {
            *why = name_ + ": closed, no hours on " + kDayNames[wd];
        }
    }
    return false;
}

bool parse_at(const std::string& raw, const TimeZone& tz, std::int64_t* utc_seconds, std::string* err) {
    std::string dummy;
    std::string& e = err ? *err : dummy;
    try {
        const std::string s = trim(raw);
        auto bad = [&](const std::string& detail) {
            e = "bad --at time '" + raw + "': " + detail +
                " (expected 'YYYY-MM-DD HH:MM' in the configured zone, or an instant such as "
                "2026-11-27T08:30Z or 2026-11-27T09:30+01:00)";
            return false;
        };
        std::int64_t day = 0;
        std::string why;
        if (s.size() < 16) return bad("too short");
        if (!parse_date_at(s, 0, &day, &why)) return bad(why);
        if (s[10] != ' ' && s[10] != 'T' && s[10] != 't') return bad("expected a space or T after the date");
        if (!all_digits(s, 11, 2) || s[13] != ':' || !all_digits(s, 14, 2)) return bad("expected HH:MM after the date");
        const int hour = digits_value(s, 11, 2), minute = digits_value(s, 14, 2);
        if (hour > 23 || minute > 59) return bad("no such time of day");
        std::size_t pos = 16;
        int second = 0;
        if (pos < s.size() && s[pos] == ':') {
            if (!all_digits(s, pos + 1, 2)) return bad("expected two digits of seconds");
            second = digits_value(s, pos + 1, 2);
            if (second > 59) return bad("no such second");
            pos += 3;
        }
        const std::int64_t local = day * 86400 + hour * 3600 + minute * 60 + second;
        if (pos == s.size()) {
            std::int64_t y = 0;
            int m = 0, d = 0;
            civil_from_days(day, &y, &m, &d);
            *utc_seconds = tz.from_local(static_cast<int>(y), m, d, hour, minute) + second;
            return true;
        }
        const std::string zone = s.substr(pos);
        if (zone == "Z" || zone == "z") {
            *utc_seconds = local;
            return true;
        }
        // +HH:MM, +HHMM or +HH
        if (zone[0] != '+' && zone[0] != '-') return bad("unexpected '" + zone + "' after the time");
        int oh = 0, om = 0;
        if (zone.size() == 3 && all_digits(zone, 1, 2)) {
            oh = digits_value(zone, 1, 2);
        } else if (zone.size() == 5 && all_digits(zone, 1, 4)) {
            oh = digits_value(zone, 1, 2);
            om = digits_value(zone, 3, 2);
        } else if (zone.size() == 6 && all_digits(zone, 1, 2) && zone[3] == ':' && all_digits(zone, 4, 2)) {
            oh = digits_value(zone, 1, 2);
            om = digits_value(zone, 4, 2);
        } else {
            return bad("bad zone offset '" + zone + "'");
        }
        if (oh > 23 || om > 59) return bad("bad zone offset '" + zone + "'");
        const int offset = (zone[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        *utc_seconds = local - offset;
        return true;
    } catch (...) {
        e = "out of memory";
        return false;
    }
}

}  // namespace cr
