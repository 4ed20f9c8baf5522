// What the fuzz drivers that answer requests share: a fixed rule file, loaded once.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/load.h"
#include "rules/model.h"
#include "rules/xml.h"

namespace fuzz {

// Loads the rule file `text` with its answers built (as the server does); aborts with
// its errors when it does not load, since then the driver would test nothing.
inline std::shared_ptr<const cr::RuleSet> load_fixed_rules(const char* text, std::size_t size) {
    cr::xml_init();
    std::vector<std::string> errors;
    std::shared_ptr<const cr::RuleSet> rules =
        cr::load_rule_set_text("fixed-rules.ini", std::string_view(text, size), &errors);
    if (!rules) {
        for (auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
        std::abort();
    }
    return rules;
}

}  // namespace fuzz
