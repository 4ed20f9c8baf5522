// Numbers: normalise_digits, parse_number, NumberSet and split_patterns (callrouter.ini(5), numbers and patterns).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rules/number.h"

using cr::normalise_digits;
using cr::Number;
using cr::NumberKind;
using cr::NumberSet;
using cr::parse_number;
using cr::split_patterns;

namespace {

const std::string kNoCc;
const std::string kDe = "49";

std::string norm(std::string_view in, const std::string& cc = kNoCc) {
    std::string err, d;
    CHECK_MESSAGE(normalise_digits(in, cc, &d, &err), err);
    CHECK_MESSAGE(!d.empty(), err);
    return d;
}

std::string norm_err(std::string_view in, const std::string& cc = kNoCc) {
    std::string err, d;
    CHECK_FALSE_MESSAGE(normalise_digits(in, cc, &d, &err), d);
    CHECK_MESSAGE(d.empty(), d);
    return err;
}

Number digits(std::string s) { return Number{NumberKind::Digits, std::move(s)}; }
Number sip(std::string s) { return Number{NumberKind::SipId, std::move(s)}; }
Number anon() { return Number{NumberKind::Anonymous, "anonymous"}; }

NumberSet make_set(const std::vector<std::string>& patterns, const std::string& cc = kNoCc) {
    NumberSet s;
    for (const std::string& p : patterns) {
        std::string err;
        CHECK_MESSAGE(s.add(p, cc, &err), p << ": " << err);
    }
    s.seal();
    return s;
}

std::string add_err(std::string_view pattern, const std::string& cc = kNoCc) {
    NumberSet s;
    std::string err;
    CHECK_FALSE(s.add(pattern, cc, &err));
    return err;
}

}  // namespace

TEST_CASE("normalise_digits: separators are dropped") {
    CHECK(norm("4930123456") == "4930123456");
    CHECK(norm("49 30 123456") == "4930123456");
    CHECK(norm("49\t30\t123456") == "4930123456");
    CHECK(norm("49-30-123456") == "4930123456");
    CHECK(norm("49/30/123456") == "4930123456");
    CHECK(norm("49.30.123.456") == "4930123456");
    CHECK(norm("(49) 30 (123) 456") == "4930123456");
    CHECK(norm(" 49 - 30 / 12.34 (56) ") == "4930123456");
}

TEST_CASE("normalise_digits: '+', '00' and a national '0'") {
    CHECK(norm("+4930123456") == "4930123456");
    CHECK(norm("+49 30 123456") == "4930123456");
    CHECK(norm("0049-30-123456") == "4930123456");
    CHECK(norm("0049 30 123456", kDe) == "4930123456");  // '00' wins over the national '0'
    CHECK(norm("(0049) 30 123456") == "4930123456");
    CHECK(norm("030 123456", kDe) == "4930123456");
    CHECK(norm("0211 123456", kDe) == "49211123456");
    CHECK(norm("(0211) 12 34 56", kDe) == "49211123456");
    CHECK(norm("0 211 123456", "43") == "43211123456");
    CHECK(norm("030123456", "1") == "130123456");
    // Digits without a leading 0 are already international.
    CHECK(norm("4930123456", kDe) == "4930123456");
    CHECK(norm("1", kDe) == "1");
    // After '+', a '0' is not a trunk prefix.
    CHECK(norm("+0211", kDe) == "0211");

    CHECK(norm_err("030 123456") == "national number (leading 0) but no country_code is set");
    CHECK(norm_err("0211123456") == "national number (leading 0) but no country_code is set");
}

TEST_CASE("normalise_digits: 1 to 20 digits once normalised") {
    CHECK(norm("1") == "1");
    CHECK(norm("12345678901234567890") == "12345678901234567890");      // 20
    CHECK(norm("+12345678901234567890") == "12345678901234567890");     // 20 after '+'
    CHECK(norm("0012345678901234567890") == "12345678901234567890");    // 20 after '00'
    CHECK(norm("1234 5678 9012 3456 7890") == "12345678901234567890");  // separators do not count
    CHECK(norm_err("123456789012345678901") == "more than 20 digits");  // 21
    CHECK(norm_err("+123456789012345678901") == "more than 20 digits");
    CHECK(norm_err("00123456789012345678901") == "more than 20 digits");
    // 19 digits after the national 0 are 21 with "49".
    CHECK(norm("0123456789012345678", kDe) == "49123456789012345678");      // 20
    CHECK(norm_err("01234567890123456789", kDe) == "more than 20 digits");  // 21
}

TEST_CASE("normalise_digits: what is not a number") {
    CHECK(norm_err("") == "not a number");
    CHECK(norm_err(" ") == "not a number");
    CHECK(norm_err("-/.()") == "not a number");
    CHECK(norm_err("+") == "not a number");
    CHECK(norm_err("00") == "not a number");
    CHECK(norm_err("00", kDe) == "not a number");
    CHECK(norm_err("++49") == "not a number");
    CHECK(norm_err("49+30") == "not a number");
    CHECK(norm_err("49abc") == "not a number");
    CHECK(norm_err("abc") == "not a number");
    CHECK(norm_err("4930x123") == "not a number");
    CHECK(norm_err("anonymous") == "not a number");
    CHECK(norm_err("123456e0") == "not a number");
    CHECK(norm_err("4940*") == "not a number");
    CHECK(norm_err("49,30") == "not a number");
    CHECK(norm_err("49\n30") == "not a number");
    CHECK(norm_err(std::string("49\0"
                               "30",
                               5)) == "not a number");
    CHECK(norm_err("\xd9\xa4\xd9\xa9") == "not a number");  // Arabic-Indic digits are not digits
}

TEST_CASE("parse_number") {
    Number n;
    std::string err;

    REQUIRE(parse_number("anonymous", kDe, true, &n, &err));
    CHECK(n.kind == NumberKind::Anonymous);
    CHECK(n.text == "anonymous");
    REQUIRE(parse_number("anonymous", kDe, false, &n, &err));
    CHECK(n.kind == NumberKind::Anonymous);
    CHECK(n.text == "anonymous");

    // An empty `from` is anonymous; an empty `to` is not a number.
    REQUIRE(parse_number("", kDe, true, &n, &err));
    CHECK(n.kind == NumberKind::Anonymous);
    CHECK(n.text == "anonymous");
    n = digits("x");
    err.clear();
    CHECK_FALSE(parse_number("", kDe, false, &n, &err));
    CHECK(err == "not a number");

    REQUIRE(parse_number("123456e0", kDe, true, &n, &err));
    CHECK(n.kind == NumberKind::SipId);
    CHECK(n.text == "123456e0");
    REQUIRE(parse_number("2400000e12", kNoCc, false, &n, &err));
    CHECK(n.kind == NumberKind::SipId);
    CHECK(n.text == "2400000e12");

    REQUIRE(parse_number("492111234567", kNoCc, false, &n, &err));
    CHECK(n.kind == NumberKind::Digits);
    CHECK(n.text == "492111234567");
    REQUIRE(parse_number("+49 211 1234567", kNoCc, false, &n, &err));
    CHECK(n.kind == NumberKind::Digits);
    CHECK(n.text == "492111234567");
    REQUIRE(parse_number("02111234567", kDe, false, &n, &err));
    CHECK(n.kind == NumberKind::Digits);
    CHECK(n.text == "492111234567");

    err.clear();
    CHECK_FALSE(parse_number("02111234567", kNoCc, false, &n, &err));
    CHECK(err == "national number (leading 0) but no country_code is set");
    err.clear();
    CHECK_FALSE(parse_number("e0", kDe, true, &n, &err));
    CHECK(err == "not a number");
    err.clear();
    CHECK_FALSE(parse_number("123456e", kDe, true, &n, &err));
    CHECK(err == "not a number");
    err.clear();
    CHECK_FALSE(parse_number("123e4e5", kDe, true, &n, &err));
    CHECK(err == "not a number");
    err.clear();
    CHECK_FALSE(parse_number("sip:user@example.com", kDe, true, &n, &err));
    CHECK(err == "not a number");
    err.clear();
    CHECK_FALSE(parse_number("123456789012345678901", kDe, true, &n, &err));
    CHECK(err == "more than 20 digits");
    err.clear();
    CHECK_FALSE(parse_number("anonymousX", kDe, true, &n, &err));
    CHECK(err == "not a number");
}

TEST_CASE("NumberSet: exact numbers") {
    NumberSet s = make_set({"4930123456", "+49 211 123456", "0221 999", "0049-89-1"}, kDe);
    CHECK(s.size() == 4);
    CHECK_FALSE(s.empty());
    CHECK(s.contains(digits("4930123456")));
    CHECK(s.contains(digits("49211123456")));
    CHECK(s.contains(digits("49221999")));
    CHECK(s.contains(digits("49891")));
    CHECK_FALSE(s.contains(digits("493012345")));    // a prefix of a member
    CHECK_FALSE(s.contains(digits("49301234567")));  // a member is a prefix of it
    CHECK_FALSE(s.contains(digits("4930123457")));
    CHECK_FALSE(s.contains(digits("221999")));
    CHECK_FALSE(s.contains(anon()));
    CHECK_FALSE(s.contains(sip("123456e0")));
}

TEST_CASE("NumberSet: leading zeros of a number are significant") {
    // "+0211" stays 0211 (4 digits): it must not be mistaken for 211.
    NumberSet s = make_set({"+0211"});
    CHECK(s.contains(digits("0211")));
    CHECK_FALSE(s.contains(digits("211")));
    NumberSet t = make_set({"211"});
    CHECK_FALSE(t.contains(digits("0211")));
    CHECK(t.contains(digits("211")));
}

TEST_CASE("NumberSet: prefixes") {
    NumberSet s = make_set({"4940*"});
    CHECK(s.size() == 1);
    CHECK(s.contains(digits("4940")));  // the prefix itself
    CHECK(s.contains(digits("49401")));
    CHECK(s.contains(digits("4940123456789")));
    CHECK(s.contains(digits("49400000000000000000")));
    CHECK_FALSE(s.contains(digits("494")));
    CHECK_FALSE(s.contains(digits("4941")));
    CHECK_FALSE(s.contains(digits("4930123456")));
    CHECK_FALSE(s.contains(digits("0494012")));
    CHECK_FALSE(s.contains(anon()));
    CHECK_FALSE(s.contains(sip("4940e1")));

    NumberSet m = make_set({"+49 30*", "040 *", "1*", "49171123*"}, kDe);
    CHECK(m.size() == 4);
    CHECK(m.contains(digits("4930")));
    CHECK(m.contains(digits("4930123")));
    CHECK(m.contains(digits("4940555")));
    CHECK(m.contains(digits("1")));
    CHECK(m.contains(digits("12125551234")));
    CHECK(m.contains(digits("491711234567")));
    CHECK_FALSE(m.contains(digits("49171124")));
    CHECK_FALSE(m.contains(digits("4917112")));
    CHECK_FALSE(m.contains(digits("49211")));
    CHECK_FALSE(m.contains(digits("2")));
}

TEST_CASE("NumberSet: '*' and 'anonymous'") {
    NumberSet any = make_set({"*"});
    CHECK(any.size() == 1);
    CHECK(any.contains(digits("1")));
    CHECK(any.contains(digits("4930123456")));
    CHECK(any.contains(sip("123456e0")));
    CHECK_FALSE(any.contains(anon()));

    NumberSet a = make_set({"anonymous"});
    CHECK(a.size() == 1);
    CHECK(a.contains(anon()));
    CHECK_FALSE(a.contains(digits("4930123456")));
    CHECK_FALSE(a.contains(sip("123456e0")));

    NumberSet both = make_set({"*", "anonymous"});
    CHECK(both.size() == 2);
    CHECK(both.contains(anon()));
    CHECK(both.contains(digits("4930123456")));
    CHECK(both.contains(sip("123456e0")));
}

TEST_CASE("NumberSet: SIP-IDs") {
    NumberSet s = make_set({"123456e0", "4930123456"});
    CHECK(s.size() == 2);
    CHECK(s.contains(sip("123456e0")));
    CHECK_FALSE(s.contains(sip("123456e1")));
    CHECK_FALSE(s.contains(digits("1234560")));
    CHECK_FALSE(s.contains(anon()));
}

TEST_CASE("NumberSet: empty, duplicates and bad patterns") {
    NumberSet e;
    e.seal();
    CHECK(e.empty());
    CHECK(e.size() == 0);
    CHECK_FALSE(e.contains(digits("4930123456")));
    CHECK_FALSE(e.contains(anon()));
    CHECK_FALSE(e.contains(sip("123456e0")));

    NumberSet d = make_set({"4930123456", "+49 30 123456", "030123456", "4940*", "+4940*", "anonymous", "anonymous",
                            "*", "*", "1e1", "1e1"},
                           kDe);
    CHECK(d.size() == 5);  // one exact, one prefix, one SIP-ID, '*', anonymous

    CHECK(add_err("") == "not a number");
    CHECK(add_err("49*40") == "'*' may only end a pattern");
    CHECK(add_err("**") == "'*' may only end a pattern");
    CHECK(add_err("+*") == "not a number");
    CHECK(add_err("abc") == "not a number");
    CHECK(add_err("anonymous*") == "not a number");
    CHECK(add_err("Anonymous") == "not a number");
    CHECK(add_err("030*") == "national number (leading 0) but no country_code is set");
    CHECK(add_err("123456789012345678901") == "more than 20 digits");
    CHECK(add_err("123456789012345678901*") == "more than 20 digits");
}

TEST_CASE("NumberSet: 100000 numbers") {
    // Members: 4915100000000 + 3*i; non-members lie between them.
    constexpr long long kBase = 4915100000000LL;
    constexpr int kCount = 100000;
    NumberSet s;
    std::string err;
    for (int i = kCount - 1; i >= 0; --i) {  // added in reverse: seal() must sort
        bool ok = s.add(std::to_string(kBase + 3LL * i), kNoCc, &err);
        if (!ok) FAIL(err);
    }
    // Some added twice, written differently.
    for (int i = 0; i < 100; ++i) REQUIRE(s.add("+" + std::to_string(kBase + 3LL * i), kNoCc, &err));
    s.seal();
    CHECK(s.size() == static_cast<std::size_t>(kCount));

    int members = 0, strangers = 0;
    for (int i = 0; i < kCount; ++i) {
        if (s.contains(digits(std::to_string(kBase + 3LL * i)))) ++members;
        if (s.contains(digits(std::to_string(kBase + 3LL * i + 1)))) ++strangers;
        if (s.contains(digits(std::to_string(kBase + 3LL * i + 2)))) ++strangers;
    }
    CHECK(members == kCount);
    CHECK(strangers == 0);
    CHECK_FALSE(s.contains(digits(std::to_string(kBase - 3))));
    CHECK_FALSE(s.contains(digits(std::to_string(kBase + 3LL * kCount))));
    CHECK_FALSE(s.contains(digits("491510000000")));    // a prefix of the first member
    CHECK_FALSE(s.contains(digits("49151000000000")));  // the first member with a digit more
    CHECK_FALSE(s.contains(anon()));
    CHECK_FALSE(s.contains(sip("4915100000000e0")));

    // With a prefix among them, membership still holds, and the prefix adds its range.
    REQUIRE(s.add("4917*", kNoCc, &err));
    s.seal();
    CHECK(s.size() == static_cast<std::size_t>(kCount) + 1);
    CHECK(s.contains(digits(std::to_string(kBase + 3LL * 4242))));
    CHECK_FALSE(s.contains(digits(std::to_string(kBase + 3LL * 4242 + 1))));
    CHECK(s.contains(digits("491712345678")));
}

TEST_CASE("NumberSet: every table size finds its members and nothing else") {
    // Sizes around each power of two, where the number of buckets changes; numbers of
    // mixed lengths.
    std::vector<int> sizes;
    for (int n = 0; n <= 70; ++n) sizes.push_back(n);
    for (int p : {127, 128, 129, 1023, 1024, 1025, 4097}) sizes.push_back(p);
    for (int n : sizes) {
        NumberSet exact, prefix;
        std::string err;
        // "1", six digits of i, then 0 to 2 zeros: no member is another's prefix.
        auto pad = [](int i) {
            std::string d = std::to_string(i);
            return std::string(6 - d.size(), '0') + d;
        };
        auto nth = [&](int i) { return "1" + pad(i) + std::string(static_cast<std::size_t>(i % 3), '0'); };
        for (int i = 0; i < n; ++i) {
            REQUIRE(exact.add(nth(i), kNoCc, &err));
            REQUIRE(prefix.add("77" + nth(i) + "*", kNoCc, &err));
        }
        exact.seal();
        prefix.seal();
        INFO("size " << n);
        int found = 0, wrong = 0;
        for (int i = 0; i < n; ++i) {
            found += exact.contains(digits(nth(i)));
            found += prefix.contains(digits("77" + nth(i) + "5"));
        }
        for (int i = n; i < n + 50; ++i) {
            wrong += exact.contains(digits(nth(i)));
            wrong += prefix.contains(digits("77" + nth(i) + "5"));
        }
        wrong += exact.contains(digits("99999999999"));
        CHECK(found == 2 * n);
        CHECK(wrong == 0);
        CHECK(exact.size() == static_cast<std::size_t>(n));
    }
}

TEST_CASE("split_patterns") {
    using V = std::vector<std::string>;
    CHECK(split_patterns("+49 170 1234567, 4940*") == V{"+49 170 1234567", "4940*"});
    CHECK(split_patterns("4930123 4940*") == V{"4930123", "4940*"});
    CHECK(split_patterns("030 123456") == V{"030 123456"});
    // A long first token is a whole number; '+' and "00" start a new one.
    CHECK(split_patterns("+4930111 4989333") == V{"+4930111", "4989333"});
    CHECK(split_patterns("+49 30 123456 +49 40 1234") == V{"+49 30 123456", "+49 40 1234"});
    CHECK(split_patterns("0211 123 0049 30 1") == V{"0211 123", "0049 30 1"});
    CHECK(split_patterns("4930123456, 4940*, anonymous") == V{"4930123456", "4940*", "anonymous"});
    CHECK(split_patterns("4930123456,4940*,anonymous") == V{"4930123456", "4940*", "anonymous"});
    CHECK(split_patterns("@vip, @spam 4930123456") == V{"@vip", "@spam", "4930123456"});
    CHECK(split_patterns("(0211) 123 45, +49 30*") == V{"(0211) 123 45", "+49 30*"});
    CHECK(split_patterns("0049 30 123456") == V{"0049 30 123456"});
    CHECK(split_patterns("+49 30 123456 anonymous") == V{"+49 30 123456", "anonymous"});
    CHECK(split_patterns("+4930* 4940*") == V{"+4930*", "4940*"});  // a '*' ends the group
    CHECK(split_patterns("\t4930123456\t4940123\t") == V{"4930123456", "4940123"});
    CHECK(split_patterns("4930123456, , 4940123,") == V{"4930123456", "4940123"});
    CHECK(split_patterns("") == V{});
    CHECK(split_patterns(" , ,, ") == V{});
    CHECK(split_patterns("*") == V{"*"});
}
