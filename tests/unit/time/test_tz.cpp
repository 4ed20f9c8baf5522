// Time zones: TZif parsing, POSIX TZ footers, DST transitions, gap and fold.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "base/civil.h"
#include "support.h"
#include "time/tz.h"

using cr::LocalTime;
using cr::TimeZone;

namespace {

std::int64_t utc(int y, int mo, int d, int h, int mi, int s = 0) {
    return cr::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

TimeZone zone(const char* name) {
    TimeZone tz;
    std::string err;
    REQUIRE_MESSAGE(test::load_zone(&tz, name, &err), err);
    return tz;
}

void put32(std::string* s, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s->push_back(static_cast<char>((v >> shift) & 0xff));
}

void put64(std::string* s, std::int64_t v) {
    put32(s, static_cast<std::uint32_t>(static_cast<std::uint64_t>(v) >> 32));
    put32(s, static_cast<std::uint32_t>(static_cast<std::uint64_t>(v) & 0xffffffffu));
}

struct TestType {
    int offset;
    bool dst;
};

// A version 2 TZif file with an empty v1 block, as a "slim" zic writes it.
std::string make_tzif(const std::vector<std::int64_t>& times, const std::vector<unsigned char>& idx,
                      const std::vector<TestType>& types, const std::string& footer) {
    std::string s;
    auto header = [&](std::uint32_t timecnt, std::uint32_t typecnt, std::uint32_t charcnt) {
        s += "TZif2";
        s.append(15, '\0');
        put32(&s, 0);  // isut
        put32(&s, 0);  // isstd
        put32(&s, 0);  // leap
        put32(&s, timecnt);
        put32(&s, typecnt);
        put32(&s, charcnt);
    };
    header(0, 1, 1);
    put32(&s, 0);
    s.push_back(0);
    s.push_back(0);
    s.push_back(0);  // one type, one designation byte
    header(static_cast<std::uint32_t>(times.size()), static_cast<std::uint32_t>(types.size()), 4);
    for (std::int64_t t : times) put64(&s, t);
    for (unsigned char i : idx) s.push_back(static_cast<char>(i));
    for (const TestType& t : types) {
        put32(&s, static_cast<std::uint32_t>(t.offset));
        s.push_back(t.dst ? 1 : 0);
        s.push_back(0);
    }
    s += std::string("ABC", 4);
    s += "\n" + footer + "\n";
    return s;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("Europe/Berlin: last Sunday of March and of October 2026") {
    TimeZone tz = zone("Europe/Berlin");
    CHECK(tz.name() == "Europe/Berlin");

    LocalTime a = tz.to_local(utc(2026, 3, 29, 0, 59, 59));
    CHECK(a.hour == 1);
    CHECK(a.minute == 59);
    CHECK(a.second == 59);
    CHECK(a.utc_offset == 3600);
    LocalTime b = tz.to_local(utc(2026, 3, 29, 1, 0));
    CHECK(b.hour == 3);
    CHECK(b.utc_offset == 7200);
    CHECK(b.wday == 0);
    CHECK(b.day == 29);

    LocalTime c = tz.to_local(utc(2026, 10, 25, 0, 59));
    CHECK(c.hour == 2);
    CHECK(c.minute == 59);
    CHECK(c.utc_offset == 7200);
    LocalTime d = tz.to_local(utc(2026, 10, 25, 1, 0));
    CHECK(d.hour == 2);
    CHECK(d.minute == 0);
    CHECK(d.utc_offset == 3600);

    // New Year's Eve in winter time rolls the date, month and year.
    LocalTime e = tz.to_local(utc(2026, 12, 31, 23, 30));
    CHECK(e.year == 2027);
    CHECK(e.month == 1);
    CHECK(e.day == 1);
    CHECK(e.hour == 0);
    CHECK(e.wday == 5);

    // Far beyond the file's last transition the footer rule takes over.
    CHECK(tz.to_local(utc(2090, 7, 1, 12, 0)).utc_offset == 7200);
    CHECK(tz.to_local(utc(2090, 3, 26, 0, 59)).utc_offset == 3600);  // last Sunday of March 2090
    CHECK(tz.to_local(utc(2090, 3, 26, 1, 0)).utc_offset == 7200);
    CHECK(tz.to_local(utc(2090, 12, 1, 12, 0)).utc_offset == 3600);
}

TEST_CASE("from_local: gap moves forward, fold takes the earlier instant") {
    TimeZone tz = zone("Europe/Berlin");
    CHECK(tz.from_local(2026, 7, 1, 12, 0) == utc(2026, 7, 1, 10, 0));
    CHECK(tz.from_local(2026, 1, 15, 12, 0) == utc(2026, 1, 15, 11, 0));
    // 02:30 does not exist on 2026-03-29: read as 03:30 CEST.
    CHECK(tz.from_local(2026, 3, 29, 2, 30) == utc(2026, 3, 29, 1, 30));
    CHECK(tz.from_local(2026, 3, 29, 2, 0) == utc(2026, 3, 29, 1, 0));
    CHECK(tz.from_local(2026, 3, 29, 1, 59) == utc(2026, 3, 29, 0, 59));
    CHECK(tz.from_local(2026, 3, 29, 3, 0) == utc(2026, 3, 29, 1, 0));
    // 02:30 happens twice on 2026-10-25: the first time, still CEST.
    CHECK(tz.from_local(2026, 10, 25, 2, 30) == utc(2026, 10, 25, 0, 30));
    CHECK(tz.from_local(2026, 10, 25, 3, 0) == utc(2026, 10, 25, 2, 0));
    CHECK(tz.from_local(2026, 10, 25, 1, 59) == utc(2026, 10, 24, 23, 59));
}

TEST_CASE("America/New_York and Australia/Sydney") {
    TimeZone ny = zone("America/New_York");
    CHECK(ny.to_local(utc(2026, 3, 8, 6, 59)).utc_offset == -5 * 3600);
    CHECK(ny.to_local(utc(2026, 3, 8, 7, 0)).utc_offset == -4 * 3600);
    CHECK(ny.to_local(utc(2026, 3, 8, 7, 0)).hour == 3);
    CHECK(ny.to_local(utc(2026, 11, 1, 5, 59)).utc_offset == -4 * 3600);
    CHECK(ny.to_local(utc(2026, 11, 1, 6, 0)).utc_offset == -5 * 3600);
    CHECK(ny.to_local(utc(2026, 11, 1, 6, 0)).hour == 1);
    CHECK(ny.from_local(2026, 3, 8, 2, 30) == utc(2026, 3, 8, 7, 30));    // gap: 03:30 EDT
    CHECK(ny.from_local(2026, 11, 1, 1, 30) == utc(2026, 11, 1, 5, 30));  // fold: 01:30 EDT
    LocalTime late = ny.to_local(utc(2026, 1, 1, 3, 0));                  // still New Year's Eve
    CHECK(late.year == 2025);
    CHECK(late.day == 31);
    CHECK(late.hour == 22);

    TimeZone syd = zone("Australia/Sydney");
    // DST ends 2026-04-05 03:00 AEDT -> 02:00 AEST (16:00 UTC the day before).
    CHECK(syd.to_local(utc(2026, 4, 4, 15, 59)).utc_offset == 11 * 3600);
    CHECK(syd.to_local(utc(2026, 4, 4, 16, 0)).utc_offset == 10 * 3600);
    // DST starts 2026-10-04 02:00 AEST -> 03:00 AEDT.
    CHECK(syd.to_local(utc(2026, 10, 3, 15, 59)).utc_offset == 10 * 3600);
    CHECK(syd.to_local(utc(2026, 10, 3, 16, 0)).utc_offset == 11 * 3600);
    CHECK(syd.from_local(2026, 10, 4, 2, 30) == utc(2026, 10, 3, 16, 30));  // gap: 03:30 AEDT
    CHECK(syd.from_local(2026, 4, 5, 2, 30) == utc(2026, 4, 4, 15, 30));    // fold: 02:30 AEDT
    CHECK(syd.to_local(utc(2095, 1, 1, 0, 0)).utc_offset == 11 * 3600);     // footer, southern summer
    CHECK(syd.to_local(utc(2095, 7, 1, 0, 0)).utc_offset == 10 * 3600);
}

TEST_CASE("to_local agrees with the C library for many zones and instants") {
    const char* zones[] = {"Europe/Berlin",     "America/New_York",
                           "Australia/Sydney",  "Asia/Kolkata",
                           "Europe/Dublin",     "America/Sao_Paulo",
                           "Pacific/Chatham",   "America/St_Johns",
                           "Africa/Casablanca", "Asia/Tehran",
                           "America/Nuuk",      "Pacific/Kiritimati",
                           "Europe/London",     "UTC"};
    const char* old_tz = std::getenv("TZ");
    const std::string saved = old_tz ? old_tz : "";
    for (const char* name : zones) {
        CAPTURE(name);
        TimeZone tz = zone(name);
        setenv("TZ", (std::string(":") + name).c_str(), 1);
        tzset();
        int mismatches = 0;
        for (std::int64_t t = utc(1950, 1, 1, 0, 0); t < utc(2100, 1, 1, 0, 0); t += 7 * 3600 + 1234) {
            std::time_t tt = static_cast<std::time_t>(t);
            std::tm tm{};
            localtime_r(&tt, &tm);
            LocalTime lt = tz.to_local(t);
            if (lt.year != tm.tm_year + 1900 || lt.month != tm.tm_mon + 1 || lt.day != tm.tm_mday ||
                lt.hour != tm.tm_hour || lt.minute != tm.tm_min || lt.second != tm.tm_sec || lt.wday != tm.tm_wday ||
                lt.utc_offset != tm.tm_gmtoff) {
                if (++mismatches < 3) FAIL_CHECK("mismatch at " << t);
            }
        }
        CHECK(mismatches == 0);
    }
    if (old_tz)
        setenv("TZ", saved.c_str(), 1);
    else
        unsetenv("TZ");
    tzset();
}

TEST_CASE("from_local round-trips every hour outside gaps") {
    for (const char* name : {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Pacific/Chatham"}) {
        CAPTURE(name);
        TimeZone tz = zone(name);
        int gaps = 0;
        for (std::int64_t day = cr::days_from_civil(2020, 1, 1); day < cr::days_from_civil(2045, 1, 1); ++day) {
            std::int64_t y = 0;
            int m = 0, d = 0;
            cr::civil_from_days(day, &y, &m, &d);
            for (int h = 0; h < 24; ++h) {
                std::int64_t t = tz.from_local(static_cast<int>(y), m, d, h, 45);
                LocalTime lt = tz.to_local(t);
                if (lt.day == d && lt.hour == h && lt.minute == 45) continue;
                ++gaps;
                // In a gap the clock reads later by the gap, never earlier.
                REQUIRE(cr::days_from_civil(lt.year, lt.month, lt.day) * 24 + lt.hour > day * 24 + h);
            }
        }
        CHECK(gaps == 25);  // one spring-forward hour a year
    }
}

TEST_CASE("slim TZif: the footer carries instants after the last transition") {
    TimeZone fat = zone("Europe/Berlin");
    // No transitions at all: only the POSIX rule, as a slim file for a fixed-rule zone.
    TimeZone slim;
    std::string err;
    REQUIRE_MESSAGE(slim.load_tzif(make_tzif({}, {}, {{3600, false}}, "CET-1CEST,M3.5.0,M10.5.0/3"), "slim", &err),
                    err);
    // A couple of transitions, then the rule.
    TimeZone partial;
    REQUIRE_MESSAGE(partial.load_tzif(make_tzif({utc(1996, 3, 31, 1, 0), utc(1996, 10, 27, 1, 0)}, {1, 0},
                                                {{3600, false}, {7200, true}}, "CET-1CEST,M3.5.0,M10.5.0/3"),
                                      "partial", &err),
                    err);
    CHECK(partial.name() == "partial");
    for (std::int64_t t = utc(1997, 1, 1, 0, 0); t < utc(2060, 1, 1, 0, 0); t += 1800) {
        const int want = fat.to_local(t).utc_offset;
        REQUIRE(slim.to_local(t).utc_offset == want);
        REQUIRE(partial.to_local(t).utc_offset == want);
    }

    // No footer: the last type holds forever.
    TimeZone frozen;
    REQUIRE(frozen.load_tzif(make_tzif({0}, {1}, {{0, false}, {-10800, false}}, ""), "frozen", &err));
    CHECK(frozen.to_local(-5).utc_offset == 0);
    CHECK(frozen.to_local(utc(2300, 1, 1, 0, 0)).utc_offset == -10800);
}

TEST_CASE("the real Debian files: fat or slim, both load") {
    // Whatever the installed tzdata is built as, its Berlin file ends in the EU rule.
    const std::string bytes = read_all("/usr/share/zoneinfo/Europe/Berlin");
    REQUIRE(bytes.size() > 44);
    CHECK(bytes.find("\nCET-1CEST,M3.5.0,M10.5.0/3\n") != std::string::npos);
}

TEST_CASE("POSIX TZ strings") {
    cr::PosixTz z;
    REQUIRE(cr::parse_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3", &z));
    CHECK(z.std_offset == 3600);
    CHECK(z.dst_offset == 7200);
    CHECK(z.has_dst);
    CHECK(z.start.month == 3);
    CHECK(z.start.week == 5);
    CHECK(z.start.time == 7200);
    CHECK(z.end.time == 3 * 3600);

    REQUIRE(cr::parse_posix_tz("<+0545>-5:45", &z));
    CHECK(z.std_offset == 5 * 3600 + 45 * 60);
    CHECK_FALSE(z.has_dst);

    REQUIRE(cr::parse_posix_tz("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", &z));  // America/Nuuk: negative times
    CHECK(z.start.time == -3600);
    CHECK(z.dst_offset == -3600);

    REQUIRE(cr::parse_posix_tz("EST5EDT,J60/2,300", &z));
    CHECK(z.start.kind == 'J');
    CHECK(z.end.kind == 'N');

    REQUIRE(cr::parse_posix_tz("XXX3YYY,M3.2.0/167,M11.1.0/-167", &z));  // version 3 hours

    for (const char* bad : {"", "C", "CET", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
                            "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J365", "CET-1CEST,M3.5.0,M10.5.0/168",
                            "CET-1CEST,M3.5.0,M10.5.0 ", "<AB>1", "CET-25"}) {
        CAPTURE(bad);
        CHECK_FALSE(cr::parse_posix_tz(bad, &z));
    }
}

TEST_CASE("zone names and errors") {
    TimeZone tz;
    std::string err;
    CHECK_FALSE(test::load_zone(&tz, "Mars/Olympus", &err));
    CHECK(err.find("unknown time zone 'Mars/Olympus'") == 0);
    CHECK(tz.name() == "UTC");  // unchanged by a failed load

    for (const char* bad : {"../../etc/passwd", "/etc/localtime", "Europe/../Europe/Berlin", "Europe//Berlin",
                            "Europe/Berlin/", "Europe", "Europe/Ber lin", "zone.tab", "."}) {
        CAPTURE(bad);
        err.clear();
        CHECK_FALSE(test::load_zone(&tz, bad, &err));
        CHECK_FALSE(err.empty());
    }

    REQUIRE(test::load_zone(&tz, "", &err));
    CHECK(tz.name().rfind("system (", 0) == 0);
    REQUIRE(test::load_zone(&tz, "UTC", &err));
    CHECK(tz.to_local(utc(2026, 6, 1, 12, 0)).hour == 12);
}

TEST_CASE("TZDIR is honoured") {
    char dir_template[] = "/tmp/cr_tzdir_XXXXXX";
    REQUIRE(mkdtemp(dir_template) != nullptr);
    const std::string dir = dir_template;
    REQUIRE(mkdir((dir + "/Test").c_str(), 0700) == 0);
    {
        std::ofstream out(dir + "/Test/Fixed", std::ios::binary);
        out << make_tzif({}, {}, {{-3 * 3600 - 1800, false}}, "<-0330>3:30");
    }
    const char* old = std::getenv("TZDIR");
    const std::string saved = old ? old : "";
    setenv("TZDIR", dir.c_str(), 1);
    TimeZone tz;
    std::string err;
    CHECK_MESSAGE(test::load_zone(&tz, "Test/Fixed", &err), err);
    CHECK(tz.to_local(utc(2026, 1, 1, 12, 0)).hour == 8);
    CHECK(tz.to_local(utc(2026, 1, 1, 12, 0)).minute == 30);
    CHECK_FALSE(test::load_zone(&tz, "Europe/Berlin", &err));
    CHECK(err.find(dir) != std::string::npos);
    if (old)
        setenv("TZDIR", saved.c_str(), 1);
    else
        unsetenv("TZDIR");
    unlink((dir + "/Test/Fixed").c_str());
    rmdir((dir + "/Test").c_str());
    rmdir(dir.c_str());
}

TEST_CASE("broken TZif data is refused, never read out of bounds") {
    const std::string good = read_all("/usr/share/zoneinfo/America/New_York");
    REQUIRE(good.size() > 100);
    TimeZone tz;
    std::string err;
    REQUIRE(tz.load_tzif(good, "ny", &err));
    for (std::size_t n = 0; n < good.size() - 1; ++n) {
        err.clear();
        REQUIRE_FALSE(tz.load_tzif(good.substr(0, n), "cut", &err));
        REQUIRE_FALSE(err.empty());
    }
    CHECK(tz.name() == "ny");
    CHECK_FALSE(tz.load_tzif("TZif3" + std::string(100, '\xff'), "junk", &err));
    CHECK_FALSE(tz.load_tzif("not a tzif file at all, but long enough to have a header", "text", &err));
    CHECK(err.find("not a TZif file") != std::string::npos);
    // Out-of-order transitions and a bad type index.
    CHECK_FALSE(tz.load_tzif(make_tzif({10, 5}, {0, 0}, {{0, false}}, ""), "order", &err));
    CHECK_FALSE(tz.load_tzif(make_tzif({10}, {3}, {{0, false}}, ""), "index", &err));
    CHECK_FALSE(tz.load_tzif(make_tzif({}, {}, {{0, false}}, "garbage,,"), "footer", &err));
}
