// The rule file's model: what a menu chooses for the keys typed.
#include "rules/model.h"
#include "support.h"

TEST_CASE("menu: the choice for the keys typed") {
    test::Rules c(
        "[settings]\npublic_url = https://example.com/cr\n[menu m]\nprompt = https://example.com/m.wav\n"
        "digits = 4\n1 = voicemail\nhash = hangup\n4711 = reject\nnone = pass\n[rule r]\naction = menu m\n");
    const cr::Menu* m = c->find_menu("m");
    REQUIRE(m);
    CHECK(m->choose("1")->action_text == "voicemail");
    CHECK(m->choose("#")->action_text == "hangup");
    CHECK(m->choose("4711")->action_text == "reject");
    CHECK(m->choose("")->action_text == "pass");
    CHECK(m->choose("2") == nullptr);  // no 'other'
    REQUIRE(m->asks.size() == 1);      // one try
    // Split where the token of the onData URL goes: none without a secret.
    REQUIRE(m->asks[0].holes.size() == 1);
    CHECK(m->asks[0].holes[0].kind == cr::Hole::Token);
    CHECK(m->asks[0].holes[0].what == "menu=m");
    CHECK(m->asks[0].parts[0].find("<Gather onData=\"https://example.com/cr?menu=m") != std::string::npos);
    CHECK(m->asks[0].parts[1].find("\" maxDigits=\"4\" timeout=\"5000\">") == 0);
}
