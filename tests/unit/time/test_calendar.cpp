// Calendars (closed_ics, open_ics, [rota]): the files of Nextcloud, Thunderbird, Google
// and Outlook expanded onto the wall clock of Europe/Berlin across the DST change of
// 2026-10-25; all-day, floating, RDATE, cancelled; at() and between(); broken files
// refused at their line.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/civil.h"
#include "support.h"
#include "time/calendar.h"
#include "time/tz.h"

using cr::Calendar;
using cr::CalendarEvent;

namespace {

const cr::TimeZone& berlin() {
    static cr::TimeZone tz = [] {
        cr::TimeZone z;
        std::string err;
        REQUIRE(test::load_zone(&z, "Europe/Berlin", &err));
        return z;
    }();
    return tz;
}

std::int64_t utc(int y, int mo, int d, int h, int mi) {
    return cr::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}
std::int64_t wall(int y, int mo, int d, int h, int mi) { return utc(y, mo, d, h, mi); }

// Loads `text` for the window [2026-01-01, 2028-01-01) UTC; "" or "LINE: message".
std::string load(Calendar* cal, const std::string& text, std::int64_t from = utc(2026, 1, 1, 0, 0),
                 std::int64_t to = utc(2028, 1, 1, 0, 0)) {
    int line = -1;
    std::string err;
    if (cal->load("test.ics", text, berlin(), from, to, &line, &err)) return "";
    return std::to_string(line) + ": " + err;
}

std::string stamp(std::int64_t w) {
    std::int64_t y;
    int mo, d;
    cr::civil_from_days(w / 86400, &y, &mo, &d);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d", static_cast<int>(y), mo, d,
                  static_cast<int>(w % 86400 / 3600), static_cast<int>(w % 3600 / 60));
    return buf;
}

std::string text(const CalendarEvent* e) {
    if (!e) return "none";
    return stamp(e->start) + " - " + stamp(e->end) + " " + e->summary;
}

// The events whose SUMMARY begins with `prefix`, one a line.
std::vector<std::string> listing(const Calendar& cal, const std::string& prefix) {
    std::vector<std::string> r;
    for (const CalendarEvent& e : cal.events())
        if (e.summary.compare(0, prefix.size(), prefix) == 0) r.push_back(text(&e));
    return r;
}

// The weekly meeting as all four clients export it: 09:00-10:00 on Mondays from
// 2026-10-05, eight times, on both sides of 2026-10-25; 10-19 moved to 10-20 14:00,
// 11-02 deleted (EXDATE).
std::vector<std::string> meeting(const std::string& moved, bool nov16 = true) {
    std::vector<std::string> r = {
        "2026-10-05 09:00 - 2026-10-05 10:00 Team meeting", "2026-10-12 09:00 - 2026-10-12 10:00 Team meeting",
        "2026-10-20 14:00 - 2026-10-20 15:00 Team meeting" + moved, "2026-10-26 09:00 - 2026-10-26 10:00 Team meeting",
        "2026-11-09 09:00 - 2026-11-09 10:00 Team meeting"};
    if (nov16) r.push_back("2026-11-16 09:00 - 2026-11-16 10:00 Team meeting");
    r.push_back("2026-11-23 09:00 - 2026-11-23 10:00 Team meeting");
    return r;
}

std::string vcal(const std::string& body) {
    return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + body + "END:VCALENDAR\n";
}

std::string vevent(const std::string& summary, const std::string& props) {
    return "BEGIN:VEVENT\nUID:" + summary + "@test\nSUMMARY:" + summary + "\n" + props + "END:VEVENT\n";
}

}  // namespace

TEST_CASE("calendar: wall_seconds counts days and seconds") {
    cr::LocalTime t{2026, 10, 25, 2, 30, 15, 0, 3600};
    CHECK(cr::wall_seconds(t) == cr::days_from_civil(2026, 10, 25) * 86400 + 2 * 3600 + 30 * 60 + 15);
}

TEST_CASE("calendar: Nextcloud export (Sabre VObject, VTIMEZONE Europe/Berlin)") {
    Calendar cal;
    REQUIRE(load(&cal, test::tests_file("ics/nextcloud.ics")) == "");
    CHECK(listing(cal, "Team meeting") == meeting(" (moved)"));
    CHECK(cal.at(wall(2026, 10, 26, 9, 0))->location == "Raum 1, 2. OG");  // unescaped
    CHECK(text(cal.at(wall(2026, 10, 19, 9, 30))) == "none");              // moved away
    CHECK(text(cal.at(wall(2026, 11, 2, 9, 30))) == "none");               // EXDATE
    CHECK(cal.at(wall(2026, 10, 26, 9, 0))->line == 24);                   // its BEGIN:VEVENT
    CHECK(cal.at(wall(2026, 10, 20, 14, 0))->line == 38);                  // the override's
    // All-day, several days: 2026-12-24 00:00 to 2027-01-02 00:00 (DTEND exclusive).
    CHECK(listing(cal, "Betriebsferien") ==
          std::vector<std::string>{"2026-12-24 00:00 - 2027-01-02 00:00 Betriebsferien"});
    CHECK(cal.at(wall(2026, 12, 23, 23, 59)) == nullptr);
    CHECK(cal.at(wall(2026, 12, 24, 0, 0))->all_day);
    CHECK(text(cal.at(wall(2027, 1, 1, 23, 59))) == "2026-12-24 00:00 - 2027-01-02 00:00 Betriebsferien");
    CHECK(cal.at(wall(2027, 1, 2, 0, 0)) == nullptr);
    // All-day without DTEND: one day.
    CHECK(listing(cal, "Tag der") ==
          std::vector<std::string>{"2026-10-03 00:00 - 2026-10-04 00:00 Tag der Deutschen Einheit"});
    // RDATE: two more dates, before and after the DST change.
    CHECK(listing(cal, "Sprechstunde") == std::vector<std::string>{"2026-10-07 16:00 - 2026-10-07 18:00 Sprechstunde",
                                                                   "2026-10-14 16:00 - 2026-10-14 18:00 Sprechstunde",
                                                                   "2026-11-04 16:00 - 2026-11-04 18:00 Sprechstunde"});
    CHECK(cal.size() == 7 + 1 + 1 + 3);
}

TEST_CASE("calendar: Thunderbird export (X-MOZ-*, EXDATE in UTC, floating, cancelled)") {
    Calendar cal;
    REQUIRE(load(&cal, test::tests_file("ics/thunderbird.ics")) == "");
    CHECK(listing(cal, "Team meeting") == meeting(""));
    // Floating: the wall clock as written.
    CHECK(listing(cal, "Mittagspause") == std::vector<std::string>{"2026-10-30 12:00 - 2026-10-30 13:00 Mittagspause"});
    // STATUS:CANCELLED on the event: gone.
    CHECK(listing(cal, "Betriebsausflug").empty());
    CHECK(cal.at(wall(2026, 11, 6, 10, 0)) == nullptr);
}

TEST_CASE("calendar: Google Calendar export (UNTIL in UTC, a cancelled occurrence, times in UTC)") {
    Calendar cal;
    REQUIRE(load(&cal, test::tests_file("ics/google.ics")) == "");
    CHECK(listing(cal, "Team meeting") == meeting("", false));  // 11-16 cancelled by its override
    // 13:00Z on 2026-10-28 is 14:00 in Berlin (CET, after the change).
    CHECK(listing(cal, "Zahnarzt") == std::vector<std::string>{"2026-10-28 14:00 - 2026-10-28 15:30 Zahnarzt"});
    CHECK(cal.at(wall(2026, 10, 28, 15, 0))->location == "Praxis Dr. Weiß, Hauptstraße 1, 50667 Köln");
}

TEST_CASE("calendar: Outlook export (W. Europe Standard Time, CRLF, folded lines)") {
    Calendar cal;
    REQUIRE(load(&cal, test::tests_file("ics/outlook.ics")) == "");
    CHECK(listing(cal, "Team meeting") == meeting(" (verschoben)"));
    CHECK(listing(cal, "Betriebsferien") ==
          std::vector<std::string>{
              "2026-12-24 00:00 - 2027-01-02 00:00 Betriebsferien zwischen den Jahren (Praxis geschlossen, Notdienst "
              "siehe Ansage)"});
    // The override's line: BEGIN:VEVENT after the folded lines of the first event.
    CHECK(cal.at(wall(2026, 10, 20, 14, 30))->line == 62);
}

TEST_CASE("calendar: LF line endings, a BOM, SUMMARY cleaned and cut") {
    std::string long_summary(250, 'x');
    std::string t = "\xEF\xBB\xBF" + vcal(vevent("A\\nB\\tC", "DTSTART:20260601T100000\nDTEND:20260601T110000\n") +
                                          vevent(long_summary, "DTSTART:20260602T100000Z\nDURATION:PT1H30M\n"));
    Calendar cal;
    REQUIRE(load(&cal, t) == "");
    REQUIRE(cal.size() == 2);
    CHECK(cal.events()[0].summary == "A B C");  // newline and tab (libical unescapes \\t too) made blanks
    CHECK(cal.events()[1].summary == std::string(200, 'x'));
    CHECK(text(&cal.events()[1]).substr(0, 35) == "2026-06-02 12:00 - 2026-06-02 13:30");  // UTC+2 in June
}

TEST_CASE("calendar: overlapping events and a handover at midnight") {
    std::string t =
        vcal(vevent("Day", "DTSTART;TZID=Europe/Berlin:20260601T080000\nDTEND;TZID=Europe/Berlin:20260601T180000\n") +
             vevent("Lunch", "DTSTART;TZID=Europe/Berlin:20260601T120000\nDTEND;TZID=Europe/Berlin:20260601T130000\n") +
             vevent("Late", "DTSTART;TZID=Europe/Berlin:20260601T170000\nDTEND;TZID=Europe/Berlin:20260602T000000\n") +
             vevent("Night", "DTSTART;TZID=Europe/Berlin:20260602T000000\nDTEND;TZID=Europe/Berlin:20260602T060000\n"));
    Calendar cal;
    REQUIRE(load(&cal, t) == "");
    CHECK(cal.at(wall(2026, 6, 1, 7, 59)) == nullptr);
    CHECK(cal.at(wall(2026, 6, 1, 8, 0))->summary == "Day");
    CHECK(cal.at(wall(2026, 6, 1, 12, 30))->summary == "Lunch");  // began last
    CHECK(cal.at(wall(2026, 6, 1, 13, 0))->summary == "Day");     // Lunch is over
    CHECK(cal.at(wall(2026, 6, 1, 17, 30))->summary == "Late");
    CHECK(cal.at(wall(2026, 6, 1, 23, 59))->summary == "Late");
    CHECK(cal.at(wall(2026, 6, 2, 0, 0))->summary == "Night");  // the handover
    CHECK(cal.at(wall(2026, 6, 2, 6, 0)) == nullptr);
    std::vector<std::string> names;
    for (const CalendarEvent* e : cal.between(wall(2026, 6, 1, 12, 59), wall(2026, 6, 1, 17, 0)))
        names.push_back(e->summary);
    CHECK(names == std::vector<std::string>{"Day", "Lunch"});
    names.clear();
    for (const CalendarEvent* e : cal.between(wall(2026, 6, 1, 23, 0), wall(2026, 6, 3, 0, 0)))
        names.push_back(e->summary);
    CHECK(names == std::vector<std::string>{"Late", "Night"});
}

TEST_CASE("calendar: the window bounds the expansion and at()") {
    std::string t = vcal(vevent("Daily",
                                "DTSTART;TZID=Europe/Berlin:20200101T090000\n"
                                "DTEND;TZID=Europe/Berlin:20200101T100000\nRRULE:FREQ=DAILY\n"));
    Calendar cal;
    // 2026-03-01 00:00 to 2026-03-11 00:00 Berlin (UTC+1): ten days.
    REQUIRE(load(&cal, t, utc(2026, 2, 28, 23, 0), utc(2026, 3, 10, 23, 0)) == "");
    CHECK(cal.size() == 10);
    CHECK(text(&cal.events().front()) == "2026-03-01 09:00 - 2026-03-01 10:00 Daily");
    CHECK(text(&cal.events().back()) == "2026-03-10 09:00 - 2026-03-10 10:00 Daily");
    CHECK(cal.at(wall(2026, 3, 11, 9, 30)) == nullptr);
    CHECK(cal.at(wall(2026, 2, 28, 9, 30)) == nullptr);
    CHECK(cal.from() == utc(2026, 2, 28, 23, 0));
    CHECK(cal.to() == utc(2026, 3, 10, 23, 0));
    CHECK(cal.path() == "test.ics");
}

TEST_CASE("calendar: zero-length events are skipped, other components ignored") {
    std::string t = vcal(vevent("Zero", "DTSTART:20260601T100000Z\nDTEND:20260601T100000Z\n") +
                         vevent("Point", "DTSTART:20260601T100000Z\n") +
                         "BEGIN:VTODO\nUID:t\nDTSTART:20260601T100000Z\nDUE:20260601T120000Z\nEND:VTODO\n");
    Calendar cal;
    REQUIRE(load(&cal, t) == "");
    CHECK(cal.size() == 0);
}

TEST_CASE("calendar: a cancelled occurrence and a cancelled series") {
    std::string rule =
        "DTSTART;TZID=Europe/Berlin:20260601T090000\nDTEND;TZID=Europe/Berlin:20260601T100000\n"
        "RRULE:FREQ=DAILY;COUNT=3\n";
    std::string t = vcal(vevent("S", rule) +
                         "BEGIN:VEVENT\nUID:S@test\nRECURRENCE-ID;TZID=Europe/Berlin:20260602T090000\n"
                         "DTSTART;TZID=Europe/Berlin:20260602T090000\nDTEND;TZID=Europe/Berlin:20260602T100000\n"
                         "STATUS:CANCELLED\nEND:VEVENT\n" +
                         vevent("C", rule + "STATUS:CANCELLED\n") +
                         "BEGIN:VEVENT\nUID:C@test\nRECURRENCE-ID;TZID=Europe/Berlin:20260602T090000\n"
                         "DTSTART;TZID=Europe/Berlin:20260602T150000\nDTEND;TZID=Europe/Berlin:20260602T160000\n"
                         "SUMMARY:C moved\nEND:VEVENT\n");
    Calendar cal;
    REQUIRE(load(&cal, t) == "");
    CHECK(listing(cal, "") ==
          std::vector<std::string>{"2026-06-01 09:00 - 2026-06-01 10:00 S", "2026-06-03 09:00 - 2026-06-03 10:00 S"});
}

TEST_CASE("calendar: broken files are refused at their line") {
    Calendar cal;
    const std::string ok_event = vevent("Ok", "DTSTART:20260601T100000Z\nDTEND:20260601T110000Z\n");
    REQUIRE(load(&cal, vcal(ok_event)) == "");
    REQUIRE(cal.size() == 1);

    CHECK(load(&cal, "") == "0: empty file (no VCALENDAR)");
    CHECK(load(&cal, "BEGIN:VEVENT\nEND:VEVENT\n") == "1: BEGIN:VEVENT outside BEGIN:VCALENDAR ... END:VCALENDAR");
    CHECK(load(&cal, "VERSION:2.0\n") == "1: VERSION outside BEGIN:VCALENDAR ... END:VCALENDAR");
    CHECK(load(&cal, vcal("BEGIN:VEVENT\nDTSTART:20260601T100000Z\n")) ==
          "6: END:VCALENDAR where END:VEVENT (of the BEGIN on line 4) belongs");
    CHECK(load(&cal, "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260601T100000Z\nEND:VEVENT\n") ==
          "1: BEGIN:VCALENDAR without END:VCALENDAR");
    CHECK(load(&cal, vcal("END:VEVENT\n")) == "4: END:VEVENT where END:VCALENDAR (of the BEGIN on line 1) belongs");
    CHECK(load(&cal, vcal("") + "END:VCALENDAR\n") == "5: END:VCALENDAR without BEGIN:VCALENDAR");
    CHECK(load(&cal, vcal("") + vcal("")) == "5: a second VCALENDAR (a file holds one)");
    CHECK(load(&cal, vcal(ok_event + "BEGIN:VEVENT\nSUMMARY Broken\nEND:VEVENT\n")) ==
          "11: line without ':' (NAME:VALUE expected): 'SUMMARY Broken'");
    CHECK(load(&cal, " x\n") == "1: a folded line (it begins with a blank) that continues no line");
    CHECK(load(&cal, vcal(vevent("Bad", "DTSTART:20261301T100000Z\n"))) ==
          "7: VEVENT \"Bad\": bad DTSTART '20261301T100000Z'");
    CHECK(load(&cal, vcal(vevent("Bad", "DTSTART:2026-06-01\n"))) == "7: VEVENT \"Bad\": bad DTSTART '2026-06-01'");
    CHECK(load(&cal, vcal(vevent("NoStart", "DTEND:20260601T100000Z\n"))) == "4: VEVENT \"NoStart\": no DTSTART");
    CHECK(load(&cal, vcal(ok_event + vevent("Team meeting", "DTSTART:20260601T100000Z\nDTEND:20260601T090000Z\n"))) ==
          "14: VEVENT \"Team meeting\": DTEND is before DTSTART");
    CHECK(load(&cal, vcal(vevent("Mars", "DTSTART;TZID=Mars/Olympus:20260601T100000\n"))) ==
          "7: VEVENT \"Mars\": unknown time zone 'Mars/Olympus' in DTSTART (no VTIMEZONE in the file, none of the "
          "system)");
    CHECK(load(&cal, vcal(vevent("Rule", "DTSTART:20260601T100000Z\nDTEND:20260601T110000Z\nRRULE:FREQ=FOO\n"))) ==
          "9: VEVENT \"Rule\": bad RRULE 'FREQ=FOO'");
    CHECK(load(&cal, vcal(vevent("Ex", "DTSTART:20260601T100000Z\nEXDATE:20260601T100000Z,2026\n"))) ==
          "8: VEVENT \"Ex\": bad EXDATE '20260601T100000Z,2026'");
    CHECK(load(&cal, vcal(vevent("Dur", "DTSTART:20260601T100000Z\nDURATION:PT1X\n"))) ==
          "8: VEVENT \"Dur\": bad DURATION 'PT1X'");
    CHECK(load(&cal, std::string("BEGIN:VCALENDAR\nX:a\0b\nEND:VCALENDAR\n", 35)) == "2: NUL byte (not a text file)");
    CHECK(load(&cal, vcal("X-LONG:" + std::string(70000, 'a') + "\n")) == "4: content line longer than 65536 bytes");
    // Every refusal left the calendar as it was.
    CHECK(cal.size() == 1);
    CHECK(cal.events()[0].summary == "Ok");
}

TEST_CASE("calendar: too many occurrences in the window") {
    Calendar cal;
    // 730 days in the window: the 274th daily event (BEGIN on line 7 * 274 - 3) passes 200,000.
    std::string body;
    for (int i = 0; i < 300; ++i)
        body += vevent("Often", "DTSTART:20260101T000000Z\nDURATION:PT1M\nRRULE:FREQ=DAILY\n");
    CHECK(load(&cal, vcal(body)) == "1915: VEVENT \"Often\": more than 200000 occurrences in the window");
    CHECK(cal.size() == 0);
}

namespace {

// Loads an event with `rule` (DTSTART `start` in Berlin, RRULE on line 9) for the window
// [from, to) (years, Berlin), and says how long it took.
std::string load_rule(Calendar* cal, const std::string& rule, double* seconds,
                      const std::string& start = "20240105T090000", int from = 2026, int to = 2028) {
    std::string t = vcal(vevent("X", "DTSTART;TZID=Europe/Berlin:" + start + "\nDURATION:PT1H\nRRULE:" + rule + "\n"));
    auto a = std::chrono::steady_clock::now();
    std::string r = load(cal, t, utc(from - 1, 12, 31, 23, 0), utc(to - 1, 12, 31, 23, 0));
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
    INFO(rule, ": ", *seconds, " s");
    CHECK(*seconds < 1.0);
    return r;
}

}  // namespace

TEST_CASE("calendar: RRULEs that no client writes, or that never occur, are refused at their line") {
    Calendar cal;
    double s = 0;
    // libical searched for hours (every hour to the year 2582) before these gave nothing.
    CHECK(load_rule(&cal, "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30", &s) ==
          "9: VEVENT \"X\": RRULE FREQ=HOURLY: only DAILY, WEEKLY, MONTHLY and YEARLY are read");
    CHECK(load_rule(&cal, "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30", &s) ==
          "9: VEVENT \"X\": RRULE FREQ=MINUTELY: only DAILY, WEEKLY, MONTHLY and YEARLY are read");
    CHECK(load_rule(&cal, "FREQ=SECONDLY", &s) ==
          "9: VEVENT \"X\": RRULE FREQ=SECONDLY: only DAILY, WEEKLY, MONTHLY and YEARLY are read");
    const std::string never = "9: VEVENT \"X\": RRULE never occurs: ";
    CHECK(load_rule(&cal, "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", &s) == never + "no month of BYMONTH has day 30");
    CHECK(load_rule(&cal, "FREQ=WEEKLY;BYDAY=MO;BYMONTH=2;BYMONTHDAY=30", &s) ==
          never + "no month of BYMONTH has day 30");
    CHECK(load_rule(&cal, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", &s) == never + "no month of BYMONTH has day 30");
    CHECK(load_rule(&cal, "FREQ=MONTHLY;BYMONTH=4,6,9,11;BYMONTHDAY=31", &s) ==
          never + "no month of BYMONTH has day 31");
    CHECK(load_rule(&cal, "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-30,31", &s) == never + "no month of BYMONTH has day -30");
    CHECK(load_rule(&cal, "FREQ=MONTHLY;BYMONTH=2", &s, "20240130T090000") ==
          never + "no month of BYMONTH has day 30 (DTSTART's)");
    CHECK(load_rule(&cal, "FREQ=DAILY;BYDAY=1MO", &s) ==
          never + "BYDAY=1MO with FREQ=DAILY (a number before the day needs MONTHLY or YEARLY)");
    CHECK(load_rule(&cal, "FREQ=MONTHLY;BYDAY=6MO,-6FR", &s) == never + "BYDAY=6MO,-6FR fits no month");
    CHECK(load_rule(&cal, "FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1,2,3", &s) ==
          never + "no day of a month matches both BYMONTHDAY and BYDAY");
    CHECK(load_rule(&cal, "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6,-6", &s) ==
          never + "BYSETPOS=6,-6, but a month gives at most 5 days");
    CHECK(load_rule(&cal, "FREQ=MONTHLY;BYSETPOS=2", &s) == never + "BYSETPOS=2, but a month gives at most 1 day");
    CHECK(load_rule(&cal, "FREQ=YEARLY;BYYEARDAY=367", &s) == "9: VEVENT \"X\": RRULE BYYEARDAY=367: out of range");
    CHECK(load_rule(&cal, "FREQ=DAILY;BYHOUR=8,9,10,11,12,13,14,15,16,17;BYMINUTE=0,30,45", &s) ==
          "9: VEVENT \"X\": RRULE BYHOUR, BYMINUTE and BYSECOND give 30 times a day: at most 24 are read");
    // The line of the RRULE that is refused, the second of two.
    CHECK(load(&cal, vcal(vevent("Two", "DTSTART:20260601T100000Z\nRRULE:FREQ=WEEKLY\nRRULE:FREQ=HOURLY\n"))) ==
          "9: VEVENT \"Two\": RRULE FREQ=HOURLY: only DAILY, WEEKLY, MONTHLY and YEARLY are read");
    CHECK(cal.size() == 0);
}

TEST_CASE("calendar: leap days, the 31st and long series load quickly") {
    Calendar cal;
    double s = 0;
    // Leap years only: 2028 and 2032 in 2026..2033.
    const std::vector<std::string> leap = {"2028-02-29 09:00 - 2028-02-29 10:00 X",
                                           "2032-02-29 09:00 - 2032-02-29 10:00 X"};
    REQUIRE(load_rule(&cal, "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", &s, "20240105T090000", 2026, 2033) == "");
    CHECK(listing(cal, "X") == leap);
    REQUIRE(load_rule(&cal, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", &s, "20240105T090000", 2026, 2033) == "");
    CHECK(listing(cal, "X") == leap);
    REQUIRE(load_rule(&cal, "FREQ=YEARLY", &s, "20240229T090000", 2026, 2033) == "");
    CHECK(listing(cal, "X") == leap);
    // The 31st: seven months of 2026 have one.
    REQUIRE(load_rule(&cal, "FREQ=MONTHLY;BYMONTHDAY=31", &s, "20240105T090000", 2026, 2027) == "");
    CHECK(cal.size() == 7);
    CHECK(text(&cal.events()[1]) == "2026-03-31 09:00 - 2026-03-31 10:00 X");
    // Two times a day, as generated feeds write it: 9:00 and 14:00 of each day.
    REQUIRE(load_rule(&cal, "FREQ=DAILY;COUNT=4;BYHOUR=9,14", &s, "20260105T090000") == "");
    REQUIRE(cal.size() == 4);
    CHECK(text(&cal.events()[1]) == "2026-01-05 14:00 - 2026-01-05 15:00 X");
    CHECK(text(&cal.events()[3]) == "2026-01-06 14:00 - 2026-01-06 15:00 X");
    // A long series that ends before the window.
    REQUIRE(load_rule(&cal, "FREQ=DAILY;UNTIL=20250101T000000Z", &s, "19900105T090000") == "");
    CHECK(cal.size() == 0);
    // Never on a Monday (every 7th day from a Friday), which the check does not see.
    REQUIRE(load_rule(&cal, "FREQ=DAILY;INTERVAL=7;BYDAY=MO", &s) == "");
    CHECK(cal.size() == 0);
}

TEST_CASE("calendar: RRULEs that libical expands too slowly end the load") {
    // Feb 29 on a Monday from the year 1: 1.3 s of libical's search each, 39 s for the
    // file without the bound (more under make sanitize); a search already begun when
    // the 5 s pass ends first.
    std::string body;
    for (int i = 0; i < 30; ++i)
        body += vevent("Rare", "DTSTART:00010105T090000Z\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO\n");
    Calendar cal;
    auto a = std::chrono::steady_clock::now();
    std::string r = load(&cal, vcal(body));
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
    CHECK(r.find(": VEVENT \"Rare\": RRULE takes libical too long (more than 5 s for the file's recurrences)") !=
          std::string::npos);
    CHECK(s < 15.0);
    CHECK(cal.size() == 0);
}

TEST_CASE("calendar: at() allocates nothing") {
    Calendar cal;
    REQUIRE(load(&cal, test::tests_file("ics/outlook.ics")) == "");
    test::reset_allocations();
    test::count_allocations(true);
    const CalendarEvent* e = cal.at(wall(2026, 10, 26, 9, 30));
    test::count_allocations(false);
    CHECK(test::allocations() == 0);
    CHECK(e != nullptr);
}
