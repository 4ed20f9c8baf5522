// The HTTP contract (callrouter(8), HTTP ANSWERS): cr::handle, check_head and answer, and log escaping.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/log.h"
#include "rules/model.h"
#include "rules/xml.h"
#include "support.h"
#include "webhook/answer.h"
#include "webhook/head.h"
#include "webhook/outcome.h"

using cr::HttpHead;
using cr::Outcome;

namespace {

const std::string kXml = "application/xml; charset=UTF-8";
const std::string kText = "text/plain; charset=UTF-8";
const std::string kHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const std::string kEmpty = kHead + "<Response/>\n";

using test::Rules;

// The rules most tests answer with.
const char* const kIni =
    "[settings]\n"
    "country_code = 49\n"
    "max_body = 256\n"
    "[list vip]\n"
    "numbers = 4915112345678\n"
    "[rule vip]\n"  // line 6
    "from = @vip\n"
    "action = dial 4915799912345\n"
    "[rule spam]\n"  // line 9
    "from = 4930123456, 4940*, anonymous\n"
    "action = reject busy\n"
    "[rule outgoing]\n"  // line 12
    "direction = out\n"
    "action = dial $to\n"
    "[rule office]\n"  // line 15
    "direction = in\n"
    "to = 4921112345*\n"
    "action = voicemail\n";

const std::string kDial = kHead + "<Response>\n  <Dial>\n    <Number>4915799912345</Number>\n  </Dial>\n</Response>\n";
const std::string kBusy = kHead + "<Response>\n  <Reject reason=\"busy\"/>\n</Response>\n";
const std::string kVoicemail = kHead + "<Response>\n  <Dial>\n    <Voicemail/>\n  </Dial>\n</Response>\n";

HttpHead post_head(const std::string& body) { return cr::form_post(body); }

Outcome post(const cr::RuleSet& c, const std::string& body) { return cr::handle(c, post_head(body), body, 0, nullptr); }

void check_error(const Outcome& r, int status, const std::string& line) {
    CHECK(r.http.status == status);
    CHECK(r.http.content_type == kText);
    CHECK(r.http.body == line + "\n");
    CHECK(r.call.detail == line);
    CHECK(r.http.allow_post == (status == 405));
}

void check_xml(const Outcome& r, const std::string& xml) {
    CHECK_MESSAGE(r.http.status == 200, r.http.body);
    CHECK(r.http.content_type == kXml);
    CHECK(r.http.body == xml);
    CHECK_FALSE(r.http.allow_post);
}

}  // namespace

TEST_CASE("request: 405 for a method other than POST, with Allow: POST") {
    Rules c(kIni);
    for (const char* m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "post", ""}) {
        HttpHead h = post_head("from=1&to=2&direction=in");
        h.method = m;
        Outcome r = cr::handle(*c, h, "from=1&to=2&direction=in", 0, nullptr);
        check_error(r, 405, "method not allowed: sipgate.io POSTs");
        CHECK(r.http.allow_post);
    }
    // check_head alone says the same and does not set the length.
    HttpHead h;
    h.method = "GET";
    cr::BodyPlan plan;
    plan.length = 4711;
    Outcome r;
    CHECK_FALSE(cr::check_head(*c, h, &plan, &r));
    CHECK(plan.length == 0);
    check_error(r, 405, "method not allowed: sipgate.io POSTs");
    CHECK(std::string(cr::status_text(405)) == "Method Not Allowed");
}

TEST_CASE("request: 415 for a body that is not a form") {
    Rules c(kIni);
    const std::string msg = "unsupported media type: expected application/x-www-form-urlencoded";
    const std::string body = "from=4930123456&to=4921112345678&direction=in";
    HttpHead h = post_head(body);
    h.content_type = "multipart/form-data; boundary=x";
    check_error(cr::handle(*c, h, body, 0, nullptr), 415, msg);
    h.content_type = "application/json";
    check_error(cr::handle(*c, h, body, 0, nullptr), 415, msg);
    h.content_type = "application/x-www-form-urlencodedX";
    check_error(cr::handle(*c, h, body, 0, nullptr), 415, msg);
    h.content_type = "";
    check_error(cr::handle(*c, h, body, 0, nullptr), 415, msg);
    h.has_content_type = false;
    check_error(cr::handle(*c, h, body, 0, nullptr), 415, msg);
    // With a charset, or in upper case, it is a form.
    h.has_content_type = true;
    h.content_type = "Application/X-WWW-Form-Urlencoded; charset=UTF-8";
    check_xml(cr::handle(*c, h, body, 0, nullptr), kBusy);
    CHECK(std::string(cr::status_text(415)) == "Unsupported Media Type");
}

TEST_CASE("request: 411 without Content-Length, 400 for a non-numeric one") {
    Rules c(kIni);
    const std::string body = "from=4930123456&to=4921112345678&direction=in";
    HttpHead h = post_head(body);
    h.has_content_length = false;
    h.content_length.clear();
    check_error(cr::handle(*c, h, body, 0, nullptr), 411, "length required: no Content-Length");
    h.has_content_length = true;  // set, but empty
    check_error(cr::handle(*c, h, body, 0, nullptr), 411, "length required: no Content-Length");
    CHECK(std::string(cr::status_text(411)) == "Length Required");

    h.content_length = "-1";  // a body of unknown length: CGI cannot read it to its end
    check_error(cr::handle(*c, h, body, 0, nullptr), 411,
                "length required: Content-Length -1 (a body of unknown length)");

    for (const char* bad : {"abc", "-2", "+12", " 12", "12 ", "1e3", "0x10", "12a", "4.5"}) {
        h.content_length = bad;
        check_error(cr::handle(*c, h, body, 0, nullptr), 400, "bad Content-Length: not a decimal number");
    }
}

TEST_CASE("request: FastCGI reads a body of unknown length to its end, at most max_body") {
    Rules c(kIni);  // max_body = 256
    const std::string body = "from=4930123456&to=4921112345678&direction=in";
    for (const char* cl : {static_cast<const char*>(""), "-1", static_cast<const char*>(nullptr)}) {
        HttpHead h = post_head(body);
        h.body_to_end = true;
        h.has_content_length = cl != nullptr;
        h.content_length = cl ? cl : "";
        cr::BodyPlan plan;
        Outcome r;
        REQUIRE(cr::check_head(*c, h, &plan, &r));
        CHECK(plan.to_end);
        CHECK(plan.length == 256);
        check_xml(cr::answer(*c, body, plan, 0, nullptr), kBusy);
        check_error(cr::answer(*c, body + "&pad=" + std::string(256, 'x'), plan, 0, nullptr), 413,
                    "body too large: more than max_body (256 bytes)");
        // A transport that cannot read to the end (CGI): 411.
        h.body_to_end = false;
        CHECK_FALSE(cr::check_head(*c, h, &plan, &r));
        CHECK(r.http.status == 411);
    }
}

TEST_CASE("request: 413 over max_body, without reading the body") {
    Rules c(kIni);  // max_body = 256
    HttpHead h = post_head("");
    cr::BodyPlan plan;
    std::size_t& length = plan.length;
    Outcome r;

    h.content_length = "256";
    CHECK(cr::check_head(*c, h, &plan, &r));
    CHECK(length == 256);
    h.content_length = "0";
    CHECK(cr::check_head(*c, h, &plan, &r));
    CHECK(length == 0);
    h.content_length = "257";
    CHECK_FALSE(cr::check_head(*c, h, &plan, &r));
    check_error(r, 413, "body too large: 257 bytes, max_body is 256");
    h.content_length = "999999999";
    CHECK_FALSE(cr::check_head(*c, h, &plan, &r));
    check_error(r, 413, "body too large: 999999999 bytes, max_body is 256");
    h.content_length = "99999999999999999999999999";
    CHECK_FALSE(cr::check_head(*c, h, &plan, &r));
    check_error(r, 413, "body too large: more than max_body (256 bytes)");
    CHECK(std::string(cr::status_text(413)) == "Content Too Large");

    // Through handle: a body just over the limit is refused whatever it holds.
    std::string body = "from=4930123456&to=4921112345678&direction=in&pad=" + std::string(300, 'x');
    check_error(post(*c, body), 413, "body too large: " + std::to_string(body.size()) + " bytes, max_body is 256");
    // max_body defaults to 8192.
    Rules d("[rule a]\naction = hangup\n");
    h.content_length = "8192";
    CHECK(cr::check_head(*d, h, &plan, &r));
    CHECK(length == 8192);
    h.content_length = "8193";
    CHECK_FALSE(cr::check_head(*d, h, &plan, &r));
    check_error(r, 413, "body too large: 8193 bytes, max_body is 8192");
}

TEST_CASE("request: 400 for a body shorter than Content-Length") {
    Rules c(kIni);
    std::string body = "from=4930123456&to=4921112345678&direction=in";
    HttpHead h = post_head(body);
    h.content_length = std::to_string(body.size() + 10);
    check_error(cr::handle(*c, h, body, 0, nullptr), 400, "body shorter than Content-Length: got 45 of 55 bytes");
    cr::BodyPlan three;
    three.length = 3;
    check_error(cr::answer(*c, "", three, 0, nullptr), 400, "body shorter than Content-Length: got 0 of 3 bytes");
    // Bytes after Content-Length are not part of the body.
    h.content_length = std::to_string(body.size());
    check_xml(cr::handle(*c, h, body + "&from=x&%zz", 0, nullptr), kBusy);
    cr::BodyPlan whole;
    whole.length = body.size();
    check_xml(cr::answer(*c, body + "&direction=out", whole, 0, nullptr), kBusy);
}

TEST_CASE("request: 400 for a bad %-escape") {
    Rules c(kIni);
    check_error(post(*c, "from=4930123456&to=4921112345678&direction=in%"), 400,
                "malformed body: bad %-escape at byte 46");
    check_error(post(*c, "from=%zz&to=4921112345678&direction=in"), 400, "malformed body: bad %-escape at byte 6");
    check_error(post(*c, "from=4930123456&t%o=1&direction=in"), 400, "malformed body: bad %-escape at byte 18");
    // Even in a field nobody reads.
    check_error(post(*c, "from=4930123456&to=4921112345678&direction=in&x=%4"), 400,
                "malformed body: bad %-escape at byte 49");
    CHECK(std::string(cr::status_text(400)) == "Bad Request");
}

TEST_CASE("request: 400 for missing or invalid from, to, direction") {
    Rules c(kIni);
    check_error(post(*c, "from=4930123456&to=4921112345678"), 400, "missing field 'direction'");
    check_error(post(*c, ""), 400, "missing field 'direction'");
    check_error(post(*c, "from=4930123456&to=4921112345678&direction="), 400, "bad direction: expected 'in' or 'out'");
    check_error(post(*c, "from=4930123456&to=4921112345678&direction=IN"), 400,
                "bad direction: expected 'in' or 'out'");
    check_error(post(*c, "from=4930123456&to=4921112345678&direction=inbound"), 400,
                "bad direction: expected 'in' or 'out'");
    check_error(post(*c, "from=4930123456&to=4921112345678&direction=in+"), 400,
                "bad direction: expected 'in' or 'out'");
    check_error(post(*c, "to=4921112345678&direction=in"), 400, "missing field 'from'");
    check_error(post(*c, "from=49abc&to=4921112345678&direction=in"), 400, "bad from: not a number");
    check_error(post(*c, "from=123456789012345678901&to=4921112345678&direction=in"), 400,
                "bad from: more than 20 digits");
    check_error(post(*c, "from=4930123456&direction=in"), 400, "missing field 'to'");
    check_error(post(*c, "from=4930123456&to=&direction=in"), 400, "bad to: not a number");
    check_error(post(*c, "from=4930123456&to&direction=in"), 400, "bad to: not a number");
    check_error(post(*c, "from=4930123456&to=sip%3Ax%40y&direction=in"), 400, "bad to: not a number");
    // A national number needs country_code.
    Rules n("[rule a]\naction = hangup\n");
    check_error(post(*n, "from=030123456&to=4921112345678&direction=in"), 400,
                "bad from: national number (leading 0) but no country_code is set");
    check_xml(post(*c, "from=030123456&to=4921112345678&direction=in"), kBusy);  // 4930123456

    // The 400 keeps the request's values for the log line.
    Outcome r = post(*c, "event=newCall&callId=abc&from=x1&to=4921112345678&direction=in");
    CHECK(r.http.status == 400);
    CHECK(r.call.event == "newCall");
    CHECK(r.call.call_id == "abc");
    CHECK(r.call.from == "x1");
    CHECK(r.call.to == "4921112345678");
    CHECK(r.call.direction == "in");
}

TEST_CASE("request: a repeated field is refused") {
    Rules c(kIni);
    check_error(post(*c, "from=4930123456&from=4915112345678&to=4921112345678&direction=in"), 400,
                "field 'from' given more than once");
    check_error(post(*c, "from=4930123456&to=4921112345678&direction=in&to=4921112345678"), 400,
                "field 'to' given more than once");
    check_error(post(*c, "direction=in&from=4930123456&to=4921112345678&direction=out"), 400,
                "field 'direction' given more than once");
    check_error(post(*c, "event=newCall&from=4930123456&to=4921112345678&direction=in&event=hangup"), 400,
                "field 'event' given more than once");
    // An optional field given twice is ambiguous: treated as absent and named, never a 400.
    Outcome r = post(*c,
                     "from=4930123456&to=4921112345678&direction=in&diversion=4930111&diversion=4930222"
                     "&callId=1&callId=2");
    check_xml(r, kBusy);
    CHECK(r.call.ignored == "callId,diversion");
    CHECK(r.call.call_id.empty());
    // An event other than newCall does not need from, to or direction: a second copy of
    // one of them is ignored there, not a 400.
    r = post(*c, "event=hangup&callId=1&from=4930123456&from=4930123457&cause=normalClearing");
    check_xml(r, kEmpty);
    CHECK(r.call.ignored == "from");
    check_error(post(*c, "event=hangup&event=answer&callId=1"), 400, "field 'event' given more than once");
    // user[] and friends repeat, one per ringing user; unknown fields are ignored.
    check_xml(post(*c,
                   "from=4930123456&to=4921112345678&direction=in&user%5B%5D=Alice+Smith&user%5B%5D=Bob"
                   "&userId%5B%5D=w0&userId%5B%5D=w1&fullUserId%5B%5D=1w0&fullUserId%5B%5D=1w1&x=1&x=2"),
              kBusy);
}

TEST_CASE("request: 403 when the authenticated user is not require_user") {
    Rules c("[settings]\nrequire_user = sipgate\n[rule a]\naction = hangup\n");
    const std::string body = "from=4930123456&to=4921112345678&direction=in";
    HttpHead h = post_head(body);
    check_error(cr::handle(*c, h, body, 0, nullptr), 403, "forbidden: no authenticated user, and require_user is set");
    h.has_remote_user = true;
    h.remote_user = "";
    check_error(cr::handle(*c, h, body, 0, nullptr), 403, "forbidden: no authenticated user, and require_user is set");
    for (const char* u : {"mallory", "Sipgate", "sipgate ", "sipgatex", "sip"}) {
        h.remote_user = u;
        check_error(cr::handle(*c, h, body, 0, nullptr), 403,
                    "forbidden: authenticated user is not the one require_user names");
    }
    h.remote_user = "sipgate";
    check_xml(cr::handle(*c, h, body, 0, nullptr), kHead + "<Response>\n  <Hangup/>\n</Response>\n");
    CHECK(std::string(cr::status_text(403)) == "Forbidden");

    // Without require_user, REMOTE_USER does not matter.
    Rules open_rules("[rule a]\naction = hangup\n");
    h.remote_user = "anyone";
    check_xml(cr::handle(*open_rules, h, body, 0, nullptr), kHead + "<Response>\n  <Hangup/>\n</Response>\n");
    h.has_remote_user = false;
    check_xml(cr::handle(*open_rules, h, body, 0, nullptr), kHead + "<Response>\n  <Hangup/>\n</Response>\n");
}

TEST_CASE("request: answer, hangup and dtmf events get <Response/>") {
    Rules c(kIni);
    // No from/to/direction needed: only newCall is routed.
    Outcome r = post(*c, "event=answer&callId=123&user=Alice&from=4930123456&to=4921112345678&direction=in");
    check_xml(r, kEmpty);
    CHECK(r.call.event == "answer");
    CHECK(r.call.detail == "user=Alice");
    CHECK(r.call.action == "none");
    CHECK(r.call.call_id == "123");

    r = post(*c, "event=hangup&callId=123&cause=normalClearing&from=4930123456&to=4921112345678&direction=in");
    check_xml(r, kEmpty);
    CHECK(r.call.event == "hangup");
    CHECK(r.call.detail == "cause=normalClearing");

    r = post(*c, "event=dtmf&callId=123&dtmf=12");
    check_xml(r, kEmpty);
    CHECK(r.call.event == "dtmf");
    CHECK(r.call.detail == "dtmf=12; no menu=NAME in the query string");

    r = post(*c, "event=dtmf&callId=123&dtmf=");  // empty
    check_xml(r, kEmpty);
    CHECK(r.call.detail == "dtmf=; no menu=NAME in the query string");
    r = post(*c, "event=dtmf&callId=123&dtmf");  // without '='
    check_xml(r, kEmpty);
    CHECK(r.call.detail == "dtmf=; no menu=NAME in the query string");
    r = post(*c, "event=dtmf&callId=123");  // missing
    check_xml(r, kEmpty);
    CHECK(r.call.detail == "dtmf=; no menu=NAME in the query string");

    std::vector<std::string> trace;
    cr::BodyPlan plan;
    plan.length = 12;
    r = cr::answer(*c, "event=hangup", plan, 0, &trace);
    check_xml(r, kEmpty);
    CHECK(trace == std::vector<std::string>{"event hangup: answered with <Response/>"});
}

TEST_CASE("request: an unknown event is a 400") {
    Rules c(kIni);
    for (const char* e : {"event=foo", "event=", "event=NewCall", "event=newcall", "event"}) {
        Outcome r = post(*c, std::string(e) + "&from=4930123456&to=4921112345678&direction=in");
        check_error(r, 400, "unknown event: expected newCall, answer, hangup or dtmf");
    }
    Outcome r = post(*c, "event=foo%0A&from=4930123456&to=4921112345678&direction=in");
    CHECK(r.call.event == "foo\n");
}

TEST_CASE("request: newCall, first match wins") {
    Rules c(kIni);
    // vip before spam, though 4940* also holds for nothing here: from is a VIP.
    Outcome r = post(*c, "from=4915112345678&to=4921112345678&direction=in");
    check_xml(r, kDial);
    CHECK(r.call.rule == "vip");
    CHECK(r.call.action == "dial 4915799912345");
    CHECK(r.call.event == "newCall");
    CHECK(r.call.from == "4915112345678");
    CHECK(r.call.to == "4921112345678");
    // Explicit event=newCall, and national / international spellings of from.
    check_xml(post(*c, "event=newCall&from=015112345678&to=4921112345678&direction=in"), kDial);
    check_xml(post(*c, "from=%2B49+151+12345678&to=4921112345678&direction=in"), kDial);
    // The VIP calling out still matches `vip` first: it has no direction.
    check_xml(post(*c, "from=4915112345678&to=4930999&direction=out"), kDial);

    // spam: an anonymous caller, an empty from, a 4940 number; before office.
    r = post(*c, "from=anonymous&to=4921112345678&direction=in");
    check_xml(r, kBusy);
    CHECK(r.call.rule == "spam");
    CHECK(r.call.action == "reject busy");
    CHECK(r.call.from == "anonymous");
    check_xml(post(*c, "from=&to=4921112345678&direction=in"), kBusy);
    check_xml(post(*c, "from&to=4921112345678&direction=in"), kBusy);
    check_xml(post(*c, "from=4940555&to=4921112345678&direction=in"), kBusy);

    // outgoing: dial $to.
    r = post(*c, "from=4921112345678&to=0301234&direction=out");
    check_xml(r, kHead + "<Response>\n  <Dial>\n    <Number>49301234</Number>\n  </Dial>\n</Response>\n");
    CHECK(r.call.rule == "outgoing");
    CHECK(r.call.action == "dial $to");
    CHECK(r.call.to == "49301234");
    // ... but not to anonymous: <Response/>, the rule named, no action.
    r = post(*c, "from=4921112345678&to=anonymous&direction=out");
    check_xml(r, kEmpty);
    CHECK(r.call.rule == "outgoing");
    CHECK(r.call.action == "none");

    // office: incoming to the office numbers; a SIP-ID as from.
    r = post(*c, "from=123456e0&to=492111234560&direction=in");
    check_xml(r, kVoicemail);
    CHECK(r.call.rule == "office");
    CHECK(r.call.from == "123456e0");

    // No rule matches: <Response/>.
    r = post(*c, "from=4989123&to=4989456&direction=in");
    check_xml(r, kEmpty);
    CHECK(r.call.rule == "none");
    CHECK(r.call.action == "none");
}

TEST_CASE("request: rules in file order, a rule without conditions matches all") {
    Rules c(
        "[rule one]\ndirection = in\nfrom = 4930*\naction = hangup\n"
        "[rule two]\nfrom = 4930123456\naction = reject\n"
        "[rule all]\naction = voicemail\n"
        "[rule never]\naction = reject busy\n");
    Outcome r = post(*c, "from=4930123456&to=4921112345678&direction=in");
    CHECK(r.call.rule == "one");
    check_xml(r, kHead + "<Response>\n  <Hangup/>\n</Response>\n");
    r = post(*c, "from=4930123456&to=4921112345678&direction=out");
    CHECK(r.call.rule == "two");
    check_xml(r, kHead + "<Response>\n  <Reject/>\n</Response>\n");
    for (const char* body : {"from=4989&to=4921112345678&direction=in", "from=anonymous&to=anonymous&direction=out",
                             "from=1e1&to=2e2&direction=in"}) {
        r = post(*c, body);
        CHECK(r.call.rule == "all");
        check_xml(r, kVoicemail);
    }

    std::vector<std::string> trace;
    r = cr::handle(*c, post_head("from=4989&to=4921112345678&direction=out"),
                   "from=4989&to=4921112345678&direction=out", 0, &trace);
    CHECK(r.call.rule == "all");
    CHECK(trace == std::vector<std::string>{"rule one (line 1): no match: direction is out, not in",
                                            "rule two (line 5): no match: from 4989 is not in '4930123456'",
                                            "rule all (line 8): match -> voicemail"});
}

TEST_CASE("request: diversion") {
    Rules c("[settings]\ncountry_code = 49\n[rule div]\ndiversion = 0211*\naction = hangup\n");
    check_xml(post(*c, "from=4930123456&to=4921112345678&direction=in&diversion=02111234"),
              kHead + "<Response>\n  <Hangup/>\n</Response>\n");
    check_xml(post(*c, "from=4930123456&to=4921112345678&direction=in&diversion=4930111"), kEmpty);
    check_xml(post(*c, "from=4930123456&to=4921112345678&direction=in&diversion="), kEmpty);
    check_xml(post(*c, "from=4930123456&to=4921112345678&direction=in"), kEmpty);
}

TEST_CASE("request: an optional field that is no number is treated as absent, never a 400") {
    // SPEC section 4: sipgate.io's own examples send diversion=1a2b3d4e5f.
    Rules c(
        "[settings]\ncountry_code = 49\n[rule div]\ndiversion = *\naction = hangup\n[rule rest]\naction = "
        "voicemail\n");
    for (const char* d : {"1a2b3d4e5f", "xyz", "123456789012345678901", "%00"}) {
        std::vector<std::string> trace;
        Outcome r =
            cr::handle(*c, post_head(std::string("from=4930123456&to=4921112345678&direction=in&diversion=") + d),
                       std::string("from=4930123456&to=4921112345678&direction=in&diversion=") + d, 0, &trace);
        INFO(std::string(d));
        check_xml(r, kVoicemail);  // routed by the rest: the diversion rule does not match
        CHECK(r.call.rule == "rest");
        CHECK(r.call.ignored == "diversion");
        REQUIRE_FALSE(trace.empty());
        CHECK(trace.front().rfind("field 'diversion' ignored: ", 0) == 0);
        CHECK(cr::request_log_line(r, 0).find(" ignored=diversion ") != std::string::npos);
    }
    // answeringNumber (answer events): a number is logged normalised, anything else ignored.
    Outcome r = post(*c, "event=answer&callId=1&user=Alice&answeringNumber=02111234");
    check_xml(r, kEmpty);
    CHECK(r.call.detail == "user=Alice answeringNumber=492111234");
    CHECK(r.call.ignored.empty());
    r = post(*c, "event=answer&callId=1&user=Alice&answeringNumber=1a2b3d4e5f");
    check_xml(r, kEmpty);
    CHECK(r.call.detail == "user=Alice");
    CHECK(r.call.ignored == "answeringNumber");
    // A bad from, to or direction of a newCall is still a 400.
    check_error(post(*c, "from=4930123456&to=1a2b&direction=in&diversion=1a2b"), 400, "bad to: not a number");
}

TEST_CASE("error_outcome and status_text") {
    Outcome r = cr::error_outcome(400, "bad thing");
    CHECK(r.http.status == 400);
    CHECK(r.http.content_type == kText);
    CHECK(r.http.body == "bad thing\n");
    CHECK(r.call.detail == "bad thing");
    CHECK(std::string(cr::status_text(200)) == "OK");
    CHECK(std::string(cr::status_text(500)) == "Internal Server Error");
    CHECK(std::string(cr::status_text(503)) == "Service Unavailable");
    CHECK(std::string(cr::status_text(418)) == "Error");
}

TEST_CASE("request_log_line: one line, request bytes escaped") {
    Outcome r;
    r.http.status = 200;
    r.call.event = "newCall";
    r.call.direction = "in";
    r.call.from = "4930123456";
    r.call.to = "4921112345678";
    r.call.call_id = "abc";
    r.call.rule = "spam";
    r.call.action = "reject busy";
    CHECK(cr::request_log_line(r, 1.5) ==
          "status=200 event=newCall direction=in from=4930123456 to=4921112345678 callId=abc rule=spam "
          "action=\"reject busy\" time=1.500ms");

    // What a hostile request puts into a 400 stays on one line.
    Rules c(kIni);
    Outcome bad = post(*c, "event=newCall&callId=x%0Ay%0D&from=%E2%80%AE%0A2026+status%3D200&to=%22%FF&direction=in");
    CHECK(bad.http.status == 400);
    std::string line = cr::request_log_line(bad, 0.25);
    CHECK(line ==
          "status=400 event=newCall direction=in from=\"\\xe2\\x80\\xae\\x0a2026 status=200\" to=\"\\\"\\xff\" "
          "callId=x\\x0ay\\x0d error=\"bad from: not a number\" time=0.250ms");
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    for (char ch : line) CHECK((static_cast<unsigned char>(ch) >= 0x20 && static_cast<unsigned char>(ch) < 0x7f));

    // A 200 without a detail leaves it out; an event's detail is logged.
    Outcome ev = post(*c, "event=dtmf&callId=1&dtmf=1%0A2");
    CHECK(
        cr::request_log_line(ev, 2) ==
        "status=200 event=dtmf callId=1 action=none detail=\"dtmf=1\\x0a2; no menu=NAME in the query string\" time=2.000ms");
}
