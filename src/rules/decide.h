// Deciding a call: the rules in file order, the first whose conditions all hold wins;
// and its answer for this call.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "rules/model.h"

namespace cr {

// A call as the rules see it: numbers already normalised.
struct Call {
    Direction direction = Direction::In;
    Number from, to;
    bool has_diversion = false;
    Number diversion;
    std::int64_t now = 0;  // UTC seconds, for `when`
};

// Returns the first rule whose conditions all hold, or null. With `trace`, appends
// one line per rule tried: matched, or which condition failed and why.
const Rule* decide(const RuleSet& rules, const Call& call, std::vector<std::string>* trace);

// The rule's answer for this call. Returns false, leaving *xml alone, when the
// rule dials `$to` and `to` is not a number it can dial.
bool render(const Rule& rule, const Call& call, std::string* xml);

}  // namespace cr
