// The calendar and the text of dates and times (base/civil.h).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "base/civil.h"

TEST_CASE("calendar helpers") {
    CHECK(cr::days_from_civil(1970, 1, 1) == 0);
    CHECK(cr::days_from_civil(2000, 3, 1) == 11017);
    CHECK(cr::days_from_civil(1969, 12, 31) == -1);
    CHECK(cr::weekday_from_days(0) == 4);                                 // Thursday
    CHECK(cr::weekday_from_days(cr::days_from_civil(2026, 3, 29)) == 0);  // Sunday
    CHECK(cr::weekday_from_days(-1) == 3);
    for (std::int64_t d = -800000; d <= 800000; d += 97) {
        std::int64_t y = 0;
        int m = 0, dd = 0;
        cr::civil_from_days(d, &y, &m, &dd);
        REQUIRE(cr::days_from_civil(y, m, dd) == d);
    }
    CHECK(cr::days_in_month(2024, 2) == 29);
    CHECK(cr::days_in_month(2100, 2) == 28);
    CHECK(cr::days_in_month(2000, 2) == 29);
}

TEST_CASE("UTC stamps: written as the log line and the journal write them, read back strictly") {
    CHECK(cr::utc_stamp(0) == "1970-01-01T00:00:00Z");
    CHECK(cr::utc_stamp(-1) == "1969-12-31T23:59:59Z");
    CHECK(cr::utc_stamp(1796030102) == "2026-11-30T09:15:02Z");
    for (std::int64_t t = -2000000000; t <= 4000000000; t += 7777777) {
        std::int64_t back = 0;
        REQUIRE(cr::parse_utc_stamp(cr::utc_stamp(t), &back));
        REQUIRE(back == t);
    }
    std::int64_t t = 0;
    CHECK(cr::parse_utc_stamp("2024-02-29T12:00:00Z", &t));
    CHECK(t == 1709208000);
    for (const char* bad :
         {"2026-02-29T12:00:00Z", "2026-11-30T24:00:00Z", "2026-13-01T00:00:00Z", "2026-11-30 09:15:02Z",
          "2026-11-30T09:15:02", "2026-11-30T09:15:02+01", "", "2026-11-30T09:15:02Zx", "2026-11-30T09:15:61Z",
          // What sscanf's %d read: a sign, a space.
          "2026-01-01T-1:00:00Z", "+026-01-01T10:00:00Z", "-026-01-01T10:00:00Z", " 2026-1-01T10:00:00Z",
          "2026-01-01T 1:00:00Z", "2026-01-+1T10:00:00Z", "2026-01-01T10:-0:00Z", "2026-01-01T10:00:+0Z"})
        CHECK_MESSAGE(!cr::parse_utc_stamp(bad, &t), bad);
    CHECK(t == 1709208000);                                    // left alone by every refusal
    REQUIRE(cr::parse_utc_stamp("2016-12-31T23:59:60Z", &t));  // a leap second
    CHECK(t == 1483228800);
}
