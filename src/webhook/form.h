// application/x-www-form-urlencoded bodies.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cr {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Decodes a form body: pieces separated by '&', name and value by the first '=',
// '+' -> space, %XX -> byte. A piece without '=' has an empty value; empty pieces
// are skipped; order and repeats are kept. Returns false with *err set (naming
// the offset) on a bad or cut %-escape.
bool decode_form(std::string_view body, Fields* out, std::string* err);

// Whether a Content-Type header names application/x-www-form-urlencoded
// (case-insensitive, parameters such as "; charset=UTF-8" allowed).
bool is_form_content_type(std::string_view content_type);

}  // namespace cr
