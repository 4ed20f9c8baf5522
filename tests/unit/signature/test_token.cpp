// The tokens of onData URLs (callrouter(8), TOKENS): the secret's bounds, and the
// token against one computed with libcrypto's HMAC() here.
#include <doctest/doctest.h>

#include <cctype>
#include <memory>
#include <string>

#include "signature/token.h"
#include "support.h"

TEST_CASE("token: a secret has at least 32 bytes; trailing newlines and blanks are not part of it") {
    std::shared_ptr<const cr::Secret> s;
    std::string err;
    CHECK_FALSE(cr::Secret::from_text(std::string(31, 'k') + "\n\n", &s, &err));
    CHECK(err.find("the secret is 31 bytes; it needs at least 32") == 0);
    CHECK_FALSE(s);
    CHECK_FALSE(cr::Secret::from_text("", &s, &err));
    REQUIRE_MESSAGE(cr::Secret::from_text(std::string(32, 'k') + " \r\n", &s, &err), err);
    REQUIRE(s);
    // The same token as the secret without its newline.
    CHECK(s->token("c1", "menu=main") == test::hmac_token(std::string(32, 'k'), "c1", "menu=main"));
}

TEST_CASE("token: bound to the call and to what the URL continues, compared whole") {
    std::shared_ptr<const cr::Secret> s;
    std::string err;
    const std::string key = "0123456789abcdef0123456789abcdef0123456789";
    REQUIRE(cr::Secret::from_text(key, &s, &err));
    const std::string t = s->token("c1", "menu=main");
    CHECK(t.size() == 32);
    CHECK(t.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(t == test::hmac_token(key, "c1", "menu=main"));
    CHECK(s->matches("c1", "menu=main", t));
    CHECK_FALSE(s->matches("c2", "menu=main", t));                // another call
    CHECK_FALSE(s->matches("c1", "menu=support", t));             // another menu
    CHECK_FALSE(s->matches("c1", "menu=main&try=2", t));          // another try
    CHECK_FALSE(s->matches("c1\nmenu=main", "", t));              // the separator is part of it
    CHECK_FALSE(s->matches("c1", "menu=main", t.substr(0, 31)));  // cut
    CHECK_FALSE(s->matches("c1", "menu=main", t + "0"));
    std::string upper = t;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper != t) CHECK_FALSE(s->matches("c1", "menu=main", upper));
    CHECK_FALSE(s->matches("c1", "menu=main", ""));
    // Another secret gives another token.
    std::shared_ptr<const cr::Secret> other;
    REQUIRE(cr::Secret::from_text(key + "x", &other, &err));
    CHECK(other->token("c1", "menu=main") != t);
}
