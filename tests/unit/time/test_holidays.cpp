// German public holidays by region and year, and Easter.
#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/civil.h"
#include "support.h"
#include "time/holidays.h"
#include "time/hours.h"

using cr::Hours;
using test::at;
using test::make;

// Expected public holidays 2025-2027, transcribed from the German Wikipedia article
// "Gesetzliche Feiertage in Deutschland" (https://de.wikipedia.org/wiki/Gesetzliche_Feiertage_in_Deutschland):
// its table "Übersicht aller Feiertage" (which day holds in which state) with the dates of
// the movable feasts for 2025, 2026 and 2027 given there, and the one-off Berlin holiday of
// 8 May 2025 (80th anniversary of the end of the war, Berlin Feiertagsgesetz §1 as amended).
// Days that hold only in part of a state (Mariä Himmelfahrt in Bavaria, Fronleichnam in
// Saxony and Thuringia, Augsburg's Friedensfest) are not listed, as callrouter leaves them out.
// Each row: date, the states where it is a public holiday ("ALL" = all sixteen).
struct Row {
    const char* date;
    const char* states;
};
const Row kExpected[] = {
    // 2025 (Easter Sunday 20 April)
    {"2025-01-01", "ALL"},                         // Neujahr
    {"2025-01-06", "BW BY ST"},                    // Heilige Drei Könige
    {"2025-03-08", "BE MV"},                       // Internationaler Frauentag
    {"2025-04-18", "ALL"},                         // Karfreitag
    {"2025-04-20", "BB"},                          // Ostersonntag
    {"2025-04-21", "ALL"},                         // Ostermontag
    {"2025-05-01", "ALL"},                         // Tag der Arbeit
    {"2025-05-08", "BE"},                          // 80. Jahrestag der Befreiung
    {"2025-05-29", "ALL"},                         // Christi Himmelfahrt
    {"2025-06-08", "BB"},                          // Pfingstsonntag
    {"2025-06-09", "ALL"},                         // Pfingstmontag
    {"2025-06-19", "BW BY HE NW RP SL"},           // Fronleichnam
    {"2025-08-15", "SL"},                          // Mariä Himmelfahrt
    {"2025-09-20", "TH"},                          // Weltkindertag
    {"2025-10-03", "ALL"},                         // Tag der Deutschen Einheit
    {"2025-10-31", "BB HB HH MV NI SN ST SH TH"},  // Reformationstag
    {"2025-11-01", "BW BY NW RP SL"},              // Allerheiligen
    {"2025-11-19", "SN"},                          // Buß- und Bettag
    {"2025-12-25", "ALL"},                         // 1. Weihnachtstag
    {"2025-12-26", "ALL"},                         // 2. Weihnachtstag
    // 2026 (Easter Sunday 5 April)
    {"2026-01-01", "ALL"},
    {"2026-01-06", "BW BY ST"},
    {"2026-03-08", "BE MV"},
    {"2026-04-03", "ALL"},
    {"2026-04-05", "BB"},
    {"2026-04-06", "ALL"},
    {"2026-05-01", "ALL"},
    {"2026-05-14", "ALL"},
    {"2026-05-24", "BB"},
    {"2026-05-25", "ALL"},
    {"2026-06-04", "BW BY HE NW RP SL"},
    {"2026-08-15", "SL"},
    {"2026-09-20", "TH"},
    {"2026-10-03", "ALL"},
    {"2026-10-31", "BB HB HH MV NI SN ST SH TH"},
    {"2026-11-01", "BW BY NW RP SL"},
    {"2026-11-18", "SN"},
    {"2026-12-25", "ALL"},
    {"2026-12-26", "ALL"},
    // 2027 (Easter Sunday 28 March)
    {"2027-01-01", "ALL"},
    {"2027-01-06", "BW BY ST"},
    {"2027-03-08", "BE MV"},
    {"2027-03-26", "ALL"},
    {"2027-03-28", "BB"},
    {"2027-03-29", "ALL"},
    {"2027-05-01", "ALL"},
    {"2027-05-06", "ALL"},
    {"2027-05-16", "BB"},
    {"2027-05-17", "ALL"},
    {"2027-05-27", "BW BY HE NW RP SL"},
    {"2027-08-15", "SL"},
    {"2027-09-20", "TH"},
    {"2027-10-03", "ALL"},
    {"2027-10-31", "BB HB HH MV NI SN ST SH TH"},
    {"2027-11-01", "BW BY NW RP SL"},
    {"2027-11-17", "SN"},
    {"2027-12-25", "ALL"},
    {"2027-12-26", "ALL"},
};

TEST_CASE("every state's holidays 2025-2027 match the table, and no other day is one") {
    const char* states[] = {"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV",
                            "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"};
    for (int region = 0; region < cr::kHolidayRegions; ++region) {
        const std::string code = cr::holiday_region_name(region);
        CAPTURE(code);
        std::set<std::string> expected;
        for (const Row& r : kExpected) {
            std::istringstream in(r.states);
            std::string s;
            bool holds = false;
            std::set<std::string> listed;
            while (in >> s) listed.insert(s);
            if (listed.count("ALL"))
                holds = true;
            else if (region == 0)
                holds = listed.size() == 16;
            else
                holds = listed.count(code.substr(3)) > 0;
            if (holds) expected.insert(r.date);
        }
        std::set<std::string> computed;
        for (int year = 2025; year <= 2027; ++year) {
            for (const cr::Holiday& h : cr::german_holidays(region, year)) {
                char buf[40];
                std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, h.month, h.day);
                computed.insert(buf);
            }
        }
        CHECK(computed == expected);

        // The same through an [hours] section open around the clock: closed exactly then.
        if (region > 0) CHECK(code == std::string("DE-") + states[region - 1]);
        Hours always = make("always", {{"mon-sun", "00:00-24:00"}, {"holidays", code.c_str()}});
        int closed_days = 0;
        for (std::int64_t day = cr::days_from_civil(2025, 1, 1); day <= cr::days_from_civil(2027, 12, 31); ++day) {
            std::int64_t y = 0;
            int m = 0, d = 0;
            cr::civil_from_days(day, &y, &m, &d);
            char buf[40];
            std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(y), m, d);
            const bool open = always.open_at(at(static_cast<int>(y), m, d, 12, 0), nullptr);
            if (!open) ++closed_days;
            if (open == (expected.count(buf) > 0)) FAIL_CHECK(code << " wrong on " << buf);
        }
        CHECK(closed_days == static_cast<int>(expected.size()));
    }
}

TEST_CASE("holiday names and year-specific rules") {
    auto has = [](const char* region, int y, int m, int d, const char* name = nullptr) {
        int r = -1;
        REQUIRE(cr::parse_holiday_region(region, &r));
        for (const cr::Holiday& h : cr::german_holidays(r, y))
            if (h.month == m && h.day == d && (name == nullptr || std::string(h.name) == name)) return true;
        return false;
    };
    CHECK(has("DE-NW", 2026, 6, 4, "Fronleichnam"));
    CHECK(has("DE-SN", 2026, 11, 18, "Buß- und Bettag"));
    CHECK(has("DE-BB", 2026, 4, 5, "Ostersonntag"));
    CHECK(has("DE", 2026, 12, 26, "2. Weihnachtstag"));

    // Reformation Day: 500th anniversary in every state in 2017; HB HH NI SH from 2018.
    for (const char* r : {"DE", "DE-BW", "DE-BY", "DE-BE", "DE-HB", "DE-NW", "DE-SL", "DE-TH"})
        CHECK_MESSAGE(has(r, 2017, 10, 31, "Reformationstag"), r);
    CHECK_FALSE(has("DE-NI", 2016, 10, 31));
    CHECK(has("DE-NI", 2018, 10, 31));
    CHECK_FALSE(has("DE-BE", 2018, 10, 31));
    CHECK(has("DE-SN", 1990, 10, 31));
    // Women's Day: Berlin from 2019, Mecklenburg-Vorpommern from 2023.
    CHECK_FALSE(has("DE-BE", 2018, 3, 8));
    CHECK(has("DE-BE", 2019, 3, 8));
    CHECK_FALSE(has("DE-MV", 2022, 3, 8));
    CHECK(has("DE-MV", 2023, 3, 8));
    // World Children's Day in Thuringia from 2019.
    CHECK_FALSE(has("DE-TH", 2018, 9, 20));
    CHECK(has("DE-TH", 2019, 9, 20));
    // Berlin's one-off days.
    CHECK(has("DE-BE", 2020, 5, 8));
    CHECK_FALSE(has("DE-BE", 2021, 5, 8));
    CHECK(has("DE-BE", 2028, 6, 17));
    CHECK_FALSE(has("DE-BE", 2029, 6, 17));
    // Epiphany in Saxony-Anhalt since 1993.
    CHECK_FALSE(has("DE-ST", 1992, 1, 6));
    CHECK(has("DE-ST", 1993, 1, 6));
    // Buß- und Bettag: everywhere up to 1994, then Saxony only; 16..22 November.
    CHECK(has("DE-HH", 1994, 11, 16, "Buß- und Bettag"));
    CHECK(has("DE", 1990, 11, 21));
    CHECK_FALSE(has("DE-HH", 1995, 11, 22));
    CHECK(has("DE-SN", 1995, 11, 22));
    CHECK(has("DE-SN", 2022, 11, 16));  // 23 November 2022 was itself a Wednesday
    CHECK(has("DE-SN", 2028, 11, 22));
    // Partial-state days are left out.
    CHECK_FALSE(has("DE-BY", 2026, 8, 15));
    CHECK_FALSE(has("DE-SN", 2026, 6, 4));
    CHECK_FALSE(has("DE-TH", 2026, 6, 4));
    CHECK_FALSE(has("DE-BY", 2026, 8, 8));
    // Outside 1990..2100: none.
    CHECK(cr::german_holidays(0, 1989).empty());
    CHECK(cr::german_holidays(0, 2101).empty());
    CHECK(cr::german_holidays(0, 2100).size() == 9);
    CHECK(cr::german_holidays(17, 2026).empty());

    int r = 0;
    CHECK_FALSE(cr::parse_holiday_region("DE-", &r));
    CHECK_FALSE(cr::parse_holiday_region("NW", &r));
    CHECK(cr::parse_holiday_region("de-th", &r));
    CHECK(std::string(cr::holiday_region_name(r)) == "DE-TH");

    // Ascension fell on 1 May in 2008: both days are listed.
    CHECK(has("DE", 2008, 5, 1, "Tag der Arbeit"));
    CHECK(has("DE", 2008, 5, 1, "Christi Himmelfahrt"));
    CHECK(cr::german_holidays(0, 2008).size() == 9);

    // Every year of the range: sorted by date, at least the nine national days.
    for (int region = 0; region < cr::kHolidayRegions; ++region) {
        for (int y = cr::kFirstHolidayYear; y <= cr::kLastHolidayYear; ++y) {
            auto list = cr::german_holidays(region, y);
            REQUIRE(list.size() >= 9);
            for (std::size_t i = 1; i < list.size(); ++i)
                REQUIRE(list[i - 1].month * 32 + list[i - 1].day <= list[i].month * 32 + list[i].day);
        }
    }
}

TEST_CASE("Easter: the Gregorian computus") {
    struct E {
        int y, m, d;
    };
    for (E e : {E{1990, 4, 15}, E{2000, 4, 23}, E{2008, 3, 23}, E{2011, 4, 24}, E{2019, 4, 21}, E{2024, 3, 31},
                E{2025, 4, 20}, E{2026, 4, 5}, E{2027, 3, 28}, E{2038, 4, 25}, E{2100, 3, 28}, E{2285, 3, 22}}) {
        int m = 0, d = 0;
        cr::easter_sunday(e.y, &m, &d);
        CAPTURE(e.y);
        CHECK(m == e.m);
        CHECK(d == e.d);
    }
    for (int y = 1583; y < 4000; ++y) {
        int m = 0, d = 0;
        cr::easter_sunday(y, &m, &d);
        const std::int64_t day = cr::days_from_civil(y, m, d);
        REQUIRE(cr::weekday_from_days(day) == 0);
        REQUIRE(day >= cr::days_from_civil(y, 3, 22));
        REQUIRE(day <= cr::days_from_civil(y, 4, 25));
    }
}
