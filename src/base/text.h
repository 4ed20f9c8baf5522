// Small text helpers shared by the rule file, the hours and the log.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cr {

// ASCII white space, as isspace() knows it in the C locale.
constexpr std::string_view kSpace = " \t\r\n\v\f";
// The blanks of one line: space and tab.
constexpr std::string_view kBlanks = " \t";

bool is_space(char c);  // one of kSpace

// `s` without the leading and trailing characters that are in `chars`.
std::string_view trim(std::string_view s, std::string_view chars = kSpace);

// `s` without leading and trailing blanks (space, tab), as a string.
std::string trim_blanks(std::string_view s);

// Splits a comma-separated list into items trimmed of blanks. An empty or blank value
// gives no item; an empty item ("a,,b", "a,") is refused: false with *err.
bool split_list(const std::string& value, std::vector<std::string>* items, std::string* err);

// Whether s[pos..pos+n) are n ASCII digits (false when they run past the end), and
// their value (no more than 9 of them).
bool all_digits(std::string_view s, std::size_t pos, std::size_t n);
int digits_value(std::string_view s, std::size_t pos, std::size_t n);

// The length of the well-formed UTF-8 sequence at s[i] (i < s.size(); no overlong
// form, no surrogate, nothing past U+10FFFF), or 0 when there is none.
std::size_t utf8_length(std::string_view s, std::size_t i);
// Whether all of `s` is well-formed UTF-8.
bool is_utf8(std::string_view s);

// Display columns of UTF-8 text: one per code point.
std::size_t utf8_columns(std::string_view s);
// `s` cut to at most `n` columns (n >= 1), code points kept whole: when it is wider, its
// first n - 1 code points and an ellipsis ("…").
std::string utf8_cut(std::string_view s, std::size_t n);

// A name of a section of the rule file ([list NAME], [switch NAME], ...) and of a
// switch in the switches' file: 1 to 64 of letters, digits, '_', '-', '.'.
bool is_name(std::string_view s);

// ASCII lower case; every other byte stays as it is.
char lower(char c);
std::string lower(std::string_view s);

// How escape() writes a backslash: doubled ("\\\\") or as the others ("\\x5c").
enum class Backslash { Doubled, Hex };

// Makes text from outside safe for one line: printable ASCII stays, every other byte
// becomes \xHH, a backslash as `backslash` says. At most `max` bytes of `s` are kept;
// "..." follows when some were cut.
std::string escape(std::string_view s, std::size_t max, Backslash backslash);

// Quotes a piece of the rule file for an error message: escape(s, 80, Backslash::Hex)
// between single quotes.
std::string quote(std::string_view s);

}  // namespace cr
