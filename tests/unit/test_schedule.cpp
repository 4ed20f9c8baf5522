// [hours] sections, German public holidays, --at.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "schedule.h"
#include "support.h"

using cr::Hours;
using cr::LocalTime;
using cr::TimeZone;
using test::at;

// Counts heap allocations while g_count_allocations is set, to prove the hot path makes
// none; and fails one when asked (test::fail_allocation, support.h).
namespace {
std::atomic<bool> g_count_allocations{false};
std::atomic<long> g_allocations{0};
std::atomic<long> g_fail_in{0};  // the allocation that fails: 1 the next one; 0 none

void* counted_malloc(std::size_t size) noexcept {
    if (g_count_allocations.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (g_fail_in.load(std::memory_order_relaxed) > 0 && g_fail_in.fetch_sub(1) == 1) return nullptr;
    return std::malloc(size ? size : 1);
}
}  // namespace

void test::fail_allocation(long n) { g_fail_in = n; }

// Every replaceable form, so that no allocator of the runtime (or a sanitizer's) is mixed in;
// out of line, so that the compiler does not pair an inlined free() with operator new.
__attribute__((noinline)) void* operator new(std::size_t size) {
    if (void* p = counted_malloc(size)) return p;
    throw std::bad_alloc();
}
__attribute__((noinline)) void* operator new[](std::size_t size) {
    if (void* p = counted_malloc(size)) return p;
    throw std::bad_alloc();
}
__attribute__((noinline)) void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return counted_malloc(size);
}
__attribute__((noinline)) void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return counted_malloc(size);
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {


struct Line {
    const char* key;
    const char* value;
};

// Builds an [hours] section from key/value lines numbered from 10 on; fails the test on error.
Hours make(const std::string& name, std::initializer_list<Line> lines) {
    Hours h(name);
    int n = 10;
    std::string err;
    for (const Line& l : lines) {
        INFO(l.key << " = " << l.value);
        REQUIRE_MESSAGE(h.add(l.key, l.value, n++, &err), err);
    }
    REQUIRE_MESSAGE(h.finish(&err), err);
    return h;
}

std::string why(const Hours& h, const LocalTime& t) {
    std::string w;
    h.open_at(t, &w);
    return w;
}

std::int64_t utc(int y, int mo, int d, int h, int mi) {
    return cr::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

}  // namespace

TEST_CASE("weekly windows with a lunch break") {
    Hours h = make("office", {{"mon-fri", "09:00-12:00, 13:00-17:00"}, {"sat", "10:00-14:00"}});
    // 2026-11-27 is a Friday.
    CHECK_FALSE(h.open_at(at(2026, 11, 27, 8, 59), nullptr));
    CHECK(h.open_at(at(2026, 11, 27, 9, 0), nullptr));
    CHECK(h.open_at(at(2026, 11, 27, 11, 59), nullptr));
    CHECK_FALSE(h.open_at(at(2026, 11, 27, 12, 0), nullptr));
    CHECK_FALSE(h.open_at(at(2026, 11, 27, 12, 59), nullptr));
    CHECK(h.open_at(at(2026, 11, 27, 13, 0), nullptr));
    CHECK(h.open_at(at(2026, 11, 27, 16, 59), nullptr));
    CHECK_FALSE(h.open_at(at(2026, 11, 27, 17, 0), nullptr));
    CHECK(h.open_at(at(2026, 11, 28, 10, 0), nullptr));  // Saturday
    CHECK_FALSE(h.open_at(at(2026, 11, 28, 14, 0), nullptr));
    CHECK_FALSE(h.open_at(at(2026, 11, 29, 12, 0), nullptr));  // Sunday
    CHECK(h.open_at(at(2026, 11, 23, 9, 30), nullptr));        // Monday

    CHECK(why(h, at(2026, 11, 27, 9, 30)) == "office: open, mon-fri 09:00-12:00");
    CHECK(why(h, at(2026, 11, 27, 14, 0)) == "office: open, mon-fri 13:00-17:00");
    CHECK(why(h, at(2026, 11, 27, 12, 30)) == "office: outside mon-fri 09:00-12:00, 13:00-17:00");
    CHECK(why(h, at(2026, 11, 29, 12, 0)) == "office: closed, no hours on sun");
    CHECK(h.name() == "office");
}

TEST_CASE("day keys: single days, ranges, wrapping ranges, any letter case") {
    Hours h = make("w", {{"fri-mon", "10:00-11:00"}, {"Wed", "10:00-11:00"}});
    // 2026-11-23 Mon .. 2026-11-29 Sun
    CHECK(h.open_at(at(2026, 11, 23, 10, 0), nullptr));        // mon
    CHECK_FALSE(h.open_at(at(2026, 11, 24, 10, 0), nullptr));  // tue
    CHECK(h.open_at(at(2026, 11, 25, 10, 0), nullptr));        // wed
    CHECK_FALSE(h.open_at(at(2026, 11, 26, 10, 0), nullptr));  // thu
    CHECK(h.open_at(at(2026, 11, 27, 10, 0), nullptr));        // fri
    CHECK(h.open_at(at(2026, 11, 28, 10, 0), nullptr));        // sat
    CHECK(h.open_at(at(2026, 11, 29, 10, 0), nullptr));        // sun
    CHECK(why(h, at(2026, 11, 29, 10, 0)) == "w: open, fri-mon 10:00-11:00");
}

TEST_CASE("24:00 ends a range; ranges past midnight belong to the day they start on") {
    Hours h = make("night", {{"mon", "22:00-06:00"}, {"sun", "18:00-24:00"}, {"sat", "00:00-24:00"}});
    // Monday 2026-11-23 22:00 to Tuesday 05:59.
    CHECK_FALSE(h.open_at(at(2026, 11, 23, 21, 59), nullptr));
    CHECK(h.open_at(at(2026, 11, 23, 22, 0), nullptr));
    CHECK(h.open_at(at(2026, 11, 23, 23, 59), nullptr));
    CHECK(h.open_at(at(2026, 11, 24, 0, 0), nullptr));
    CHECK(h.open_at(at(2026, 11, 24, 5, 59), nullptr));
    CHECK_FALSE(h.open_at(at(2026, 11, 24, 6, 0), nullptr));
    CHECK_FALSE(h.open_at(at(2026, 11, 24, 22, 0), nullptr));  // Tuesday night has no hours
    CHECK_FALSE(h.open_at(at(2026, 11, 23, 3, 0), nullptr));   // Monday early: Sunday ended at 24:00
    CHECK(why(h, at(2026, 11, 24, 1, 0)) == "night: open, mon 22:00-06:00 (from mon)");
    CHECK(why(h, at(2026, 11, 24, 7, 0)) == "night: closed, no hours on tue");
    // Sunday 18:00-24:00 is open at 23:59, closed at Monday 00:00.
    CHECK(h.open_at(at(2026, 11, 29, 23, 59), nullptr));
    CHECK_FALSE(h.open_at(at(2026, 11, 30, 0, 0), nullptr));
    CHECK(why(h, at(2026, 11, 29, 23, 59)) == "night: open, sun 18:00-24:00");
    CHECK(h.open_at(at(2026, 11, 28, 0, 0), nullptr));
    CHECK(h.open_at(at(2026, 11, 28, 23, 59), nullptr));

    // A Sunday night range runs into Monday (the week wraps).
    Hours s = make("s", {{"sun", "23:00-01:00"}});
    CHECK(s.open_at(at(2026, 11, 30, 0, 30), nullptr));
    CHECK_FALSE(s.open_at(at(2026, 11, 30, 1, 0), nullptr));
}

TEST_CASE("closed dates and ranges, open windows win") {
    Hours h = make("office", {{"mon-fri", "09:00-17:00"},
                              {"closed", "2026-12-24, 2026-12-31..2027-01-01"},
                              {"open", "2026-12-24 10:00-12:00, 2026-12-27 11:00-13:00"},
                              {"closed", "2027-01-06"},
                              {"holidays", "DE-NW"}});
    // Thursday 2026-12-24: closed all day except the extra window.
    CHECK_FALSE(h.open_at(at(2026, 12, 24, 9, 30), nullptr));
    CHECK(why(h, at(2026, 12, 24, 9, 30)) == "office: closed, closed 2026-12-24 (line 11)");
    CHECK(h.open_at(at(2026, 12, 24, 10, 0), nullptr));
    CHECK(why(h, at(2026, 12, 24, 10, 0)) == "office: open, open 2026-12-24 10:00-12:00");
    CHECK_FALSE(h.open_at(at(2026, 12, 24, 12, 0), nullptr));
    // Sunday 2026-12-27: extra opening on a day without hours.
    CHECK(h.open_at(at(2026, 12, 27, 12, 0), nullptr));
    CHECK_FALSE(h.open_at(at(2026, 12, 27, 13, 0), nullptr));
    // The range, both ends included.
    CHECK(why(h, at(2026, 12, 31, 10, 0)) == "office: closed, closed 2026-12-31..2027-01-01 (line 11)");
    CHECK_FALSE(h.open_at(at(2027, 1, 1, 10, 0), nullptr));
    CHECK(h.open_at(at(2027, 1, 4, 10, 0), nullptr));
    CHECK(h.open_at(at(2026, 12, 30, 10, 0), nullptr));
    // A second closed line adds up.
    CHECK(why(h, at(2027, 1, 6, 10, 0)) == "office: closed, closed 2027-01-06 (line 13)");
    // Holidays: Fronleichnam 2026-06-04 in NRW, Christmas.
    CHECK(why(h, at(2026, 6, 4, 10, 0)) == "office: closed, holiday DE-NW Fronleichnam");
    CHECK(why(h, at(2026, 12, 25, 10, 0)) == "office: closed, holiday DE-NW 1. Weihnachtstag");
    CHECK(h.open_at(at(2026, 6, 5, 10, 0), nullptr));
    CHECK(why(h, at(2026, 6, 5, 17, 0)) == "office: outside mon-fri 09:00-17:00");
}

TEST_CASE("an open window wins over a holiday; closed days close their whole calendar day") {
    Hours h = make("hotline", {{"mon-sun", "20:00-02:00"},
                               {"holidays", "DE-BY"},
                               {"open", "2026-01-06 08:00-10:00, 2026-12-31 22:00-03:00"},
                               {"closed", "2026-12-31"}});
    CHECK(h.open_at(at(2026, 1, 6, 9, 0), nullptr));  // Epiphany in Bavaria, but opened
    CHECK_FALSE(h.open_at(at(2026, 1, 6, 21, 0), nullptr));
    CHECK(why(h, at(2026, 1, 6, 21, 0)) == "hotline: closed, holiday DE-BY Heilige Drei Könige");
    // The night from Monday 5 Jan runs into the holiday, which closes at midnight.
    CHECK(h.open_at(at(2026, 1, 5, 23, 0), nullptr));
    CHECK_FALSE(h.open_at(at(2026, 1, 6, 1, 0), nullptr));
    // The holiday's own night range resumes after midnight on the 7th.
    CHECK(h.open_at(at(2026, 1, 7, 1, 0), nullptr));
    // An open window past midnight belongs to its date and runs on.
    CHECK_FALSE(h.open_at(at(2026, 12, 31, 21, 0), nullptr));
    CHECK(h.open_at(at(2026, 12, 31, 22, 0), nullptr));
    CHECK(h.open_at(at(2027, 1, 1, 2, 59), nullptr));  // New Year's Day is a holiday: the window wins
    CHECK(why(h, at(2027, 1, 1, 2, 59)) == "hotline: open, open 2026-12-31 22:00-03:00");
    CHECK_FALSE(h.open_at(at(2027, 1, 1, 3, 0), nullptr));
}

TEST_CASE("errors refused at load") {
    struct Case {
        const char* key;
        const char* value;
        const char* message;  // expected part of the error
    };
    const Case cases[] = {
        {"monday", "09:00-17:00", "unknown key 'monday'"},
        {"mon-fry", "09:00-17:00", "unknown key 'mon-fry'"},
        {"weekdays", "09:00-17:00", "unknown key 'weekdays'"},
        {"timezone", "Europe/Berlin", "unknown key 'timezone'"},
        {"mon-mon", "09:00-17:00", "names a single day"},
        {"mon", "25:00-26:00", "bad time '25:00'"},
        {"mon", "09:00-25:00", "bad time '25:00'"},
        {"mon", "09:60-10:00", "bad time '09:60'"},
        {"mon", "24:00-06:00", "24:00 can only end a range"},
        {"mon", "24:30-06:00", "bad time '24:30'"},
        {"mon", "", "no time ranges"},
        {"mon", "09:00", "bad time range '09:00'"},
        {"mon", "9-17", "bad time '9'"},
        {"mon", "09:00-17:00-18:00", "bad time range"},
        {"mon", "09:00-17:00,", "empty item"},
        {"mon", "09:00-17:00 13:00-14:00", "bad time"},
        {"mon", "09:00-09:00", "starts and ends at the same time"},
        {"mon", "0900-1700", "bad time '0900'"},
        {"closed", "2026-02-30", "bad date '2026-02-30': February 2026 has 28 days"},
        {"closed", "2026-13-01", "no month 13"},
        {"closed", "26-12-24", "bad date '26-12-24'"},
        {"closed", "", "no dates"},
        {"closed", "2027-01-01..2026-12-31", "ends before it starts"},
        {"closed", "2026-12-31..", "bad date"},
        {"open", "2026-12-24", "expected YYYY-MM-DD HH:MM-HH:MM"},
        {"open", "2026-12-24 10:00", "bad time range"},
        {"open", "2026-02-29 10:00-12:00", "February 2026 has 28 days"},
        {"holidays", "DE-XX", "unknown holiday region 'DE-XX'"},
        {"holidays", "AT", "unknown holiday region 'AT'"},
        {"holidays", "DE-NW, DE-BY", "unknown holiday region"},
        {"holidays", "", "unknown holiday region"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.key);
        CAPTURE(c.value);
        Hours h("office");
        std::string err;
        CHECK_FALSE(h.add(c.key, c.value, 7, &err));
        CHECK_MESSAGE(err.find(c.message) != std::string::npos, err);
    }

    Hours h("office");
    std::string err;
    REQUIRE(h.add("mon-fri", "09:00-17:00", 4, &err));
    CHECK_FALSE(h.add("fri", "10:00-11:00", 9, &err));
    CHECK(err == "fri already set on line 4 (by 'mon-fri')");
    CHECK_FALSE(h.add("sun-mon", "10:00-11:00", 9, &err));
    CHECK(err == "mon already set on line 4 (by 'mon-fri')");
    REQUIRE(h.add("sat", "10:00-11:00", 10, &err));  // the failed keys changed nothing
    REQUIRE(h.add("holidays", "de-nw", 11, &err));
    CHECK_FALSE(h.add("holidays", "DE-BY", 12, &err));
    CHECK(err.find("already set on line 11") != std::string::npos);
    CHECK(h.finish(&err));

    Hours empty("nothing");
    CHECK_FALSE(empty.finish(&err));
    CHECK(err.find("[hours nothing] is empty") == 0);

    Hours never("never");
    REQUIRE(never.add("holidays", "DE", 3, &err));
    REQUIRE(never.add("closed", "2026-12-24", 4, &err));
    CHECK_FALSE(never.finish(&err));
    CHECK(err.find("never open") != std::string::npos);

    Hours only_open = make("event", {{"open", "2026-05-01 10:00-18:00"}});
    CHECK(only_open.open_at(at(2026, 5, 1, 12, 0), nullptr));
    CHECK_FALSE(only_open.open_at(at(2026, 5, 2, 12, 0), nullptr));
}

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
    {"2025-01-01", "ALL"},  // Neujahr
    {"2025-01-06", "BW BY ST"},  // Heilige Drei Könige
    {"2025-03-08", "BE MV"},  // Internationaler Frauentag
    {"2025-04-18", "ALL"},  // Karfreitag
    {"2025-04-20", "BB"},  // Ostersonntag
    {"2025-04-21", "ALL"},  // Ostermontag
    {"2025-05-01", "ALL"},  // Tag der Arbeit
    {"2025-05-08", "BE"},  // 80. Jahrestag der Befreiung
    {"2025-05-29", "ALL"},  // Christi Himmelfahrt
    {"2025-06-08", "BB"},  // Pfingstsonntag
    {"2025-06-09", "ALL"},  // Pfingstmontag
    {"2025-06-19", "BW BY HE NW RP SL"},  // Fronleichnam
    {"2025-08-15", "SL"},  // Mariä Himmelfahrt
    {"2025-09-20", "TH"},  // Weltkindertag
    {"2025-10-03", "ALL"},  // Tag der Deutschen Einheit
    {"2025-10-31", "BB HB HH MV NI SN ST SH TH"},  // Reformationstag
    {"2025-11-01", "BW BY NW RP SL"},  // Allerheiligen
    {"2025-11-19", "SN"},  // Buß- und Bettag
    {"2025-12-25", "ALL"},  // 1. Weihnachtstag
    {"2025-12-26", "ALL"},  // 2. Weihnachtstag
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

TEST_CASE("--at") {
    TimeZone berlin;
    std::string err;
    REQUIRE(berlin.load("Europe/Berlin", &err));
    std::int64_t t = 0;
    REQUIRE(cr::parse_at("2026-11-27 09:30", berlin, &t, &err));
    CHECK(t == utc(2026, 11, 27, 8, 30));
    REQUIRE(cr::parse_at("2026-11-27T08:30Z", berlin, &t, &err));
    CHECK(t == utc(2026, 11, 27, 8, 30));
    REQUIRE(cr::parse_at("2026-11-27T09:30+01:00", berlin, &t, &err));
    CHECK(t == utc(2026, 11, 27, 8, 30));
    REQUIRE(cr::parse_at("2026-11-27T03:30-05:00", berlin, &t, &err));
    CHECK(t == utc(2026, 11, 27, 8, 30));
    REQUIRE(cr::parse_at("2026-11-27T14:00+0530", berlin, &t, &err));
    CHECK(t == utc(2026, 11, 27, 8, 30));
    REQUIRE(cr::parse_at("2026-11-27 08:30:15z", berlin, &t, &err));
    CHECK(t == utc(2026, 11, 27, 8, 30) + 15);
    REQUIRE(cr::parse_at("  2026-07-01T12:00  ", berlin, &t, &err));  // no offset: local
    CHECK(t == utc(2026, 7, 1, 10, 0));
    // Gap and fold, as TimeZone::from_local.
    REQUIRE(cr::parse_at("2026-03-29 02:30", berlin, &t, &err));
    CHECK(t == utc(2026, 3, 29, 1, 30));
    CHECK(berlin.to_local(t).hour == 3);
    REQUIRE(cr::parse_at("2026-10-25 02:30", berlin, &t, &err));
    CHECK(t == utc(2026, 10, 25, 0, 30));
    CHECK(berlin.to_local(t).utc_offset == 7200);

    TimeZone ny;
    REQUIRE(ny.load("America/New_York", &err));
    REQUIRE(cr::parse_at("2026-11-27 09:30", ny, &t, &err));
    CHECK(t == utc(2026, 11, 27, 14, 30));

    for (const char* bad : {"", "now", "2026-02-30 10:00", "2026-11-27 25:00", "2026-11-27 10:60", "2026-11-27",
                            "2026-11-27 9:30", "2026/11/27 09:30", "2026-11-27T09:30+1", "2026-11-27T09:30+01:",
                            "2026-11-27T09:30+24:00", "2026-11-27T09:30 CET", "2026-11-27 09:30:60",
                            "2026-11-27 09:30:5", "2026-11-27X09:30"}) {
        CAPTURE(bad);
        err.clear();
        CHECK_FALSE(cr::parse_at(bad, berlin, &t, &err));
        CHECK(err.find("bad --at time") == 0);
    }
    CHECK_FALSE(cr::parse_at("2026-02-30 10:00", berlin, &t, &err));
    CHECK(err.find("February 2026 has 28 days") != std::string::npos);
}

TEST_CASE("deciding a when: through the time zone, across DST") {
    TimeZone berlin;
    std::string err;
    REQUIRE(berlin.load("Europe/Berlin", &err));
    Hours h = make("office", {{"mon-sun", "02:00-03:00, 09:00-17:00"}});
    // 2026-03-29 00:59 UTC is 01:59 CET; 01:00 UTC is 03:00 CEST: the 02:00 hour never happens.
    CHECK_FALSE(h.open_at(berlin.to_local(utc(2026, 3, 29, 0, 59)), nullptr));
    CHECK_FALSE(h.open_at(berlin.to_local(utc(2026, 3, 29, 1, 0)), nullptr));
    // On 2026-10-25 02:00-03:00 happens twice, both times open.
    CHECK(h.open_at(berlin.to_local(utc(2026, 10, 25, 0, 30)), nullptr));
    CHECK(h.open_at(berlin.to_local(utc(2026, 10, 25, 1, 30)), nullptr));
    CHECK_FALSE(h.open_at(berlin.to_local(utc(2026, 10, 25, 2, 0)), nullptr));
    // 09:00 local is 07:00 UTC in summer and 08:00 UTC in winter.
    CHECK(h.open_at(berlin.to_local(utc(2026, 7, 1, 7, 0)), nullptr));
    CHECK_FALSE(h.open_at(berlin.to_local(utc(2026, 12, 1, 7, 0)), nullptr));
    CHECK(h.open_at(berlin.to_local(utc(2026, 12, 1, 8, 0)), nullptr));
}

TEST_CASE("the hot path allocates nothing and is safe from several threads") {
    TimeZone berlin;
    std::string err;
    REQUIRE(berlin.load("Europe/Berlin", &err));
    Hours h = make("office", {{"mon-fri", "09:00-12:00, 13:00-17:00"},
                              {"sat", "22:00-06:00"},
                              {"closed", "2026-12-24, 2026-12-31..2027-01-01"},
                              {"open", "2026-12-24 10:00-12:00"},
                              {"holidays", "DE-NW"}});
    const std::int64_t from = utc(2026, 1, 1, 0, 0), to = utc(2028, 1, 1, 0, 0);
    long opened = 0, opened_later = 0;
    g_allocations = 0;
    g_count_allocations = true;
    for (std::int64_t t = from; t < to; t += 600) opened += h.open_at(berlin.to_local(t), nullptr) ? 1 : 0;
    for (std::int64_t t = utc(2090, 1, 1, 0, 0); t < utc(2091, 1, 1, 0, 0); t += 3600)
        opened_later += h.open_at(berlin.to_local(t), nullptr) ? 1 : 0;  // footer rule, no holidays
    g_count_allocations = false;
    CHECK(g_allocations == 0);
    CHECK(opened > 0);
    CHECK(opened_later > 0);

    std::atomic<long> total{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            long n = 0;
            for (std::int64_t t = from; t < to; t += 600) n += h.open_at(berlin.to_local(t), nullptr) ? 1 : 0;
            total += n;
        });
    for (auto& th : threads) th.join();
    CHECK(total == 4 * opened);
}
