// The rules ready to answer with, and deciding a call: the rules in file order, first
// match wins.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/model.h"

namespace cr {

// Loads the rule file at `path` (load_config) and builds the answer of each rule
// (build_answers): the rules the server, CGI, --check and --test answer with. An
// allocation failure while building the answers refuses the load as load_config
// refuses it: one line, as passing. Call answer_init() once before.
std::shared_ptr<const Config> load_rules(const std::string& path, std::vector<std::string>* errors,
                                         LoadInfo* info = nullptr);

// The same for a rule file given as its text (load_config_text).
std::shared_ptr<const Config> load_rules_text(const std::string& name, std::string_view text,
                                              std::vector<std::string>* errors, LoadInfo* info = nullptr);

// A call as the rules see it: numbers already normalised.
struct Call {
    Direction direction = Direction::In;
    Number from, to;
    bool has_diversion = false;
    Number diversion;
    std::int64_t now = 0;   // UTC seconds, for `when`
};

// Returns the first rule whose conditions all hold, or null. With `trace`, appends
// one line per rule tried: matched, or which condition failed and why.
const Rule* decide(const Config& config, const Call& call, std::vector<std::string>* trace);

// The rule's answer for this call. Returns false, leaving *xml alone, when the
// rule dials `$to` and `to` is not a number it can dial.
bool render(const Rule& rule, const Call& call, std::string* xml);

}  // namespace cr
