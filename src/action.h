// The action grammar: what follows `action =` in a [rule NAME] section, e.g.
// "play URL then dial 0211 123456" (callrouter.ini(5)).
#pragma once
#include <string>
#include <vector>

#include "config.h"

namespace cr {

// Parses an action as written after `action =` (e.g. "play URL then hangup") into its
// steps, numbers normalised with `country_code`. Returns false with *err set.
bool parse_action(const std::string& text, const std::string& country_code, std::vector<Step>* steps,
                  std::string* err);

}  // namespace cr
