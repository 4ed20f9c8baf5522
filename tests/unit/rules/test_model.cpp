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
    CHECK_FALSE(m->xml.empty());       // was: one answer document built (a vector then, a string now)
    CHECK(m->xml.find("<Gather onData=\"https://example.com/cr?menu=m\" maxDigits=\"4\" timeout=\"5000\">") !=
          std::string::npos);
}
