#include "time/holidays.h"

#include <algorithm>

#include "base/civil.h"

namespace cr {

namespace {

const char* const kRegionNames[kHolidayRegions] = {"DE",    "DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB",
                                                   "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW", "DE-RP",
                                                   "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH"};

enum Region { DE, BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH };

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

}  // namespace cr
