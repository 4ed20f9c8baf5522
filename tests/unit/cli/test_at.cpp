// --at: a local time in the rule file's zone, or an instant with an offset.
#include <doctest/doctest.h>

#include <string>

#include "base/civil.h"
#include "cli/at.h"
#include "support.h"
#include "time/tz.h"

using cr::TimeZone;

namespace {

std::int64_t utc(int y, int mo, int d, int h, int mi) {
    return cr::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

}  // namespace

TEST_CASE("--at") {
    TimeZone berlin;
    std::string err;
    REQUIRE(test::load_zone(&berlin, "Europe/Berlin", &err));
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
    REQUIRE(test::load_zone(&ny, "America/New_York", &err));
    REQUIRE(cr::parse_at("2026-11-27 09:30", ny, &t, &err));
    CHECK(t == utc(2026, 11, 27, 14, 30));

    for (const char* bad :
         {"", "now", "2026-02-30 10:00", "2026-11-27 25:00", "2026-11-27 10:60", "2026-11-27", "2026-11-27 9:30",
          "2026/11/27 09:30", "2026-11-27T09:30+1", "2026-11-27T09:30+01:", "2026-11-27T09:30+24:00",
          "2026-11-27T09:30 CET", "2026-11-27 09:30:60", "2026-11-27 09:30:5", "2026-11-27X09:30"}) {
        CAPTURE(bad);
        err.clear();
        CHECK_FALSE(cr::parse_at(bad, berlin, &t, &err));
        CHECK(err.find("bad --at time") == 0);
    }
    CHECK_FALSE(cr::parse_at("2026-02-30 10:00", berlin, &t, &err));
    CHECK(err.find("February 2026 has 28 days") != std::string::npos);
}
