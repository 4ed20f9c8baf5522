// A call, not a push (SPEC section 9): later legs and the `leg` and `user` conditions,
// tokens on every onData URL, a menu's tries and invalid sound, the journal's fields
// of a whole call, and a push to another path than public_url's.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "journal/journal.h"
#include "support.h"
#include "webhook/answer.h"
#include "webhook/head.h"
#include "webhook/outcome.h"

namespace {

const std::string kHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const std::string kSecret(40, 's');

cr::Outcome push(const test::Rules& r, const std::string& body, const std::string& query = "",
                 std::vector<std::string>* trace = nullptr) {
    cr::HttpHead h = cr::form_post(body);
    h.query = query;
    return cr::handle(*r, h, body, 0, trace);
}

std::string call(const std::string& id, const std::string& extra = "") {
    return "event=newCall&callId=" + id + "&from=4930123456&to=4921199999&direction=in" + extra;
}

}  // namespace

TEST_CASE("legs: a later leg that no rule names with leg gets <Response/>, so the account's forward goes on") {
    test::Rules r(
        "[settings]\npublic_url = https://example.com/cr\njournal = /dev/null\n"
        "[rule office]\naction = dial 4921112345601\n");
    CHECK(push(r, call("c1")).call.rule == "office");
    std::vector<std::string> trace;
    cr::Outcome o = push(r, call("c2", "&origCallId=c1&user%5B%5D=Bob"), "", &trace);
    CHECK(o.http.status == 200);
    CHECK(o.call.rule == "none");
    CHECK(o.call.leg == "later");
    CHECK(o.call.detail == "no rule for this later leg of c1: the account's own forward or voicemail goes on");
    CHECK(o.http.body.find("<Dial>") == std::string::npos);
    CHECK(o.http.body.find("onHangup=") != std::string::npos);  // its answer and hangup are still journalled
    REQUIRE(trace.size() == 3);
    CHECK(trace[0] == "leg: later, origCallId 'c1' is not callId 'c2'");
    CHECK(
        trace[1] ==
        "rule office (line 4): no match: a later leg (origCallId c1), and the rule names no leg (it is for first legs)");
    CHECK(trace[2] ==
          "no rule matched this later leg of c1: <Response/>, so that the account's own forward or "
          "voicemail goes on");
    // origCallId equal to callId, or empty, is a first leg.
    CHECK(push(r, call("c3", "&origCallId=c3")).call.rule == "office");
    CHECK(push(r, call("c4", "&origCallId=")).call.rule == "office");
}

TEST_CASE("legs: leg = first | later | voicemail | any, and user = NAME, @list without regard to case") {
    test::Rules r(
        "[list desks]\nusers = Anna Schmidt,\n  BOB\n"
        "[rule vm]\nleg = voicemail\naction = hangup\n"
        "[rule desk]\nleg = later\nuser = @desks, Carl\naction = reject busy\n"
        "[rule any]\nleg = any\nfrom = 4940*\naction = voicemail\n"
        "[rule first]\nleg = first\naction = dial 4921112345601\n");
    CHECK(push(r, call("a")).call.rule == "first");
    CHECK(push(r, call("b", "&origCallId=a&user%5B%5D=VoiceMail")).call.rule == "vm");
    CHECK(push(r, call("b", "&origCallId=a&user%5B%5D=voicemail")).call.leg == "voicemail");
    CHECK(push(r, call("c", "&origCallId=a&user%5B%5D=anna+schmidt")).call.rule == "desk");
    CHECK(push(r, call("c", "&origCallId=a&user%5B%5D=Dora&user%5B%5D=bob")).call.rule == "desk");
    CHECK(push(r, call("c", "&origCallId=a&user%5B%5D=carl")).call.rule == "desk");
    CHECK(push(r, call("c", "&origCallId=a&user%5B%5D=Dora")).call.rule == "none");
    std::string later_from_40 = "event=newCall&callId=d&origCallId=a&from=4940123&to=4921199999&direction=in";
    CHECK(push(r, later_from_40).call.rule == "any");
    CHECK(push(r, "event=newCall&callId=e&from=4940123&to=4921199999&direction=in").call.rule == "any");
    std::vector<std::string> trace;
    push(r, call("c", "&origCallId=a&user%5B%5D=Dora"), "", &trace);
    CHECK(trace[2] == "rule desk (line 7): no match: user[] (dora) names nobody of '@desks, Carl'");
}

TEST_CASE("legs: the journal keeps the whole call: origCallId, xcid, leg, users, their ids, answeringNumber") {
    test::Rules r(
        "[settings]\ncountry_code = 49\npublic_url = https://example.com/cr\njournal = /dev/null\n"
        "[rule r]\nleg = any\naction = pass\n");
    cr::Outcome o =
        push(r, call("c2", "&origCallId=c1&xcid=x9&user%5B%5D=voicemail&userId%5B%5D=w0&fullUserId%5B%5D=1234567w0"));
    cr::JournalEvent e;
    REQUIRE(cr::parse_journal_line(o.journal, &e));
    CHECK(*e.field("origCallId") == "c1");
    CHECK(*e.field("xcid") == "x9");
    CHECK(*e.field("leg") == "voicemail");
    CHECK(*e.array("users") == std::vector<std::string>{"voicemail"});
    CHECK(*e.array("userIds") == std::vector<std::string>{"w0"});
    CHECK(*e.array("fullUserIds") == std::vector<std::string>{"1234567w0"});
    o = push(r, "event=answer&callId=c2&user=voicemail&userId=w0&fullUserId=1234567w0&answeringNumber=0211123");
    REQUIRE(cr::parse_journal_line(o.journal, &e));
    CHECK(*e.field("fullUserId") == "1234567w0");
    CHECK(*e.field("answeringNumber") == "49211123");
    o = push(r, "event=hangup&callId=c2&cause=normalClearing&answeringNumber=0211123");
    REQUIRE(cr::parse_journal_line(o.journal, &e));
    CHECK(*e.field("cause") == "normalClearing");
    CHECK(*e.field("answeringNumber") == "49211123");
}

TEST_CASE("tokens: with a secret, a dtmf push must carry the token of its call and of what its URL continues") {
    test::TempDir dir;
    std::string secret = dir.write("secret", kSecret, 0640);
    test::Rules r("[settings]\npublic_url = https://example.com/cr\nsecret = " + secret +
                  "\n[menu main]\nprompt = https://example.com/m.wav\n1 = hangup\n2 = menu support\n"
                  "[menu support]\nprompt = https://example.com/s.wav\n1 = reject\n[rule r]\naction = menu main\n");
    const std::string t = test::hmac_token(kSecret, "c1", "menu=main");
    CHECK(push(r, call("c1")).http.body.find("?menu=main&amp;t=" + t + "\"") != std::string::npos);
    const std::string keys = "event=dtmf&callId=c1&dtmf=1";
    cr::Outcome ok = push(r, keys, "menu=main&t=" + t);
    CHECK(ok.http.status == 200);
    CHECK(ok.call.token == "ok");
    CHECK(ok.call.action == "hangup");
    auto refused = [&](const std::string& body, const std::string& query, const char* token, const std::string& why) {
        cr::Outcome o = push(r, body, query);
        CHECK(o.http.status == 403);
        CHECK(o.call.token == token);
        CHECK(o.http.body == "forbidden: " + why + "\n");
        CHECK(o.journal.empty());
    };
    refused(keys, "menu=main", "missing", "no token (t=) in the URL of menu=main, and a secret binds it to its call");
    refused(keys, "menu=main&t=", "missing",
            "no token (t=) in the URL of menu=main, and a secret binds it to its call");
    const std::string bad =
        "the token does not fit callId 'c2' and menu=main (a push of another call or account "
        "replayed, or a URL made up)";
    refused("event=dtmf&callId=c2&dtmf=1", "menu=main&t=" + t, "bad", bad);  // another call's token
    refused("event=dtmf&callId=c1&dtmf=1", "menu=support&t=" + t, "bad",
            "the token does not fit callId 'c1' and menu=support (a push of another call or account replayed, or "
            "a URL made up)");
    refused(keys, "menu=main&try=2&t=" + t, "bad",
            "the token does not fit callId 'c1' and menu=main&try=2 (a push of another call or account replayed, or "
            "a URL made up)");
    // A push that names no callId: a token for no call would fit every such push.
    refused("event=dtmf&dtmf=1", "menu=main&t=" + test::hmac_token(kSecret, "", "menu=main"), "bad",
            "the push names no callId, and a secret binds menu=main to its call");
    // An announcement's URL names no menu: a menu= added to it (not covered by its
    // token) is not journalled as a menu walked.
    cr::Outcome th =
        push(r, keys, "then=rule.r&menu=support&try=2&t=" + test::hmac_token(kSecret, "c1", "then=rule.r"));
    CHECK(th.http.status == 200);
    CHECK(th.call.menu.empty());
    CHECK(th.call.menu_try.empty());
    // The menu the keys lead to is bound too.
    cr::Outcome next = push(r, "event=dtmf&callId=c1&dtmf=2", "menu=main&t=" + t);
    CHECK(next.http.body.find("?menu=support&amp;t=" + test::hmac_token(kSecret, "c1", "menu=support") + "\"") !=
          std::string::npos);
    // A dtmf push that continues nothing needs no token (and is answered with no action).
    CHECK(push(r, keys, "").http.status == 200);
}

TEST_CASE("tokens: without a secret the URLs carry none and work for any call, and --check warns") {
    test::Rules r(
        "[settings]\npublic_url = https://example.com/cr\n"
        "[menu main]\nprompt = https://example.com/m.wav\n1 = hangup\n[rule r]\naction = menu main\n");
    CHECK(push(r, call("c1")).http.body.find("?menu=main\" maxDigits") != std::string::npos);
    cr::Outcome o = push(r, "event=dtmf&callId=zz&dtmf=1", "menu=main&t=whatever");
    CHECK(o.http.status == 200);
    CHECK(o.call.token.empty());
    REQUIRE(r->warnings.size() == 1);
    CHECK(r->warnings[0].find(":7: warning: menus and announcements work unbound") != std::string::npos);
}

TEST_CASE("menus: a key not listed plays invalid and asks again, tries = N times, before other") {
    test::Rules r(
        "[settings]\npublic_url = https://example.com/cr\n"
        "[menu m]\nprompt = https://example.com/m.wav\ntries = 2\ninvalid = https://example.com/bad.wav\n"
        "1 = hangup\nnone = pass\nother = voicemail\n[rule r]\naction = menu m\n");
    cr::Outcome o = push(r, "event=dtmf&callId=c&dtmf=7", "menu=m");
    CHECK(o.call.choice == "invalid");
    CHECK(o.call.detail == "menu=m dtmf=7 choice=invalid try 1 of 3");
    CHECK(o.call.action == "play https://example.com/bad.wav then menu m (try 2 of 3)");
    CHECK(o.http.body ==
          kHead +
              "<Response>\n"
              "  <Gather onData=\"https://example.com/cr?then=invalid.m.2\" maxDigits=\"1\" timeout=\"0\">\n"
              "    <Play>\n"
              "      <Url>https://example.com/bad.wav</Url>\n"
              "    </Play>\n"
              "  </Gather>\n"
              "</Response>\n");
    // After the invalid sound: the menu again, as try 2.
    o = push(r, "event=dtmf&callId=c&dtmf=", "then=invalid.m.2");
    CHECK(o.http.body.find("<Gather onData=\"https://example.com/cr?menu=m&amp;try=2\" maxDigits=\"1\" "
                           "timeout=\"5000\">") != std::string::npos);
    CHECK(o.http.body.find("https://example.com/m.wav") != std::string::npos);
    CHECK(push(r, "event=dtmf&callId=c&dtmf=7", "menu=m&try=2").call.action ==
          "play https://example.com/bad.wav then menu m (try 3 of 3)");
    // The last try: `other`.
    o = push(r, "event=dtmf&callId=c&dtmf=7", "menu=m&try=3");
    CHECK(o.call.choice == "other");
    CHECK(o.call.action == "voicemail");
    CHECK(o.call.detail == "menu=m dtmf=7 try 3 of 3 choice=other");
    // No key at all is `none` at once; a listed key is taken at any try.
    CHECK(push(r, "event=dtmf&callId=c&dtmf=", "menu=m").call.choice == "none");
    CHECK(push(r, "event=dtmf&callId=c&dtmf=1", "menu=m&try=2").call.action == "hangup");
    // A try past the menu's (it was changed meanwhile) or not a number is its last.
    CHECK(push(r, "event=dtmf&callId=c&dtmf=7", "menu=m&try=9").call.choice == "other");
    CHECK(push(r, "event=dtmf&callId=c&dtmf=7", "menu=m&try=x").call.choice == "other");

    // Without invalid: asked again at once.
    test::Rules quiet(
        "[settings]\npublic_url = https://example.com/cr\n"
        "[menu m]\nprompt = https://example.com/m.wav\ntries = 1\n1 = hangup\n[rule r]\naction = menu m\n");
    o = push(quiet, "event=dtmf&callId=c&dtmf=7", "menu=m");
    CHECK(o.call.action == "menu m (try 2 of 2)");
    CHECK(o.http.body.find("?menu=m&amp;try=2\"") != std::string::npos);
    o = push(quiet, "event=dtmf&callId=c&dtmf=7", "menu=m&try=2");
    CHECK(o.call.action == "none");  // no other: the account's own routing
    CHECK(o.call.detail == "menu=m dtmf=7 try 2 of 2; the menu has no 'other'");
}

TEST_CASE("path: a push to another path than public_url's is answered, with a notice for the log") {
    test::Rules r("[settings]\npublic_url = https://u:p@example.com/cr?x=1\n[rule r]\naction = hangup\n");
    CHECK(r->settings.public_path == "/cr");
    cr::HttpHead h = cr::form_post(call("c"));
    h.path = "/other";
    cr::Outcome o = cr::handle(*r, h, call("c"), 0, nullptr);
    CHECK(o.http.status == 200);
    CHECK(o.call.action == "hangup");
    CHECK(o.notice ==
          "a push came to /other, but public_url's path is /cr: sipgate.io sends the keys, answer and "
          "hangup events of its calls to public_url");
    h.path = "/cr";
    CHECK(cr::handle(*r, h, call("c"), 0, nullptr).notice.empty());
    h.path = "";  // --test: no path
    CHECK(cr::handle(*r, h, call("c"), 0, nullptr).notice.empty());
    test::Rules root("[settings]\npublic_url = https://example.com\n[rule r]\naction = hangup\n");
    CHECK(root->settings.public_path == "/");
    // From the server's variables: REQUEST_URI up to '?', else SCRIPT_NAME and PATH_INFO.
    auto head_of = [](std::vector<std::pair<std::string, std::string>> vars) {
        return cr::read_head([&](const char* name) -> const std::string* {
            for (const auto& [k, v] : vars)
                if (k == name) return &v;
            return nullptr;
        });
    };
    CHECK(head_of({{"REQUEST_URI", "/cr?menu=m"}, {"SCRIPT_NAME", "/x"}}).path == "/cr");
    CHECK(head_of({{"SCRIPT_NAME", "/cgi-bin/callrouter"}, {"PATH_INFO", "/in"}}).path == "/cgi-bin/callrouter/in");
}
