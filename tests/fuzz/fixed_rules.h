// What the fuzz drivers that answer requests share: a fixed rule file, loaded once.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "answer.h"
#include "config.h"

namespace fuzz {

// Loads the rule file `text` (written to a temporary file and removed); aborts with
// its errors when it does not load, since then the driver would test nothing.
inline std::shared_ptr<const cr::Config> load_fixed_rules(const char* text, std::size_t size) {
    cr::answer_init();
    char path[] = "/tmp/fuzz_rules.XXXXXX";
    int fd = ::mkstemp(path);
    if (fd < 0 || ::write(fd, text, size) != static_cast<ssize_t>(size)) std::abort();
    ::close(fd);
    std::vector<std::string> errors;
    std::shared_ptr<const cr::Config> config = cr::load_config(path, &errors);
    ::unlink(path);
    if (!config) {
        for (auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
        std::abort();
    }
    return config;
}

}  // namespace fuzz
