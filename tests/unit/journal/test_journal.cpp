// The call journal (callrouter.ini(5), JOURNAL): its lines, reading them back, and the
// calls joined from them (--calls).
#include "journal/calls.h"
#include "journal/journal.h"
#include "support.h"

TEST_CASE("journal: a line as written, and read back") {
    cr::JournalEvent e;
    e.time = 1764233998;  // 2025-11-27T08:59:58Z
    e.fields = {{"event", "newCall"}, {"callId", "a\"b\\c"}, {"from", std::string("x\x01y\xff", 4)}};
    e.users = {"Alice", "Bj\xc3\xb6rn"};
    const std::string line = cr::journal_line(e);
    CHECK(line ==
          "{\"time\":\"2025-11-27T08:59:58Z\",\"event\":\"newCall\",\"callId\":\"a\\\"b\\\\c\","
          "\"from\":\"x\\u0001y\xef\xbf\xbd\",\"users\":[\"Alice\",\"Bj\xc3\xb6rn\"]}");
    cr::JournalEvent back;
    REQUIRE(cr::parse_journal_line(line, &back));
    CHECK(back.time == e.time);
    CHECK(*back.field("callId") == "a\"b\\c");
    CHECK(*back.field("from") == "x\x01y\xef\xbf\xbd");
    CHECK(back.users == e.users);
    CHECK(cr::journal_line(back) == line);
    // A value is cut at 200 bytes, at a character's end.
    cr::JournalEvent big;
    big.fields = {{"cause", std::string(199, 'x') + "\xc3\xb6"}};
    CHECK(cr::journal_line(big) == "{\"time\":\"1970-01-01T00:00:00Z\",\"cause\":\"" + std::string(199, 'x') + "\"}");
}

TEST_CASE("journal: lines that are not events") {
    cr::JournalEvent e;
    for (const char* bad :
         {"", "{}", "not json", "{\"time\":\"2026-11-27 08:59:58\"}", "{\"time\":\"2026-02-30T00:00:00Z\"}",
          "{\"time\":\"2026-11-27T08:59:58Z\"", "{\"time\":\"2026-11-27T08:59:58Z\",}",
          "{\"time\":\"2026-11-27T08:59:58Z\",\"a\":1}", "{\"time\":\"2026-11-27T08:59:58Z\"} x",
          "{\"time\":\"2026-11-27T08:59:58Z\",\"a\":\"\\x\"}"}) {
        INFO(bad);
        CHECK_FALSE(cr::parse_journal_line(bad, &e));
    }
}

TEST_CASE("journal: events joined into calls") {
    auto ev = [](std::int64_t t, std::vector<std::pair<std::string, std::string>> f) {
        cr::JournalEvent e;
        e.time = t;
        e.fields = std::move(f);
        return e;
    };
    std::vector<cr::JournalEvent> events = {
        ev(100, {{"event", "newCall"},
                 {"callId", "a"},
                 {"direction", "in"},
                 {"from", "4930123"},
                 {"to", "4921199"},
                 {"rule", "hotline"},
                 {"action", "menu main"}}),
        ev(50, {{"event", "newCall"}, {"callId", "b"}, {"direction", "out"}, {"rule", "out"}, {"action", "dial 1"}}),
        ev(104, {{"event", "dtmf"}, {"callId", "a"}, {"menu", "main"}, {"dtmf", ""}, {"action", "voicemail"}}),
        ev(110, {{"event", "answer"}, {"callId", "a"}, {"user", "Bob"}, {"answeringNumber", "4921112345610"}}),
        ev(170, {{"event", "hangup"}, {"callId", "a"}, {"cause", "normalClearing"}}),
        ev(171, {{"event", "hangup"}, {"cause", "no callId: left out"}}),
    };
    std::vector<cr::CallRow> calls = cr::join_calls(events);
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].call_id == "b");  // by start
    CHECK(calls[0].ended == -1);
    const cr::CallRow& a = calls[1];
    CHECK(a.start == 100);
    CHECK(a.answered == 110);
    CHECK(a.ended == 170);
    CHECK(a.path == std::vector<std::string>{"main:none"});
    CHECK(a.action == "voicemail");
    CHECK(a.answered_by == "Bob (4921112345610)");
    cr::TimeZone utc;
    std::string table = cr::calls_table(calls, utc, 60);
    CHECK(
        table ==
        "start                dir  from     to       rule     action                 answered by          ring   talk  cause\n"
        "1970-01-01 00:01:40  in   4930123  4921199  hotline  [main:none] voicemail  Bob (4921112345610)   10s  1m00s  "
        "normalClearing\n"
        "1 calls\n");
}

TEST_CASE("calls: what a requester chose reaches the terminal without control characters") {
    cr::CallRow c;
    c.call_id = "x";
    c.start = 0;
    c.cause = std::string(
        "a\x1b[2Jb\xc2\x9b"
        "31mc\xe2\x80\xae"
        "d\xe2\x81\xa6"
        "e\xc3\xa4");
    std::string table = cr::calls_table({c}, cr::TimeZone(), 0);
    CHECK(table.find("a?[2Jb?31mc?d?e\xc3\xa4"
                     "\n") != std::string::npos);
}
