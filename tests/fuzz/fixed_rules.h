// What the fuzz drivers that answer requests share: a fixed rule file, loaded once.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/xml.h"
#include "rules/model.h"
#include "rules/decide.h"

namespace fuzz {

// Loads the rule file `text` with its answers built (as the server does); aborts with
// its errors when it does not load, since then the driver would test nothing.
inline std::shared_ptr<const cr::Config> load_fixed_rules(const char* text, std::size_t size) {
    cr::answer_init();
    std::vector<std::string> errors;
    std::shared_ptr<const cr::Config> config = cr::load_rules_text("fixed-rules.ini", std::string_view(text, size), &errors);
    if (!config) {
        for (auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
        std::abort();
    }
    return config;
}

}  // namespace fuzz
