// [hours NAME]: weekly windows, closed and open dates, holidays, across DST; the
// hot path allocates nothing.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "base/civil.h"
#include "support.h"
#include "time/hours.h"
#include "time/tz.h"

using cr::Hours;
using cr::LocalTime;
using cr::TimeZone;
using test::at;

namespace {

using test::make;

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

TEST_CASE("deciding a when: through the time zone, across DST") {
    TimeZone berlin;
    std::string err;
    REQUIRE(test::load_zone(&berlin, "Europe/Berlin", &err));
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
    REQUIRE(test::load_zone(&berlin, "Europe/Berlin", &err));
    Hours h = make("office", {{"mon-fri", "09:00-12:00, 13:00-17:00"},
                              {"sat", "22:00-06:00"},
                              {"closed", "2026-12-24, 2026-12-31..2027-01-01"},
                              {"open", "2026-12-24 10:00-12:00"},
                              {"holidays", "DE-NW"}});
    const std::int64_t from = utc(2026, 1, 1, 0, 0), to = utc(2028, 1, 1, 0, 0);
    long opened = 0, opened_later = 0;
    test::reset_allocations();
    test::count_allocations(true);
    for (std::int64_t t = from; t < to; t += 600) opened += h.open_at(berlin.to_local(t), nullptr) ? 1 : 0;
    for (std::int64_t t = utc(2090, 1, 1, 0, 0); t < utc(2091, 1, 1, 0, 0); t += 3600)
        opened_later += h.open_at(berlin.to_local(t), nullptr) ? 1 : 0;  // footer rule, no holidays
    test::count_allocations(false);
    CHECK(test::allocations() == 0);
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
