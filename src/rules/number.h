// Telephone numbers: the one normaliser used for the rule file and for requests,
// and the number sets that rules and lists match against.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cr {

// What a `from`/`to` value is once normalised.
enum class NumberKind { Digits, Anonymous, SipId };

struct Number {
    NumberKind kind = NumberKind::Anonymous;
    std::string text;  // the normalised digits, "anonymous", or the SIP-ID as sent
};

// Normalises a number as callrouter.ini(5) and the README's "Numbers and patterns" say:
// drops spaces, '-', '/', '.', '(', ')'; then '+' -> nothing, a leading "00" -> nothing,
// a leading single '0' -> country_code.
// Returns true with the digits (1 to 20 of them) in *out; false with *err set, *out
// untouched, when the input is not a number, has a national '0' while country_code is
// empty, or is too long.
bool normalise_digits(std::string_view in, const std::string& country_code, std::string* out, std::string* err);

// Parses a request's `from`/`to`/`diversion`: a number as above, `anonymous`
// (an empty value counts as anonymous when empty_is_anonymous), or a SIP-ID
// such as `123456e0`. Returns false with *err set for anything else.
bool parse_number(std::string_view in, const std::string& country_code, bool empty_is_anonymous, Number* out,
                  std::string* err);

// A set of number patterns: exact numbers, prefixes (`4940*`), `*`, `anonymous`
// and SIP-IDs. Exact numbers and prefixes are packed keys in hash tables, so a lookup
// costs one table probe (plus one per prefix length in use), whatever the size.
class NumberSet {
public:
    // Adds one pattern as written in the rule file or a list file (e.g. "+49 30 123456",
    // "4940*", "*", "anonymous"). Returns false with *err set when it is not a pattern.
    bool add(std::string_view pattern, const std::string& country_code, std::string* err);
    // Deduplicates and builds the lookup tables; call after the last add() and before
    // contains(), which finds nothing in a set not sealed (an add() after seal() needs
    // another seal()).
    void seal();
    bool contains(const Number& n) const;
    bool empty() const { return size() == 0; }
    std::size_t size() const;

private:
    __extension__ typedef unsigned __int128 Key;  // digits * 32 + length: 20 digits fit

    // A read-only hash set of keys: the keys grouped by bucket in one array, and the
    // start of each bucket's group. About one key per bucket, so a lookup reads two
    // offsets and one or two keys. Built once by seal().
    class KeyTable {
    public:
        void add(Key k) { keys_.push_back(k); }
        void seal();
        bool contains(Key k) const;
        std::size_t size() const { return keys_.size(); }

    private:
        std::size_t bucket(Key k) const;
        std::vector<Key> keys_;
        std::vector<std::uint32_t> start_;  // bucket b holds keys_[start_[b] .. start_[b+1])
        unsigned shift_ = 64;
    };

    static Key key(std::string_view digits);
    KeyTable exact_;
    KeyTable prefixes_;
    std::vector<std::string> sip_ids_;
    std::uint32_t prefix_lengths_ = 0;  // bit L set: some prefix has L digits
    bool any_ = false;
    bool anonymous_ = false;
};

// Splits a rule file value into patterns: commas always separate; white space
// separates too, except inside a number written in groups: a first group of at
// most 6 characters that starts with '+', '0' or '(' takes the groups of digits
// after it, up to one that starts with '+' or "00" ("+49 170 1234567",
// "0211 123 45", "(0211) 123 45").
std::vector<std::string> split_patterns(std::string_view value);

}  // namespace cr
