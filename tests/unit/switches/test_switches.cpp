// The switches' state file (switches/state.h), the TIME of `until` (switches/until.h),
// and the switch in the rules: the action's grammar and the condition (rules/decide.h).
#include <fstream>

#include "rules/action.h"
#include "support.h"
#include "switches/cache.h"
#include "switches/state.h"
#include "switches/until.h"
#include "webhook/answer.h"

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

cr::SwitchChange change(const std::string& name, cr::SwitchChange::Op op, std::int64_t until = 0) {
    cr::SwitchChange c;
    c.name = name;
    c.op = op;
    c.until = until;
    c.by = "a test";
    return c;
}

}  // namespace

TEST_CASE("switches: the state file written and read back; each broken line refused with its line") {
    cr::SwitchStates s;
    s.entries.push_back({"closed", true, 1796691352, 1796698552, "call c1 from 4915799912345"});
    s.entries.push_back({"ill", false, 1796600000, 0, ""});
    const std::string text = cr::format_switch_states(s);
    CHECK(text ==
          "# callrouter switches: written by callrouter --switch and by calls; see callrouter(8)\n"
          "closed on at=1796691352 until=1796698552 by=call c1 from 4915799912345\n"
          "ill off at=1796600000\n");
    cr::SwitchStates back;
    std::string err;
    REQUIRE(cr::parse_switch_states(text, &back, &err));
    REQUIRE(back.entries.size() == 2);
    CHECK(back.find("closed")->until == 1796698552);
    CHECK(back.find("closed")->by == "call c1 from 4915799912345");
    CHECK_FALSE(back.find("ill")->on);
    CHECK(back.find("nosuch") == nullptr);

    const std::pair<const char*, const char*> bad[] = {
        {"closed on at=1\nclosed off at=2\n", "line 2: closed a second time"},
        {"closed maybe at=1\n", "line 1: expected on or off after the name"},
        {"closed on\n", "line 1: no at=SECONDS"},
        {"closed on at=1 colour=red\n", "line 1: unknown field 'colour=red'"},
        {"closed on at=x1\n", "line 1: unknown field 'at=x1'"},
        {"clo/sed on at=1\n", "line 1: bad switch name"},
        {"# fine\nclosed on at=1", "line 2: cut short (no newline at its end)"},
        {"closed on at=1 by=a\tb\n", "line 1: a control character"},
    };
    for (const auto& [t, want] : bad) {
        INFO(t);
        cr::SwitchStates out;
        out.entries.push_back({"kept", true, 1, 0, ""});
        CHECK_FALSE(cr::parse_switch_states(t, &out, &err));
        CHECK(err == want);
        CHECK(out.entries.size() == 1);  // unchanged
    }
}

TEST_CASE("switches: on between its at and its until, else at its default") {
    cr::SwitchEntry e{"closed", true, 1000, 2000, ""};
    CHECK_FALSE(cr::switch_on(&e, false, 999));
    CHECK(cr::switch_on(&e, false, 1000));
    CHECK(cr::switch_on(&e, false, 1999));
    CHECK_FALSE(cr::switch_on(&e, false, 2000));
    CHECK(cr::switch_on(nullptr, true, 1500));
    cr::SwitchEntry off{"open", false, 1000, 0, ""};
    CHECK_FALSE(cr::switch_on(&off, true, 5000000));
    CHECK(cr::switch_on(&off, true, 999));
}

TEST_CASE(
    "switches: changes under the lock: on, off, toggle from the default and back, until; a missing file "
    "is no entry, a broken one is started afresh and said so") {
    test::TempDir dir;
    const std::string path = dir.path() + "/switches";
    cr::SwitchStates s;
    std::string err, broken;
    REQUIRE(cr::read_switch_states(path, &s, &err));
    CHECK(s.entries.empty());
    REQUIRE(cr::change_switch_states(path, {change("closed", cr::SwitchChange::On, 5000)}, 1000, &s, &err));
    CHECK(s.find("closed")->on);
    CHECK(s.find("closed")->until == 5000);
    cr::SwitchChange t = change("ill", cr::SwitchChange::Toggle);
    t.default_on = true;  // toggled from its default, on: off
    REQUIRE(cr::change_switch_states(path, {t}, 1100, &s, &err));
    CHECK_FALSE(s.find("ill")->on);
    REQUIRE(cr::change_switch_states(path, {t}, 1200, &s, &err));
    CHECK(s.find("ill")->on);
    // A toggle after `until` starts from the default again.
    cr::SwitchChange tc = change("closed", cr::SwitchChange::Toggle);
    REQUIRE(cr::change_switch_states(path, {tc}, 6000, &s, &err));
    CHECK(s.find("closed")->on);
    CHECK(s.find("closed")->until == 0);
    cr::SwitchStates back;
    REQUIRE(cr::read_switch_states(path, &back, &err));
    CHECK(cr::format_switch_states(back) == read_all(path));
    CHECK(back.entries.size() == 2);

    dir.write("switches", "garbage\n");
    REQUIRE(cr::change_switch_states(path, {change("closed", cr::SwitchChange::Off)}, 7000, &s, &err, &broken));
    CHECK(broken == path + ": line 1: expected on or off after the name; written afresh");
    CHECK(s.entries.size() == 1);
    CHECK(read_all(path).find("closed off at=7000 by=a test\n") != std::string::npos);

    CHECK_FALSE(cr::change_switch_states(dir.path() + "/no/such/switches", {change("a", cr::SwitchChange::On)}, 1,
                                         nullptr, &err));
    CHECK(err.find("cannot open " + dir.path() + "/no/such/switches.lock") == 0);
}

TEST_CASE("switches: the cache reads the file again when it changed, and keeps the defaults of a broken one") {
    test::TempDir dir;
    const std::string path = dir.path() + "/switches";
    cr::SwitchCache cache;
    CHECK(cache.get(path)->entries.empty());
    std::string err;
    REQUIRE(cr::change_switch_states(path, {change("closed", cr::SwitchChange::On)}, 1000, nullptr, &err));
    auto a = cache.get(path);
    REQUIRE(a->find("closed"));
    CHECK(cache.get(path) == a);  // unchanged: the same states
    dir.write("switches.new", "broken\n");
    REQUIRE(::rename((path + ".new").c_str(), path.c_str()) == 0);
    CHECK(cache.get(path)->entries.empty());
    CHECK(cache.get("")->entries.empty());
}

TEST_CASE("switches: until TIME: HH:MM the next such time, a date, a date and time, +N; refusals") {
    cr::TimeZone tz;
    std::string err;
    REQUIRE(test::load_zone(&tz, "Europe/Berlin", &err));
    const std::int64_t fri_1600 = tz.from_local(2026, 10, 23, 16, 0);
    cr::UntilSpec u;
    REQUIRE(cr::parse_until("08:00", &u, &err));
    CHECK(cr::resolve_until(u, tz, fri_1600) == tz.from_local(2026, 10, 24, 8, 0));
    REQUIRE(cr::parse_until("17:30", &u, &err));
    CHECK(cr::resolve_until(u, tz, fri_1600) == tz.from_local(2026, 10, 23, 17, 30));
    REQUIRE(cr::parse_until("16:00", &u, &err));  // now: the next one, tomorrow
    CHECK(cr::resolve_until(u, tz, fri_1600) == tz.from_local(2026, 10, 24, 16, 0));
    // Across the change to winter time (2026-10-25): 08:00 on the wall clock, 25 hours on.
    const std::int64_t sat_0800 = tz.from_local(2026, 10, 24, 8, 0);
    REQUIRE(cr::parse_until("08:00", &u, &err));
    CHECK(cr::resolve_until(u, tz, sat_0800) - sat_0800 == 25 * 3600);
    REQUIRE(cr::parse_until("2026-12-27", &u, &err));
    CHECK(cr::resolve_until(u, tz, fri_1600) == tz.from_local(2026, 12, 27, 0, 0));
    REQUIRE(cr::parse_until("2026-12-27 08:15", &u, &err));
    CHECK(cr::resolve_until(u, tz, fri_1600) == tz.from_local(2026, 12, 27, 8, 15));
    REQUIRE(cr::parse_until("2026-12-27T08:15", &u, &err));
    CHECK(cr::resolve_until(u, tz, fri_1600) == tz.from_local(2026, 12, 27, 8, 15));
    REQUIRE(cr::parse_until("+90m", &u, &err));
    CHECK(cr::resolve_until(u, tz, fri_1600) == fri_1600 + 5400);
    REQUIRE(cr::parse_until("+2d", &u, &err));
    CHECK(cr::resolve_until(u, tz, fri_1600) == fri_1600 + 2 * 86400);
    for (const char* t : {"8:00", "24:00", "08:60", "+2w", "+h", "+0h", "2026-02-30", "2026-12-27 8:15", "tomorrow", "",
                          "2026-12-27x08:15"}) {
        INFO(t);
        CHECK_FALSE(cr::parse_until(t, &u, &err));
    }
    CHECK_FALSE(cr::parse_until("+401d", &u, &err));
    CHECK(err == "until: +401d is more than 400 days ahead");
}

TEST_CASE("switches: the action's grammar: switch parts first, each before then; dial @rota:NAME alone") {
    std::vector<cr::Step> steps;
    std::vector<cr::SwitchAct> acts;
    std::string err;
    REQUIRE(
        cr::parse_action("switch closed on until 08:00 then switch ill toggle then play https://e.example/a.wav "
                         "then hangup",
                         "49", &steps, &err, &acts));
    REQUIRE(acts.size() == 2);
    CHECK(acts[0].name == "closed");
    CHECK(acts[0].op == cr::SwitchAct::On);
    CHECK(acts[0].until.kind == cr::UntilSpec::Clock);
    CHECK(acts[0].text == "switch closed on until 08:00");
    CHECK(acts[1].op == cr::SwitchAct::Toggle);
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].kind == cr::Step::Play);
    REQUIRE(cr::parse_action("switch closed off until 2026-12-27 08:00 then voicemail", "49", &steps, &err, &acts));
    CHECK(acts[0].until.kind == cr::UntilSpec::Stamp);
    const std::pair<const char*, const char*> bad[] = {
        {"switch closed on",
         "switch must be followed by 'then' and what the call hears (as then play URL then hangup)"},
        {"switch closed then hangup",
         "switch takes NAME on|off|toggle [until TIME], then 'then' and what the call hears"},
        {"switch closed up then hangup", "switch closed: 'up' is not on, off or toggle"},
        {"switch closed on until then hangup",
         "switch takes NAME on|off|toggle [until TIME], then 'then' and what the call hears"},
        {"play https://e.example/a.wav then switch closed on then hangup",
         "switch comes first in an action, before what the call hears"},
        {"dial @rota:oncall 0211 123456",
         "dial @rota:oncall takes no other number (its fallback answers when nobody "
         "is on call)"},
    };
    for (const auto& [t, want] : bad) {
        INFO(t);
        CHECK_FALSE(cr::parse_action(t, "49", &steps, &err, &acts));
        CHECK(err == want);
    }
    CHECK_FALSE(cr::parse_action("switch closed on then hangup", "49", &steps, &err));
    CHECK(err == "switch is not an action here");
    REQUIRE(cr::parse_action("dial @rota:oncall", "49", &steps, &err, &acts));
    CHECK(steps[0].numbers == std::vector<std::string>{"@rota:oncall"});
}

TEST_CASE("switches: a rule's `switch = NAME` and `switch = !NAME` decide by the states given, and say why") {
    test::TempDir dir;
    test::Rules rules("[settings]\ntimezone = Europe/Berlin\nstate = " + dir.path() +
                      "/switches\n[switch closed]\n[switch open]\ndefault = on\n"
                      "[rule closed]\nswitch = closed\naction = voicemail\n"
                      "[rule not-open]\nswitch = !open\naction = reject busy\n"
                      "[rule office]\naction = dial 4921112345\n");
    cr::Call call;
    call.from = {cr::NumberKind::Digits, "4921155555"};
    call.to = {cr::NumberKind::Digits, "4921199999"};
    call.now = 1796691352;
    std::vector<std::string> trace;
    CHECK(cr::decide(*rules, call, &trace)->name == "office");
    CHECK(trace[0] == "rule closed (line 7): no match: switch closed: switch closed is off (its default)");
    cr::SwitchStates s;
    s.entries.push_back({"closed", true, call.now - 60, call.now + 3600, "call c1 from 4915799912345"});
    s.entries.push_back({"open", false, call.now - 60, 0, "callrouter --switch (anna)"});
    call.switches = &s;
    trace.clear();
    CHECK(cr::decide(*rules, call, &trace)->name == "closed");
    CHECK(trace[0] ==
          "rule closed (line 7): match -> voicemail; switch closed is on (set 2026-12-08 01:54 by call c1 from "
          "4915799912345, until 2026-12-08 02:55)");
    s.entries[0].until = call.now;  // run out
    trace.clear();
    CHECK(cr::decide(*rules, call, &trace)->name == "not-open");
    CHECK(trace[1] ==
          "rule not-open (line 10): match -> reject busy; switch open is off (set 2026-12-08 01:54 by "
          "callrouter --switch (anna), until switched again)");
}

TEST_CASE("switches: `by` is kept to 200 bytes, cut where a UTF-8 character begins, control characters blank") {
    cr::SwitchStates s;
    std::string by = std::string(199, 'x') + "\xc3\xbc" + "tail";  // the ü across byte 200
    s.entries.push_back({"a", true, 1, 0, by});
    s.entries.push_back({"b", true, 1, 0, "call c1 from 49\x7f\x1b[31m"});
    const std::string text = cr::format_switch_states(s);
    CHECK(text.find("a on at=1 by=" + std::string(199, 'x') + "\n") != std::string::npos);
    CHECK(text.find("b on at=1 by=call c1 from 49  [31m\n") != std::string::npos);
    cr::SwitchStates back;
    std::string err;
    CHECK(cr::parse_switch_states(text, &back, &err));
}

namespace {

// A writer that fails, as a lock held too long or a full disk does; keeps what it saw.
cr::SwitchWriter failing_writer(std::vector<cr::SwitchChange>* seen) {
    return [seen](const std::vector<cr::SwitchChange>& changes, std::int64_t, std::string* err) {
        *seen = changes;
        *err = "cannot lock /x/switches.lock: held by another process for 250 ms";
        return false;
    };
}

}  // namespace

TEST_CASE(
    "switches: a switch the writer cannot set is answered <Hangup/>, and the log line and journal say so; "
    "without a writer (--test) the changes are only said") {
    test::TempDir dir;
    test::Rules rules(
        "[settings]\ntimezone = Europe/Berlin\npublic_url = https://e.example/cr\njournal = " + dir.path() +
        "/calls.jsonl\n[switch closed]\n[rule admin]\nfrom = 4915799912345\n"
        "action = switch closed on until 08:00 then play https://e.example/closed.wav then hangup\n");
    const std::string body = "from=4915799912345&to=4921199999&direction=in&callId=c1";
    std::vector<cr::SwitchChange> seen;
    const cr::SwitchWriter w = failing_writer(&seen);
    cr::Outcome o = cr::handle(*rules, cr::form_post(body), body, 1796691352, nullptr, nullptr, &w);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].by == "call c1 from 4915799912345");
    CHECK(o.http.status == 200);
    CHECK(o.http.body.find("<Hangup/>") != std::string::npos);
    CHECK(o.http.body.find("closed.wav") == std::string::npos);
    CHECK(o.call.action == "hangup (the switch was not set)");
    CHECK(
        o.call.switched ==
        "closed on until 2026-12-08 08:00 (not set: cannot lock /x/switches.lock: held by another process for 250 ms)");
    CHECK(o.journal.find("\"switch\":\"closed on until 2026-12-08 08:00 (not set: ") != std::string::npos);
    CHECK(o.switches.empty());
    cr::Outcome t = cr::handle(*rules, cr::form_post(body), body, 1796691352, nullptr);
    CHECK(t.switches.size() == 1);
    CHECK(t.http.body.find("closed.wav") != std::string::npos);
}
