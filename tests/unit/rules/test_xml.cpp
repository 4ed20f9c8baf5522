// The XML answers of every action (callrouter.ini(5)), whole documents compared; the
// rules loaded with their answers (load_rules).
#include <doctest/doctest.h>


#include <string>
#include <vector>

#include "rules/xml.h"
#include "rules/model.h"
#include "webhook/answer.h"
#include "rules/decide.h"
#include "support.h"

namespace {

const std::string kHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const std::string kEmpty = kHead + "<Response/>\n";

// POSTs `body` to the rules and returns the 200 answer's XML.
std::string post(const test::Rules& rules, const std::string& body) {
    cr::Response r = cr::handle(*rules, cr::form_post(body), body, 0, nullptr);
    CHECK_MESSAGE(r.status == 200, r.body);
    CHECK(r.content_type == "application/xml; charset=UTF-8");
    return r.body;
}

const char* const kIn = "from=4930123456&to=4921112345678&direction=in";
const char* const kOut = "from=4921112345678&to=4930123456&direction=out";

// The answer of a file holding one rule (after `[settings] country_code = 49`).
std::string answer_of(const std::string& rule, const char* body = kIn) {
    test::Rules r("[settings]\ncountry_code = 49\n[rule r]\n" + rule);
    return post(r, body);
}

}  // namespace

TEST_CASE("answer: empty_answer is <Response/>") {
    cr::answer_init();
    CHECK(cr::empty_answer() == kEmpty);
    CHECK(&cr::empty_answer() == &cr::empty_answer());
}

TEST_CASE("answer: dial") {
    // A number written in groups is one number, as in patterns.
    CHECK(answer_of("action = dial +49 157 99912345\n") ==
          kHead +
              "<Response>\n"
              "  <Dial>\n"
              "    <Number>4915799912345</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
    CHECK(answer_of("action = dial 4915799912345\n") ==
          kHead +
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
    CHECK(answer_of(rule, kOut) ==
          kHead +
              "<Response>\n"
              "  <Dial>\n"
              "    <Number>4930123456</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
    // `to` is normalised first.
    CHECK(answer_of(rule, "from=4921112345678&to=%2B49+40+123&direction=out") ==
          kHead +
              "<Response>\n"
              "  <Dial>\n"
              "    <Number>4940123</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
    CHECK(answer_of(rule, "from=4921112345678&to=040123&direction=out") ==
          kHead +
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
    CHECK(answer_of("action = play https://example.com/a.wav then dial $to\n") ==
          kHead +
              "<Response>\n"
              "  <Play>\n"
              "    <Url>https://example.com/a.wav</Url>\n"
              "  </Play>\n"
              "  <Dial>\n"
              "    <Number>4921112345678</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
}

TEST_CASE("answer: voicemail") {
    CHECK(answer_of("action = voicemail\n") ==
          kHead +
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
    CHECK(answer_of("action = play https://example.com/hold.wav then dial 4915799912345 4915799912346\n") ==
          kHead +
              "<Response>\n"
              "  <Play>\n"
              "    <Url>https://example.com/hold.wav</Url>\n"
              "  </Play>\n"
              "  <Dial>\n"
              "    <Number>4915799912345</Number>\n"
              "    <Number>4915799912346</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
    CHECK(answer_of("action = play https://example.com/closed.wav then voicemail\n") ==
          kHead +
              "<Response>\n"
              "  <Play>\n"
              "    <Url>https://example.com/closed.wav</Url>\n"
              "  </Play>\n"
              "  <Dial>\n"
              "    <Voicemail/>\n"
              "  </Dial>\n"
              "</Response>\n");
    CHECK(answer_of("action = play https://example.com/closed.wav then reject busy\n") ==
          kHead +
              "<Response>\n"
              "  <Play>\n"
              "    <Url>https://example.com/closed.wav</Url>\n"
              "  </Play>\n"
              "  <Reject reason=\"busy\"/>\n"
              "</Response>\n");
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
    CHECK(answer_of("anonymous = true\naction = dial 4915799912345\n") ==
          kHead +
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
    CHECK(answer_of("action = voicemail\nanonymous = false\n") ==
          kHead +
              "<Response>\n"
              "  <Dial anonymous=\"false\">\n"
              "    <Voicemail/>\n"
              "  </Dial>\n"
              "</Response>\n");
    // With play first, the attributes stay on <Dial>.
    CHECK(answer_of("action = play https://example.com/a.wav then dial 4915799912345\ncaller_id = 492111234567\n") ==
          kHead +
              "<Response>\n"
              "  <Play>\n"
              "    <Url>https://example.com/a.wav</Url>\n"
              "  </Play>\n"
              "  <Dial callerId=\"492111234567\">\n"
              "    <Number>4915799912345</Number>\n"
              "  </Dial>\n"
              "</Response>\n");
}

TEST_CASE("answer: build_answer splits where `to` goes") {
    cr::answer_init();
    cr::Config c;
    cr::Rule r;
    r.steps.resize(1);
    r.steps[0].kind = cr::Step::Dial;
    r.steps[0].numbers = {"$to", "4930123456", "$to"};
    r.caller_id = "4921112345678";
    std::vector<std::string> parts = cr::build_answer(c, r);
    CHECK(parts == std::vector<std::string>{kHead + "<Response>\n  <Dial callerId=\"4921112345678\">\n    <Number>",
                                            "</Number>\n    <Number>4930123456</Number>\n    <Number>",
                                            "</Number>\n  </Dial>\n</Response>\n"});

    cr::Rule h;
    h.steps.resize(2);
    h.steps[0].kind = cr::Step::Play;
    h.steps[0].url = "https://example.com/a.wav?a=1&b=<2>";
    h.steps[1].kind = cr::Step::Reject;
    h.steps[1].reason = "rejected";
    CHECK(cr::build_answer(c, h) == std::vector<std::string>{kHead +
                                                          "<Response>\n"
                                                          "  <Play>\n"
                                                          "    <Url>https://example.com/a.wav?a=1&amp;b=&lt;2&gt;</Url>\n"
                                                          "  </Play>\n"
                                                          "  <Reject reason=\"rejected\"/>\n"
                                                          "</Response>\n"});

    cr::Rule none;
    CHECK(cr::build_answer(c, none) == std::vector<std::string>{kEmpty});
}

TEST_CASE("answer: the same config answers each call with its own `to`") {
    test::Rules r("[rule out]\ndirection = out\naction = dial $to\n[rule in]\naction = reject\n");
    CHECK(r->rules[0].dials_to);
    CHECK(r->rules[0].answer.size() == 2);  // built after the load, split where `to` goes
    for (const char* to : {"4930123456", "4940999", "12345678901234567890"}) {
        CHECK(post(r, std::string("from=4921112345678&to=") + to + "&direction=out") ==
              kHead + "<Response>\n  <Dial>\n    <Number>" + to + "</Number>\n  </Dial>\n</Response>\n");
    }
    CHECK(post(r, kIn) == kHead + "<Response>\n  <Reject/>\n</Response>\n");
    REQUIRE(r->rules.size() == 2);
    CHECK(r->rules[0].answer.size() == 2);
    CHECK(r->rules[1].answer.size() == 1);
}

TEST_CASE("load_rules: memory running out at any allocation, building the answers too, refuses the rules in one "
          "line, as passing") {
    cr::answer_init();
    test::TempDir dir;
    std::string list = dir.write("team.txt", test::kMemoryList);
    std::string ini = dir.write("rules.ini", test::kMemoryRules);
    auto load = [](const std::string& path, std::vector<std::string>* errors, cr::LoadInfo* info) {
        return cr::load_rules(path, errors, info);
    };
    std::shared_ptr<const cr::Config> c = test::load_as_memory_runs_out(load, ini, list);
    CHECK(c->rules.size() == 2);
    CHECK(c->tz.name() == "Europe/Berlin");
    CHECK(c->rules[0].answer.size() == 2);
}

TEST_CASE("load_rules_text: a rule file given as text, its list files beside the name it is given") {
    cr::answer_init();
    test::TempDir dir;
    dir.write("team.txt", "4930123456\n");
    std::vector<std::string> errors;
    auto c = cr::load_rules_text(dir.path() + "/rules.ini", "[list team]\nfile = team.txt\n[rule r]\nfrom = @team\n"
                                 "action = dial $to\n", &errors);
    REQUIRE(c != nullptr);
    CHECK(c->files == std::vector<std::string>{dir.path() + "/rules.ini", dir.path() + "/team.txt"});
    CHECK(c->rules[0].answer.size() == 2);
    errors.clear();
    CHECK(cr::load_rules_text("text.ini", "[rule r]\naction = ring\n", &errors) == nullptr);
    CHECK(errors == std::vector<std::string>{"text.ini:2: unknown action 'ring' (expected dial, voicemail, play, "
                                             "reject, hangup, pass or menu)"});
}
