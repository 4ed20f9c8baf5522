// Form bodies: decode_form and is_form_content_type (callrouter(8), HTTP ANSWERS).
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "webhook/form.h"

using cr::decode_form;
using cr::Fields;
using cr::is_form_content_type;

namespace {

// Decodes `body`, requiring success.
Fields ok(std::string_view body) {
    Fields f;
    std::string err;
    bool good = decode_form(body, &f, &err);
    REQUIRE_MESSAGE(good, err);
    CHECK(err.empty());
    return f;
}

// Decodes `body`, requiring failure; returns the error text.
std::string bad(std::string_view body) {
    Fields f;
    std::string err;
    CHECK_FALSE(decode_form(body, &f, &err));
    return err;
}

Fields F(std::initializer_list<std::pair<std::string, std::string>> l) { return Fields(l); }

}  // namespace

TEST_CASE("decode_form: plain fields, '+' and %XX") {
    CHECK(ok("from=492111234567&to=4921112345678&direction=in") ==
          F({{"from", "492111234567"}, {"to", "4921112345678"}, {"direction", "in"}}));
    CHECK(ok("a=b+c") == F({{"a", "b c"}}));
    CHECK(ok("a=b%20c") == F({{"a", "b c"}}));
    CHECK(ok("a=%2B49") == F({{"a", "+49"}}));          // an escaped '+' is a '+', not a space
    CHECK(ok("a=%2b%2F%3d%26") == F({{"a", "+/=&"}}));  // lower and upper case hex
    CHECK(ok("a=%C3%A4") == F({{"a", "\xC3\xA4"}}));    // bytes, not characters
    CHECK(ok("a+b=c") == F({{"a b", "c"}}));            // names are decoded too
    CHECK(ok("n%61me=v") == F({{"name", "v"}}));
    CHECK(ok("a=1=2") == F({{"a", "1=2"}}));  // the first '=' separates
    CHECK(ok("a=%3D") == F({{"a", "="}}));
    CHECK(ok("a=%253D") == F({{"a", "%3D"}}));  // decoded once only
    CHECK(ok("=v") == F({{"", "v"}}));
    CHECK(ok("").empty());
}

TEST_CASE("decode_form: %00 is a NUL byte in the value") {
    Fields f = ok("a=x%00y");
    REQUIRE(f.size() == 1);
    CHECK(f[0].first == "a");
    CHECK(f[0].second == std::string("x\0y", 3));
    CHECK(f[0].second.size() == 3);
}

TEST_CASE("decode_form: a field without '=' has an empty value") {
    CHECK(ok("dtmf") == F({{"dtmf", ""}}));
    CHECK(ok("dtmf=") == F({{"dtmf", ""}}));
    CHECK(ok("event=dtmf&dtmf&to=1") == F({{"event", "dtmf"}, {"dtmf", ""}, {"to", "1"}}));
    CHECK(ok("a%20b") == F({{"a b", ""}}));
}

TEST_CASE("decode_form: empty pieces are skipped") {
    CHECK(ok("a=1&&b=2") == F({{"a", "1"}, {"b", "2"}}));
    CHECK(ok("a=1&") == F({{"a", "1"}}));
    CHECK(ok("&a=1") == F({{"a", "1"}}));
    CHECK(ok("&&&") == F({}));
    CHECK(ok("&") == F({}));
    CHECK(ok("a=1&&&b=2&&") == F({{"a", "1"}, {"b", "2"}}));
}

TEST_CASE("decode_form: order and repeats are kept") {
    CHECK(ok("user%5B%5D=Alice+Smith") == F({{"user[]", "Alice Smith"}}));
    CHECK(ok("user%5B%5D=Alice+Smith&userId%5B%5D=w0&user%5B%5D=Bob&userId%5B%5D=w1&z=1&a=2") ==
          F({{"user[]", "Alice Smith"},
             {"userId[]", "w0"},
             {"user[]", "Bob"},
             {"userId[]", "w1"},
             {"z", "1"},
             {"a", "2"}}));
    CHECK(ok("user[]=A&user[]=B") == F({{"user[]", "A"}, {"user[]", "B"}}));
    CHECK(ok("b=2&a=1&b=3") == F({{"b", "2"}, {"a", "1"}, {"b", "3"}}));
}

TEST_CASE("decode_form: decoding appends to what *out holds") {
    Fields f{{"x", "y"}};
    std::string err;
    REQUIRE(decode_form("a=1", &f, &err));
    CHECK(f == F({{"x", "y"}, {"a", "1"}}));
}

TEST_CASE("decode_form: bad and cut %-escapes, with the byte offset of the '%'") {
    CHECK(bad("a=%zz") == "bad %-escape at byte 3");
    CHECK(bad("a=%g1") == "bad %-escape at byte 3");
    CHECK(bad("a=%1g") == "bad %-escape at byte 3");
    CHECK(bad("a=x%") == "bad %-escape at byte 4");      // cut: nothing after '%'
    CHECK(bad("a=x%4") == "bad %-escape at byte 4");     // cut: one digit
    CHECK(bad("a=%4&b=1") == "bad %-escape at byte 3");  // cut by '&'
    CHECK(bad("%") == "bad %-escape at byte 1");
    CHECK(bad("%zz=1") == "bad %-escape at byte 1");  // in a name
    CHECK(bad("from=1&to=2&%x=3") == "bad %-escape at byte 13");
    CHECK(bad("from=1&to=2%") == "bad %-escape at byte 12");
    CHECK(bad("a=%%41") == "bad %-escape at byte 3");
    CHECK(bad("a=%41%") == "bad %-escape at byte 6");  // a good escape, then a cut one
    CHECK(bad("a=1&b=%+1") == "bad %-escape at byte 7");
    CHECK(bad("a=% 1") == "bad %-escape at byte 3");
    CHECK(bad("a=%-1") == "bad %-escape at byte 3");
}

TEST_CASE("is_form_content_type") {
    CHECK(is_form_content_type("application/x-www-form-urlencoded"));
    CHECK(is_form_content_type("application/x-www-form-urlencoded; charset=UTF-8"));
    CHECK(is_form_content_type("application/x-www-form-urlencoded;charset=utf-8"));
    CHECK(is_form_content_type("application/x-www-form-urlencoded ; charset=UTF-8"));
    CHECK(is_form_content_type("APPLICATION/X-WWW-FORM-URLENCODED"));
    CHECK(is_form_content_type("Application/X-Www-Form-Urlencoded; Charset=UTF-8"));
    CHECK(is_form_content_type(" application/x-www-form-urlencoded "));

    CHECK_FALSE(is_form_content_type(""));
    CHECK_FALSE(is_form_content_type(" "));
    CHECK_FALSE(is_form_content_type("multipart/form-data"));
    CHECK_FALSE(is_form_content_type("multipart/form-data; boundary=----x"));
    CHECK_FALSE(is_form_content_type("application/x-www-form-urlencodedX"));
    CHECK_FALSE(is_form_content_type("application/x-www-form-urlencoded-x"));
    CHECK_FALSE(is_form_content_type("application/x-www-form-urlencoded,text/plain"));
    CHECK_FALSE(is_form_content_type("application/x-www-form-urlencode"));
    CHECK_FALSE(is_form_content_type("application/json"));
    CHECK_FALSE(is_form_content_type("text/plain; application/x-www-form-urlencoded"));
    CHECK_FALSE(is_form_content_type("xapplication/x-www-form-urlencoded"));
}
