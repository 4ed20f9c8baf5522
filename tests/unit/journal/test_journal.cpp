// The call journal (callrouter.ini(5), JOURNAL): its lines, reading them back, and the
// calls joined from them (--calls).
#include <sys/resource.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "journal/calls.h"
#include "journal/journal.h"
#include "support.h"

TEST_CASE("journal: a line as written, and read back") {
    cr::JournalEvent e;
    e.time = 1764233998;  // 2025-11-27T08:59:58Z
    e.fields = {{"event", "newCall"}, {"callId", "a\"b\\c"}, {"from", std::string("x\x01y\xff", 4)}};
    e.arrays = {{"users", {"Alice", "Bj\xc3\xb6rn"}}, {"userIds", {"w0", "w1"}}, {"none", {}}};
    const std::string line = cr::journal_line(e);
    CHECK(line ==
          "{\"time\":\"2025-11-27T08:59:58Z\",\"event\":\"newCall\",\"callId\":\"a\\\"b\\\\c\","
          "\"from\":\"x\\u0001y\xef\xbf\xbd\",\"users\":[\"Alice\",\"Bj\xc3\xb6rn\"],\"userIds\":[\"w0\",\"w1\"]}");
    cr::JournalEvent back;
    REQUIRE(cr::parse_journal_line(line, &back));
    CHECK(back.time == e.time);
    CHECK(*back.field("callId") == "a\"b\\c");
    CHECK(*back.field("from") == "x\x01y\xef\xbf\xbd");
    REQUIRE(back.array("users"));
    CHECK(*back.array("users") == std::vector<std::string>{"Alice", "Bj\xc3\xb6rn"});
    CHECK(*back.array("userIds") == std::vector<std::string>{"w0", "w1"});
    CHECK(back.array("none") == nullptr);  // an empty array is not written
    CHECK(cr::journal_line(back) == line);
    // A value is cut at 200 bytes, at a character's end.
    cr::JournalEvent big;
    big.fields = {{"cause", std::string(199, 'x') + "\xc3\xb6"}};
    CHECK(cr::journal_line(big) == "{\"time\":\"1970-01-01T00:00:00Z\",\"cause\":\"" + std::string(199, 'x') + "\"}");
}

TEST_CASE("journal: a line stays within 12 KiB, whatever its values, so that --calls reads it") {
    cr::JournalEvent e;
    e.time = 1;
    const std::string controls(200, '\x01');  // 6 bytes each, escaped
    for (const char* k : {"event", "callId", "from", "to", "rule", "action", "diversion", "origCallId"})
        e.fields.emplace_back(k, controls);
    for (const char* k : {"users", "userIds", "fullUserIds"})
        e.arrays.emplace_back(k, std::vector<std::string>(20, controls));
    const std::string line = cr::journal_line(e);
    CHECK(line.size() <= 12288);
    cr::JournalEvent back;
    CHECK(cr::parse_journal_line(line, &back));
    CHECK(back.fields.size() == 8);  // the fields come first, and fit
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
    std::string table = cr::calls_table(calls, utc, 60, 1000);
    CHECK(table ==
          "start                dir  from     to       legs     action                 outcome   answered by          "
          "ring   talk  cause\n"
          "1970-01-01 00:01:40  in   4930123  4921199  hotline  [main:none] voicemail  answered  Bob (4921112345610)   "
          "10s  1m00s  normalClearing\n"
          "1 call\n");
}

namespace {

cr::JournalEvent leg_event(std::int64_t t, std::vector<std::pair<std::string, std::string>> f,
                           std::vector<std::string> users = {}) {
    cr::JournalEvent e;
    e.time = t;
    e.fields = std::move(f);
    if (!users.empty()) e.arrays = {{"users", std::move(users)}};
    return e;
}

}  // namespace

TEST_CASE("calls: the legs of a call are joined by origCallId into one row, the voicemail's answer is no person's") {
    // sipgate.io's forward, then the account's voicemail after N seconds (SPEC section 9).
    std::vector<cr::JournalEvent> events = {
        leg_event(100,
                  {{"event", "newCall"},
                   {"callId", "c1"},
                   {"direction", "in"},
                   {"from", "4930123"},
                   {"to", "4921199"},
                   {"rule", "office"},
                   {"action", "dial 4921112345601"}},
                  {"Anna"}),
        leg_event(120, {{"event", "hangup"}, {"callId", "c1"}, {"cause", "forwarded"}}),
        leg_event(120,
                  {{"event", "newCall"},
                   {"callId", "c2"},
                   {"origCallId", "c1"},
                   {"leg", "later"},
                   {"direction", "in"},
                   {"from", "4930123"},
                   {"to", "4921199"},
                   {"rule", "none"},
                   {"action", "none"}},
                  {"Bob"}),
        leg_event(140, {{"event", "hangup"}, {"callId", "c2"}, {"cause", "forwarded"}}),
        leg_event(140,
                  {{"event", "newCall"},
                   {"callId", "c3"},
                   {"origCallId", "c1"},
                   {"leg", "voicemail"},
                   {"direction", "in"},
                   {"from", "4930123"},
                   {"to", "4921199"},
                   {"rule", "none"},
                   {"action", "none"}},
                  {"voicemail"}),
        leg_event(141, {{"event", "answer"}, {"callId", "c3"}, {"user", "voicemail"}}),
        leg_event(200, {{"event", "hangup"}, {"callId", "c3"}, {"cause", "normalClearing"}}),
    };
    std::vector<cr::CallRow> calls = cr::join_calls(events);
    REQUIRE(calls.size() == 1);
    const cr::CallRow& c = calls[0];
    CHECK(c.call_id == "c1");
    CHECK(c.legs == std::vector<std::string>{"office", "Bob", "voicemail"});
    CHECK(c.by_voicemail);
    CHECK_FALSE(c.by_person);
    CHECK_FALSE(c.open);
    CHECK(c.answered == 141);
    CHECK(c.ended == 200);
    CHECK(c.cause == "normalClearing");
    CHECK(c.action == "dial 4921112345601");
    CHECK(std::string(cr::call_outcome(c, 1000)) == "voicemail");
    std::string table = cr::calls_table(calls, cr::TimeZone(), 0, 1000);
    INFO(table);
    CHECK(table.find(
              "office -> Bob -> voicemail  dial 4921112345601  voicemail  voicemail     41s   59s  normalClearing") !=
          std::string::npos);
}

TEST_CASE("calls: how a call ended: answered, voicemail, missed, open, and lost after kLostAfter") {
    auto one = [](std::vector<cr::JournalEvent> events) {
        std::vector<cr::CallRow> rows = cr::join_calls(events);
        REQUIRE(rows.size() == 1);
        return rows[0];
    };
    const cr::JournalEvent start = leg_event(100, {{"event", "newCall"}, {"callId", "x"}, {"rule", "r"}});
    cr::CallRow answered = one({start, leg_event(105, {{"event", "answer"}, {"callId", "x"}, {"user", "Bob"}}),
                                leg_event(160, {{"event", "hangup"}, {"callId", "x"}, {"cause", "normalClearing"}})});
    CHECK(std::string(cr::call_outcome(answered, 200)) == "answered");
    // A forward to an outside number is answered by that number, with no user.
    cr::CallRow by_number =
        one({start, leg_event(105, {{"event", "answer"}, {"callId", "x"}, {"answeringNumber", "4917612345"}})});
    CHECK(std::string(cr::call_outcome(by_number, 200)) == "answered");
    CHECK(by_number.answered_by == "4917612345");
    // An answer with neither user nor number is the voicemail's (or a queue's).
    cr::CallRow machine = one({start, leg_event(105, {{"event", "answer"}, {"callId", "x"}})});
    CHECK(std::string(cr::call_outcome(machine, 200)) == "voicemail");
    cr::CallRow missed = one({start, leg_event(130, {{"event", "hangup"}, {"callId", "x"}, {"cause", "cancel"}})});
    CHECK(std::string(cr::call_outcome(missed, 200)) == "missed");
    CHECK(missed.cause == "cancel");
    cr::CallRow open = one({start});
    CHECK(open.open);
    CHECK(std::string(cr::call_outcome(open, 100 + cr::kLostAfter)) == "open");
    CHECK(std::string(cr::call_outcome(open, 101 + cr::kLostAfter)) == "lost");
    // A forwarded first leg whose next leg never hangs up: the call is open, then lost.
    cr::CallRow forwarded =
        one({start, leg_event(110, {{"event", "hangup"}, {"callId", "x"}, {"cause", "forwarded"}}),
             leg_event(110, {{"event", "newCall"}, {"callId", "y"}, {"origCallId", "x"}}, {"Bob"})});
    CHECK(forwarded.open);
    CHECK(std::string(cr::call_outcome(forwarded, 110 + cr::kLostAfter + 1)) == "lost");
    // A forwarded first leg whose next leg is not in the journal: open, then lost, not missed.
    cr::CallRow gone = one({start, leg_event(110, {{"event", "hangup"}, {"callId", "x"}, {"cause", "forwarded"}})});
    CHECK(std::string(cr::call_outcome(gone, 200)) == "open");
    CHECK(std::string(cr::call_outcome(gone, 110 + cr::kLostAfter + 1)) == "lost");
    // A voicemail leg that ended normally, its answer push lost: the voicemail took it.
    cr::CallRow vm = one({start, leg_event(110, {{"event", "hangup"}, {"callId", "x"}, {"cause", "forwarded"}}),
                          leg_event(110, {{"event", "newCall"}, {"callId", "v"}, {"origCallId", "x"}}, {"voicemail"}),
                          leg_event(150, {{"event", "hangup"}, {"callId", "v"}, {"cause", "normalClearing"}})});
    CHECK(std::string(cr::call_outcome(vm, 200)) == "voicemail");
}

TEST_CASE("calls: a hangup that names who answered tells an answer whose push never came; who answered is bounded") {
    std::vector<cr::CallRow> rows = cr::join_calls(
        {leg_event(100, {{"event", "newCall"}, {"callId", "x"}, {"rule", "r"}}),
         leg_event(160,
                   {{"event", "hangup"}, {"callId", "x"}, {"cause", "normalClearing"}, {"answeringNumber", "4921"}})});
    REQUIRE(rows.size() == 1);
    CHECK(std::string(cr::call_outcome(rows[0], 200)) == "answered");
    CHECK(rows[0].answered_by == "4921");
    CHECK(rows[0].answered == -1);  // when is not known: ring and talk are "-"
    std::string table = cr::calls_table(rows, cr::TimeZone(), 0, 200);
    INFO(table);
    CHECK(table.find("answered  4921            -     -  normalClearing") != std::string::npos);
    // A busy line names no answer, whatever the number.
    rows = cr::join_calls(
        {leg_event(100, {{"event", "newCall"}, {"callId", "x"}}),
         leg_event(110, {{"event", "hangup"}, {"callId", "x"}, {"cause", "busy"}, {"answeringNumber", "4921"}})});
    CHECK(std::string(cr::call_outcome(rows[0], 200)) == "missed");
    // A thousand answers by a thousand names keep at most kMaxAnswered bytes of them.
    std::vector<cr::JournalEvent> events = {leg_event(100, {{"event", "newCall"}, {"callId", "x"}})};
    for (int i = 0; i < 1000; ++i)
        events.push_back(leg_event(101, {{"event", "answer"}, {"callId", "x"}, {"user", "user" + std::to_string(i)}}));
    rows = cr::join_calls(events);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].answered_by.size() <= cr::CallJoiner::kMaxAnswered + 8);
    CHECK(rows[0].answered_by.rfind("user0, user1, ", 0) == 0);
}

TEST_CASE(
    "calls: a later leg whose first leg is not in the journal still makes one row; legs past kMaxLegs start "
    "rows of their own") {
    std::vector<cr::JournalEvent> events;
    for (std::size_t i = 0; i < cr::CallJoiner::kMaxLegs + 2; ++i) {
        std::string id = "l" + std::to_string(i);
        events.push_back(leg_event(static_cast<std::int64_t>(100 + i),
                                   {{"event", "newCall"}, {"callId", id}, {"origCallId", "gone"}, {"rule", "r"}}));
        events.push_back(leg_event(static_cast<std::int64_t>(100 + i), {{"event", "hangup"}, {"callId", id}}));
    }
    std::vector<cr::CallRow> rows = cr::join_calls(events);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].call_id == "gone");
    CHECK(rows[0].legs.size() == cr::CallJoiner::kMaxLegs);
    CHECK_FALSE(rows[0].open);
    // The legs past them are calls of their own, with what their newCall said.
    CHECK(rows[1].call_id == "l8");
    CHECK(rows[1].legs == std::vector<std::string>{"r"});
    CHECK_FALSE(rows[1].open);
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
    std::string table = cr::calls_table({c}, cr::TimeZone(), 0, 0);
    CHECK(table.find("a?[2Jb?31mc?d?e\xc3\xa4"
                     "\n") != std::string::npos);
}

namespace {

cr::JournalEvent event(std::int64_t t, const std::string& id, const std::string& ev) {
    cr::JournalEvent e;
    e.time = t;
    e.fields = {{"event", ev}, {"callId", id}};
    return e;
}

}  // namespace

TEST_CASE("calls: joined in bounded memory: the first held call is handed on as it stands when too many are held") {
    std::vector<cr::CallRow> rows;
    cr::CallJoiner joiner([&](cr::CallRow&& r) { rows.push_back(std::move(r)); });
    const std::size_t n = cr::CallJoiner::kMaxHeld + 500;
    for (std::size_t i = 0; i < n; ++i)
        joiner.add(event(1000 + static_cast<std::int64_t>(i), "c" + std::to_string(i), "newCall"));
    // The first 500 could not be held: handed on already, in the order they began.
    REQUIRE(rows.size() == 500);
    for (std::size_t i = 0; i < rows.size(); ++i) CHECK(rows[i].call_id == "c" + std::to_string(i));
    joiner.finish();
    REQUIRE(rows.size() == n);
    for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i - 1].start <= rows[i].start);
}

TEST_CASE(
    "calls: an event written after its call's hangup still joins it; a call written later that started "
    "earlier comes first; a call is handed on once its hangup is kGrace old") {
    std::vector<cr::CallRow> rows;
    cr::CallJoiner joiner([&](cr::CallRow&& r) { rows.push_back(std::move(r)); });
    joiner.add(event(200, "x", "newCall"));
    joiner.add(event(201, "x", "hangup"));
    cr::JournalEvent answer = event(200, "x", "answer");
    answer.fields.push_back({"user", "Bob"});
    joiner.add(answer);                      // written by another process, after the hangup
    joiner.add(event(199, "y", "newCall"));  // started earlier, written later
    joiner.add(event(202, "y", "hangup"));
    CHECK(rows.empty());  // both within kGrace of their hangup
    joiner.add(event(201 + cr::CallJoiner::kGrace, "z", "newCall"));
    CHECK(rows.empty());  // x's grace is over, but y, which started first, is still in its own
    joiner.add(event(202 + cr::CallJoiner::kGrace, "z", "dtmf"));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].call_id == "y");
    joiner.finish();
    REQUIRE(rows.size() == 3);
    CHECK(rows[1].call_id == "x");
    CHECK(rows[1].answered_by == "Bob");
    CHECK(rows[1].ended == 201);
    CHECK(rows[2].call_id == "z");
}

TEST_CASE("calls: a call quiet for a week is ended as it stands; calls ended after it began wait for it") {
    std::vector<cr::CallRow> rows;
    cr::CallJoiner joiner([&](cr::CallRow&& r) { rows.push_back(std::move(r)); });
    joiner.add(event(0, "lost", "newCall"));  // its hangup never comes
    joiner.add(event(10, "a", "newCall"));
    joiner.add(event(20, "a", "hangup"));
    CHECK(rows.empty());  // "a" began after "lost": it waits
    for (std::int64_t i = 0; i < 10000; ++i) {
        joiner.add(event(cr::CallJoiner::kQuiet + 100 + i, "b" + std::to_string(i), "newCall"));
        joiner.add(event(cr::CallJoiner::kQuiet + 100 + i, "b" + std::to_string(i), "hangup"));
    }
    REQUIRE(rows.size() >= 2);
    CHECK(rows[0].call_id == "lost");
    CHECK(rows[0].ended == -1);
    CHECK(rows[1].call_id == "a");
    joiner.finish();
    CHECK(rows.size() == 10002);
}

TEST_CASE(
    "calls: the reader skips and counts lines that are no event and lines too long, reads a last line "
    "without its newline, and reads the same lines twice while the journal grows") {
    test::TempDir dir;
    std::string long_line = "{\"time\":\"2026-11-27T08:00:00Z\",\"callId\":\"" + std::string(20000, 'x') + "\"}";
    std::string path = dir.write("calls.jsonl",
                                 "{\"time\":\"2026-11-27T08:00:00Z\",\"callId\":\"a\"}\n"
                                 "torn {\"ti\n"
                                 "\n" +
                                     long_line +
                                     "\n"
                                     "{\"time\":\"2026-11-27T08:00:01Z\",\"callId\":\"b\"}");
    cr::JournalReader reader;
    std::string err;
    REQUIRE_MESSAGE(reader.open(path, &err), err);
    {
        std::ofstream grow(path, std::ios::app);
        grow << "\n{\"time\":\"2026-11-27T08:00:02Z\",\"callId\":\"c\"}\n";
    }
    for (int pass = 0; pass < 2; ++pass) {
        std::vector<std::string> ids;
        cr::JournalRead read;
        REQUIRE(reader.read([&](const cr::JournalEvent& e) { ids.push_back(*e.field("callId")); }, &read, &err));
        CHECK(ids == std::vector<std::string>{"a", "b"});  // not "c": it came after the open
        CHECK(read.skipped == 1);
        CHECK(read.too_long == 1);
    }
    CHECK_FALSE(reader.open(dir.path() + "/none.jsonl", &err));
    CHECK(err == "No such file or directory");
}

TEST_CASE(
    "journal file: a torn end gets its newline first; a journal renamed away is started anew; with no "
    "descriptor left the reserve opens it") {
    test::TempDir dir;
    const std::string path = dir.path() + "/calls.jsonl";
    auto read = [](const std::string& p) {
        std::ifstream in(p);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    cr::JournalFile file(true);
    std::string err;
    REQUIRE_MESSAGE(file.append(path, "{\"a\":\"1\"}", &err), err);
    {
        std::ofstream torn(path, std::ios::app);
        torn << "{\"torn";  // as a full disk leaves it
    }
    REQUIRE_MESSAGE(file.append(path, "{\"a\":\"2\"}", &err), err);
    CHECK(read(path) == "{\"a\":\"1\"}\n{\"torn\n{\"a\":\"2\"}\n");
    // logrotate renames it: the next line starts a new file.
    REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
    REQUIRE_MESSAGE(file.append(path, "{\"a\":\"3\"}", &err), err);
    CHECK(read(path) == "{\"a\":\"3\"}\n");
    CHECK(read(path + ".1") == "{\"a\":\"1\"}\n{\"torn\n{\"a\":\"2\"}\n");
    // Every descriptor taken (of a limit lowered for the test), and the journal renamed
    // away again: the reserve opens the new one.
    rlimit was{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &was) == 0);
    rlimit low = was;
    low.rlim_cur = 256;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    REQUIRE(std::rename(path.c_str(), (path + ".2").c_str()) == 0);
    std::vector<int> taken;
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) taken.push_back(fd);
    REQUIRE(errno == EMFILE);
    bool ok = file.append(path, "{\"a\":\"4\"}", &err);
    for (int fd : taken) ::close(fd);
    CHECK_MESSAGE(ok, err);
    CHECK(read(path) == "{\"a\":\"4\"}\n");
    // Without a reserve, the same fails and says why.
    cr::JournalFile bare(false);
    taken.clear();
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) taken.push_back(fd);
    ok = bare.append(path, "{\"a\":\"5\"}", &err);
    for (int fd : taken) ::close(fd);
    CHECK_FALSE(ok);
    CHECK(err == "cannot append: Too many open files");
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &was) == 0);
}
