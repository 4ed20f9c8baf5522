// What an alert says and whom it reaches (notify/alert.h), the digest and the metrics
// (notify/digest.h).
#include "journal/calls.h"
#include "notify/alert.h"
#include "notify/digest.h"
#include "support.h"

namespace {

const char* const kRules = R"([settings]
country_code = 49
timezone = Europe/Berlin
public_url = https://example.com/cr
journal = /tmp/never-written.jsonl
mail_from = Zentrale <cr@example.com>
[hours office]
mon-fri = 08:00-18:00
[rule office]
to = 4921199999
action = dial 4921112345601
[notify day]
on = missed
to = 4921199999
when = office
mail = Anna <anna@example.com>
[notify night]
on = missed, voicemail
when = !office
webhook = https://hooks.example.com/x
[notify out]
on = every
direction = out
mail = log@example.com
)";

cr::CallRow call(const std::string& id, std::int64_t start, const std::string& direction = "in") {
    cr::CallRow c;
    c.call_id = id;
    c.start = start;
    c.last = start + 20;
    c.ended = start + 20;
    c.direction = direction;
    c.from = "49211123456";
    c.to = "4921199999";
    c.legs = {"office"};
    c.action = "dial 4921112345601";
    c.cause = "cancel";
    return c;
}

}  // namespace

TEST_CASE("alert: which [notify] wants a call: its outcome, direction, called number, hours") {
    test::Rules r(kRules);
    const cr::Notify& day = *r->find_notify("day");
    const cr::Notify& night = *r->find_notify("night");
    const cr::Notify& out = *r->find_notify("out");
    const std::int64_t monday_10 = 1796634000;  // 2026-12-07 10:00 in Berlin (09:00Z)
    const std::int64_t monday_22 = monday_10 + 12 * 3600;
    CHECK(cr::notify_wants(day, call("a", monday_10), "missed", *r));
    CHECK(cr::notify_wants(day, call("a", monday_10), "lost", *r));  // lost: told as missed
    CHECK_FALSE(cr::notify_wants(day, call("a", monday_10), "voicemail", *r));
    CHECK_FALSE(cr::notify_wants(day, call("a", monday_22), "missed", *r));  // after hours
    CHECK(cr::notify_wants(night, call("a", monday_22), "voicemail", *r));
    CHECK_FALSE(cr::notify_wants(night, call("a", monday_10), "voicemail", *r));
    cr::CallRow other = call("a", monday_10);
    other.to = "4921188888";
    CHECK_FALSE(cr::notify_wants(day, other, "missed", *r));
    CHECK_FALSE(cr::notify_wants(day, call("a", monday_10, "out"), "missed", *r));  // incoming only
    CHECK(cr::notify_wants(out, call("a", monday_10, "out"), "forwarded", *r));
    CHECK_FALSE(cr::notify_wants(out, call("a", monday_10, "in"), "answered", *r));
    CHECK(cr::outcome_bit("forwarded") == 8);
}

TEST_CASE("alert: its mail and its JSON") {
    test::Rules r(kRules);
    const cr::Notify& day = *r->find_notify("day");
    cr::CallRow c = call("c\"1 x", 1796634000);
    c.answered_by = "J\xc3\xbcrgen";
    cr::Mail m = cr::alert_mail(day, c, "missed", *r, 1796634100);
    CHECK(m.subject == "Missed call from 49211123456 to 4921199999 at 2026-12-07 10:00:00");
    CHECK(m.message_id == "c=221=20x.day.callrouter@example.com");
    CHECK(m.from.address == "cr@example.com");
    CHECK(m.body.find("Caller:      49211123456\n") != std::string::npos);
    CHECK(m.body.find("When:        2026-12-07 10:00:00 (Europe/Berlin)\n") != std::string::npos);
    CHECK(m.body.find("Rang:        20s\n") != std::string::npos);
    CHECK(m.body.find("[notify day] in ") != std::string::npos);
    c.from = "";
    CHECK(cr::alert_summary(c, "lost", r->tz).rfind("Lost call (no hangup came) from anonymous", 0) == 0);
    const std::string j = cr::alert_json(day, c, "missed", *r);
    CHECK(j.rfind("{\"text\":\"Missed call from anonymous to 4921199999 at 2026-12-07 10:00:00\","
                  "\"id\":\"c\\\"1 x/day\",\"notify\":\"day\",\"callId\":\"c\\\"1 x\"",
                  0) == 0);
    CHECK(j.find("\"start\":\"2026-12-07T09:00:00Z\",\"outcome\":\"missed\",\"voicemail\":false") != std::string::npos);
    CHECK(j.find("\"ringSeconds\":20,\"talkSeconds\":null,\"cause\":\"cancel\"}") != std::string::npos);
    CHECK(cr::json_string(std::string("a\x01\xff", 3)) == "\"a\\u0001\\ufffd\"");
}

TEST_CASE("alert: what came from the network makes no line of its own, mentions nobody and links nowhere") {
    test::Rules r(kRules);
    cr::Notify n = cr::Notify();
    n.name = "a..b";
    cr::CallRow c = call("c1", 1796634000);
    c.answered_by = "<!channel>\nOutcome:     voicemail <https://evil.example|Call back now> & more";
    c.from = "4921\r\n1";
    cr::Mail m = cr::alert_mail(n, c, "answered", *r, 1796634100);
    CHECK(m.body.find("\nOutcome:     voicemail") == std::string::npos);  // only the real Outcome line
    CHECK(m.body.find("Caller:      4921  1\n") != std::string::npos);
    CHECK(m.message_id == "c1.a=2E=2Eb.callrouter@example.com");  // no ".." in a dot-atom
    const std::string j = cr::alert_json(n, c, "answered", *r);
    const std::string text = j.substr(0, j.find("\",\"id\""));
    CHECK(text.find("<!channel>") == std::string::npos);
    CHECK(text.find("&lt;!channel&gt;") != std::string::npos);
    CHECK(text.find("&lt;https://evil.example|Call back now&gt; &amp; more") != std::string::npos);
    CHECK(text.find("\\n") == std::string::npos);
    c.answered_by = "@channel";
    const std::string j2 = cr::alert_json(n, c, "answered", *r);
    CHECK(j2.find("answered by @\xe2\x80\x8b"
                  "channel\"") != std::string::npos);
    // The fields themselves stay as they came, for programs (JSON-escaped).
    CHECK(j.find("\"answeredBy\":\"<!channel>\\u000aOutcome:") != std::string::npos);
}

TEST_CASE("digest: a call back is an outgoing call to the caller, after the call") {
    test::Rules r(kRules);
    const std::int64_t t = 1796634000;
    cr::Digest d(*r, t - 3600, t + 86400);
    cr::CallRow missed = call("m", t);
    cr::CallRow before = call("b", t - 60, "out");  // before the miss: no call back
    before.to = missed.from;
    d.add(before);
    d.add(missed);
    cr::CallRow other = call("o", t + 100);
    other.from = "49211000000";
    d.add(other);
    cr::CallRow back = call("back", t + 600, "out");
    back.to = missed.from;
    back.answered = t + 610;
    back.by_person = true;
    d.add(back);
    const std::string text = d.text();
    CHECK(text.find("Incoming calls: 2\n") != std::string::npos);
    CHECK(text.find("Outgoing calls: 2 (1 answered)\n") != std::string::npos);
    CHECK(text.find("49211123456              to 4921199999       missed     called back 2026-12-07 10:10") !=
          std::string::npos);
    CHECK(text.find("49211000000              to 4921199999       missed     not called back") != std::string::npos);
    CHECK(text.find("1 of 2 called back") != std::string::npos);
    CHECK(d.subject() ==
          "callrouter: 2 incoming calls, 2 missed, 0 to the voicemail (2026-12-07 09:00 to "
          "2026-12-08 10:00)");
}

TEST_CASE("metrics: label values escaped, the histogram cumulative") {
    cr::Metrics m(1796634000);
    cr::JournalEvent e;
    e.time = 1796634000;
    e.fields = {{"event", "newCall"}};
    m.event(e);
    cr::CallRow c = call("a", 1796634000);
    c.legs = {"we\"ird\\rule"};
    m.call(c);
    const std::string t = m.text(0);
    CHECK(t.find("callrouter_calls_total{rule=\"we\\\"ird\\\\rule\",direction=\"in\",outcome=\"missed\"} 1") !=
          std::string::npos);
    CHECK(t.find("callrouter_ring_seconds_bucket{le=\"15\"} 0\ncallrouter_ring_seconds_bucket{le=\"20\"} 1\n") !=
          std::string::npos);
    CHECK(t.find("callrouter_ring_seconds_bucket{le=\"+Inf\"} 1\n") != std::string::npos);
}
