// The action grammar: what follows `action =` in a [rule NAME] section, e.g.
// "play URL then dial 0211 123456" (callrouter.ini(5)).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace cr {

// Parses an action as written after `action =` (e.g. "play URL then hangup") into its
// steps, numbers normalised with `country_code`. Returns false with *err set.
// Whether `u` is an http:// or https:// URL of at most 2000 characters of RFC 3986.
bool is_url(std::string_view u);

bool parse_action(const std::string& text, const std::string& country_code, std::vector<Step>* steps,
                  std::string* err);

}  // namespace cr
