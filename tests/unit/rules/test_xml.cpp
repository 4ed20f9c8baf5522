// The XML answers of every action (callrouter.ini(5)), whole documents compared; the
// rules loaded with their answers (load_rule_set builds them).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rules/decide.h"
#include "rules/load.h"
#include "rules/model.h"
#include "rules/xml.h"
#include "support.h"
#include "webhook/answer.h"
#include "webhook/head.h"

namespace {

const std::string kHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const std::string kEmpty = kHead + "<Response/>\n";

// POSTs `body` to the rules and returns the 200 answer's XML.
std::string post(const test::Rules& rules, const std::string& body) {
    cr::Outcome o = cr::handle(*rules, cr::form_post(body), body, 0, nullptr);
    CHECK_MESSAGE(o.http.status == 200, o.http.body);
    CHECK(o.http.content_type == "application/xml; charset=UTF-8");
    return o.http.body;
}

const char* const kIn = "from=4930123456&to=4921112345678&direction=in";
const char* const kOut = "from=4921112345678&to=4930123456&direction=out";

// The answer of a file holding one rule (after `[settings] country_code = 49`).
std::string answer_of(const std::string& rule, const char* body = kIn) {
    test::Rules r("[settings]\ncountry_code = 49\n[rule r]\n" + rule);
    return post(r, body);
}

}  // namespace

TEST_CASE("xml: empty_response_xml is <Response/>") {
    cr::xml_init();
    CHECK(cr::empty_response_xml() == kEmpty);
    CHECK(&cr::empty_response_xml() == &cr::empty_response_xml());
}

TEST_CASE("answer: dial") {
    // A number written in groups is one number, as in patterns.
    CHECK(answer_of("action = dial +49 157 99912345\n") == kHead +
                                                               "<Response>\n"
                                                               "  <Dial>\n"
                                                               "    <Number>4915799912345</Number>\n"
                                                               "  </Dial>\n"
                                                               "</Response>\n");
    CHECK(answer_of("action = dial 4915799912345\n") == kHead +
                                                            "<Response>\n"
                                                            "  <Dial>\n"
                                                            "    <Number>4915799912345</Number>\n"
                                                            "  </Dial>\n"
                                                            "</Response>\n");
    CHECK(answer_of("action = dial 0211123 +4930111 0049-40-222 4989333 4969444\n") ==
          kHead +
              "<Response>\n"
              "  <Dial>\n"
              "    <Number>49211123</Number>\n"
              "    <Number>4930111</Number>\n"
              "    <Number>4940222</Number>\n"
              "    <Number>4989333</Number>\n"
              "    <Number>4969444</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
}

TEST_CASE("answer: dial $to") {
    const std::string rule = "direction = out\naction = dial $to\n";
    CHECK(answer_of(rule, kOut) == kHead +
                                       "<Response>\n"
                                       "  <Dial>\n"
                                       "    <Number>4930123456</Number>\n"
                                       "  </Dial>\n"
                                       "</Response>\n");
    // `to` is normalised first.
    CHECK(answer_of(rule, "from=4921112345678&to=%2B49+40+123&direction=out") == kHead +
                                                                                     "<Response>\n"
                                                                                     "  <Dial>\n"
                                                                                     "    <Number>4940123</Number>\n"
                                                                                     "  </Dial>\n"
                                                                                     "</Response>\n");
    CHECK(answer_of(rule, "from=4921112345678&to=040123&direction=out") == kHead +
                                                                               "<Response>\n"
                                                                               "  <Dial>\n"
                                                                               "    <Number>4940123</Number>\n"
                                                                               "  </Dial>\n"
                                                                               "</Response>\n");
    // Nothing to dial: the account's own settings apply.
    CHECK(answer_of(rule, "from=4921112345678&to=anonymous&direction=out") == kEmpty);
    CHECK(answer_of(rule, "from=4921112345678&to=123456e0&direction=out") == kEmpty);

    // $to among other numbers, with the Dial's attributes, several times.
    CHECK(answer_of("action = dial 4915799912345 $to $to\ncaller_id = 492111234567\nanonymous = true\n") ==
          kHead +
              "<Response>\n"
              "  <Dial callerId=\"492111234567\" anonymous=\"true\">\n"
              "    <Number>4915799912345</Number>\n"
              "    <Number>4921112345678</Number>\n"
              "    <Number>4921112345678</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
}

TEST_CASE("answer: voicemail") {
    CHECK(answer_of("action = voicemail\n") == kHead +
                                                   "<Response>\n"
                                                   "  <Dial>\n"
                                                   "    <Voicemail/>\n"
                                                   "  </Dial>\n"
                                                   "</Response>\n");
}

TEST_CASE("answer: play") {
    CHECK(answer_of("action = play https://example.com/closed.wav\n") ==
          kHead +
              "<Response>\n"
              "  <Play>\n"
              "    <Url>https://example.com/closed.wav</Url>\n"
              "  </Play>\n"
              "</Response>\n");
    CHECK(answer_of("action = play http://example.com/play?file=a.wav&lang=de&x='1'\n") ==
          kHead +
              "<Response>\n"
              "  <Play>\n"
              "    <Url>http://example.com/play?file=a.wav&amp;lang=de&amp;x='1'</Url>\n"
              "  </Play>\n"
              "</Response>\n");
    CHECK(answer_of("action = play https://example.com/closed.wav then hangup\n") ==
          kHead +
              "<Response>\n"
              "  <Play>\n"
              "    <Url>https://example.com/closed.wav</Url>\n"
              "  </Play>\n"
              "  <Hangup/>\n"
              "</Response>\n");
}

namespace {

const char* const kUrl = "https://example.com/cr";

// The answers of a rule file with public_url (and `extra` in [settings]) holding one
// rule: to a newCall, and to the dtmf push to then=rule.r that follows it.
std::pair<std::string, std::string> lead_on(const std::string& rule, const std::string& extra = "",
                                            const std::string& token = "") {
    test::Rules r("[settings]\ncountry_code = 49\npublic_url = " + std::string(kUrl) + "\n" + extra + "[rule r]\n" +
                  rule);
    std::string first = post(r, std::string(kIn) + "&callId=c1");
    cr::HttpHead h = cr::form_post("event=dtmf&callId=c1&dtmf=");
    h.query = "then=rule.r" + token;
    cr::Outcome o = cr::handle(*r, h, "event=dtmf&callId=c1&dtmf=", 0, nullptr);
    CHECK_MESSAGE(o.http.status == 200, o.http.body);
    return {first, o.http.body};
}

std::string gather_then(const std::string& id, const std::string& sound, const std::string& token = "") {
    return kHead +
           "<Response>\n"
           "  <Gather onData=\"https://example.com/cr?then=" +
           id + token +
           "\" maxDigits=\"1\" timeout=\"0\">\n"
           "    <Play>\n"
           "      <Url>" +
           sound +
           "</Url>\n"
           "    </Play>\n"
           "  </Gather>\n"
           "</Response>\n";
}

}  // namespace

TEST_CASE(
    "answer: an announcement that leads on is a <Gather timeout=\"0\">, and the dtmf push after it is "
    "answered with the action") {
    auto [first, then] = lead_on("action = play https://example.com/hold.wav then dial 4915799912345 4915799912346\n");
    CHECK(first == gather_then("rule.r", "https://example.com/hold.wav"));
    CHECK(then == kHead +
                      "<Response>\n"
                      "  <Dial>\n"
                      "    <Number>4915799912345</Number>\n"
                      "    <Number>4915799912346</Number>\n"
                      "  </Dial>\n"
                      "</Response>\n");
    CHECK(lead_on("action = play https://example.com/closed.wav then voicemail\n").second ==
          kHead + "<Response>\n  <Dial>\n    <Voicemail/>\n  </Dial>\n</Response>\n");
    CHECK(lead_on("action = play https://example.com/closed.wav then reject busy\n").second ==
          kHead + "<Response>\n  <Reject reason=\"busy\"/>\n</Response>\n");
    // The dial attributes go with the dial, in the follow-up.
    CHECK(
        lead_on("action = play https://example.com/a.wav then dial 4915799912345\ncaller_id = 492111234567\n").second ==
        kHead +
            "<Response>\n  <Dial callerId=\"492111234567\">\n    <Number>4915799912345</Number>\n  </Dial>\n</Response>\n");
    // then hangup keeps the <Play> and <Hangup/> that sipgate.io is known to obey.
    CHECK(
        lead_on("action = play https://example.com/closed.wav then hangup\n").first ==
        kHead +
            "<Response>\n  <Play>\n    <Url>https://example.com/closed.wav</Url>\n  </Play>\n  <Hangup/>\n</Response>\n");
}

TEST_CASE("answer: an announcement that cannot lead on stays one answer, <Play> and the action, with a warning") {
    // Without public_url: as before there were follow-ups, so that such a file still loads.
    test::Rules no_url(
        "[settings]\ncountry_code = 49\n[rule r]\naction = play https://example.com/hold.wav then "
        "dial 4915799912345\n");
    CHECK(post(no_url, kIn) == kHead +
                                   "<Response>\n"
                                   "  <Play>\n"
                                   "    <Url>https://example.com/hold.wav</Url>\n"
                                   "  </Play>\n"
                                   "  <Dial>\n"
                                   "    <Number>4915799912345</Number>\n"
                                   "  </Dial>\n"
                                   "</Response>\n");
    REQUIRE(no_url->warnings.size() == 1);
    CHECK(no_url->warnings[0].find(":4: warning: 'play URL then ACTION' leads on only with public_url") !=
          std::string::npos);
    CHECK(no_url->follow_ups.empty());
}

TEST_CASE("answer: play then dial $to leads on with the number in the URL, which the token covers") {
    test::TempDir dir;
    const std::string key(40, 'k');
    std::string secret = dir.write("secret", key + "\n", 0640);
    test::Rules r("[settings]\ncountry_code = 49\npublic_url = " + std::string(kUrl) + "\nsecret = " + secret +
                  "\n[rule r]\naction = play https://example.com/a.wav then dial $to\n");
    CHECK(r->warnings.empty());
    const std::string t = test::hmac_token(key, "c1", "then=rule.r&to=4921112345678");
    CHECK(post(r, std::string(kIn) + "&callId=c1") ==
          gather_then("rule.r&amp;to=4921112345678", "https://example.com/a.wav", "&amp;t=" + t));
    auto dtmf = [&](const std::string& call, const std::string& query) {
        cr::HttpHead h = cr::form_post("event=dtmf&callId=" + call + "&dtmf=");
        h.query = query;
        return cr::handle(*r, h, "event=dtmf&callId=" + call + "&dtmf=", 0, nullptr);
    };
    cr::Outcome o = dtmf("c1", "then=rule.r&to=4921112345678&t=" + t);
    CHECK(o.http.status == 200);
    CHECK(o.http.body == kHead + "<Response>\n  <Dial>\n    <Number>4921112345678</Number>\n  </Dial>\n</Response>\n");
    // Another number in the URL, or none: the token does not fit.
    CHECK(dtmf("c1", "then=rule.r&to=4915799912345&t=" + t).http.status == 403);
    CHECK(dtmf("c1", "then=rule.r&t=" + t).http.status == 403);
    // Unbound (no secret), a URL without a number to dial gets no action.
    test::Rules u("[settings]\ncountry_code = 49\npublic_url = " + std::string(kUrl) +
                  "\n[rule r]\naction = play https://example.com/a.wav then dial $to\n");
    cr::HttpHead h = cr::form_post("event=dtmf&callId=c1&dtmf=");
    h.query = "then=rule.r&to=49211x";
    cr::Outcome bad = cr::handle(*u, h, "event=dtmf&callId=c1&dtmf=", 0, nullptr);
    CHECK(bad.http.status == 200);
    CHECK(bad.http.body == kEmpty);
    CHECK(bad.call.detail.find("the URL names no number to dial") != std::string::npos);
}

TEST_CASE("answer: with a secret, every onData URL carries the token for its call and what it continues") {
    test::TempDir dir;
    std::string secret = dir.write("secret", std::string(40, 'k') + "\n", 0640);
    const std::string t1 = test::hmac_token(std::string(40, 'k'), "c1", "then=rule.r");
    auto [first, then] =
        lead_on("action = play https://example.com/hold.wav then menu m\n",
                "secret = " + secret + "\n[menu m]\nprompt = https://example.com/m.wav\n1 = hangup\n", "&t=" + t1);
    CHECK(first == gather_then("rule.r", "https://example.com/hold.wav", "&amp;t=" + t1));
    const std::string t2 = "&amp;t=" + test::hmac_token(std::string(40, 'k'), "c1", "menu=m");
    CHECK(then.find("<Gather onData=\"https://example.com/cr?menu=m" + t2 + "\" maxDigits=\"1\" timeout=\"5000\">") !=
          std::string::npos);
}

TEST_CASE("answer: reject, hangup, pass") {
    CHECK(answer_of("action = reject\n") == kHead + "<Response>\n  <Reject/>\n</Response>\n");
    CHECK(answer_of("action = reject busy\n") == kHead + "<Response>\n  <Reject reason=\"busy\"/>\n</Response>\n");
    CHECK(answer_of("action = reject rejected\n") ==
          kHead + "<Response>\n  <Reject reason=\"rejected\"/>\n</Response>\n");
    CHECK(answer_of("action = hangup\n") == kHead + "<Response>\n  <Hangup/>\n</Response>\n");
    CHECK(answer_of("action = pass\n") == kEmpty);
}

TEST_CASE("answer: caller_id and anonymous are attributes of <Dial>") {
    CHECK(answer_of("action = dial 4915799912345\ncaller_id = 492111234567\nanonymous = false\n") ==
          kHead +
              "<Response>\n"
              "  <Dial callerId=\"492111234567\" anonymous=\"false\">\n"
              "    <Number>4915799912345</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
    CHECK(answer_of("action = dial 4915799912345\ncaller_id = 0211 1234567\n") ==
          kHead +
              "<Response>\n"
              "  <Dial callerId=\"492111234567\">\n"
              "    <Number>4915799912345</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
    CHECK(answer_of("anonymous = true\naction = dial 4915799912345\n") == kHead +
                                                                              "<Response>\n"
                                                                              "  <Dial anonymous=\"true\">\n"
                                                                              "    <Number>4915799912345</Number>\n"
                                                                              "  </Dial>\n"
                                                                              "</Response>\n");
    CHECK(answer_of("action = voicemail\ncaller_id = 492111234567\nanonymous = true\n") ==
          kHead +
              "<Response>\n"
              "  <Dial callerId=\"492111234567\" anonymous=\"true\">\n"
              "    <Voicemail/>\n"
              "  </Dial>\n"
              "</Response>\n");
    CHECK(answer_of("action = voicemail\nanonymous = false\n") == kHead +
                                                                      "<Response>\n"
                                                                      "  <Dial anonymous=\"false\">\n"
                                                                      "    <Voicemail/>\n"
                                                                      "  </Dial>\n"
                                                                      "</Response>\n");
}

TEST_CASE("xml: a rule's answer is split where `to` goes (load_rule_set, build_xml)") {
    cr::xml_init();
    // As loaded from a rule file: the loader builds every rule's XML.
    test::Rules loaded("[rule r]\naction = dial $to 4930123456 $to\ncaller_id = 4921112345678\n");
    REQUIRE(loaded->rules.size() == 1);
    std::vector<std::string> parts = loaded->rules[0].answer.parts;
    CHECK(parts == std::vector<std::string>{kHead + "<Response>\n  <Dial callerId=\"4921112345678\">\n    <Number>",
                                            "</Number>\n    <Number>4930123456</Number>\n    <Number>",
                                            "</Number>\n  </Dial>\n</Response>\n"});

    // Rules no rule file can hold (a '<' in a URL, a rule without a step), built by
    // build_xml, which the loader calls.
    cr::RuleSet c;
    c.rules.resize(2);
    cr::Rule& h = c.rules[0];
    h.steps.resize(2);
    h.steps[0].kind = cr::Step::Play;
    h.steps[0].url = "https://example.com/a.wav?a=1&b=<2>";
    h.steps[1].kind = cr::Step::Hangup;
    cr::build_xml(&c);
    CHECK(c.rules[0].answer.parts ==
          std::vector<std::string>{kHead + "<Response>\n"
                                           "  <Play>\n"
                                           "    <Url>https://example.com/a.wav?a=1&amp;b=&lt;2&gt;</Url>\n"
                                           "  </Play>\n"
                                           "  <Hangup/>\n"
                                           "</Response>\n"});

    const cr::Rule& none = c.rules[1];
    CHECK(none.answer.parts == std::vector<std::string>{kEmpty});
}

TEST_CASE("answer: the same rules answer each call with its own `to`") {
    test::Rules r("[rule out]\ndirection = out\naction = dial $to\n[rule in]\naction = reject\n");
    CHECK(r->rules[0].answer.needs_to());
    CHECK(r->rules[0].answer.parts.size() == 2);  // built by the load, split where `to` goes
    for (const char* to : {"4930123456", "4940999", "12345678901234567890"}) {
        CHECK(post(r, std::string("from=4921112345678&to=") + to + "&direction=out") ==
              kHead + "<Response>\n  <Dial>\n    <Number>" + to + "</Number>\n  </Dial>\n</Response>\n");
    }
    CHECK(post(r, kIn) == kHead + "<Response>\n  <Reject/>\n</Response>\n");
    REQUIRE(r->rules.size() == 2);
    CHECK(r->rules[0].answer.parts.size() == 2);
    CHECK(r->rules[1].answer.parts.size() == 1);
}
