// libFuzzer driver: the rule file loader (inih, sections, keys, numbers, actions,
// hours, list files). The input is loaded as the text of a rule file (load_config_text)
// named as if it stood in a private folder, beside a small list file "list.txt" that it
// may name (written once). Properties checked:
// - load_config_text returns a config, or no config and at least one error;
// - every error starts with "FILE:" (the rule file, or a list file by its path) and holds no newline;
// - a loaded config has at least one rule, each with at least one step (the loader
//   builds no answer: that is the rules layer's, load_rules).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "rules/model.h"

namespace {

std::string g_dir, g_ini, g_list;

void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "property violated: %s %s\n", what, detail.c_str());
    std::abort();
}

void write_file(const std::string& path, const void* data, std::size_t n) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (n && std::fwrite(data, 1, n, f) != n) std::abort();
    std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    char dir[] = "/tmp/fuzz_config.XXXXXX";
    if (!::mkdtemp(dir)) std::abort();
    g_dir = dir;
    g_ini = g_dir + "/rules.ini";  // never written: the name the input is loaded under
    g_list = g_dir + "/list.txt";
    const char list[] = "# a list\n4915112345678\n+49 170 1234567\n4930*\n";
    write_file(g_list, list, sizeof list - 1);
    std::atexit([] {
        ::unlink(g_list.c_str());
        ::rmdir(g_dir.c_str());
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> errors;
    std::shared_ptr<const cr::Config> c = cr::load_config_text(g_ini, text, &errors);
    if (c) {
        if (!errors.empty()) fail("config and errors both");
        if (c->rules.empty()) fail("config without rules");
        for (const cr::Rule& r : c->rules)
            if (r.steps.empty()) fail("rule without a step");
    } else {
        if (errors.empty()) fail("no config and no error");
        for (const std::string& e : errors) {
            if (e.rfind(g_ini + ":", 0) != 0 && e.rfind("/", 0) != 0) fail("error without FILE:", e);
            if (e.find('\n') != std::string::npos) fail("error holds a newline", e);
        }
    }
    return 0;
}
