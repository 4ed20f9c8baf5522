// libFuzzer driver: the rule file loader (inih, sections, keys, numbers, actions,
// hours, list files, the XML of the answers). The input is loaded as the text of a rule
// file (load_rule_set_text) named as if it stood in a private folder, beside a small
// list file "list.txt" that it may name (written once). Properties checked:
// - load_rule_set_text returns rules, or no rules and at least one error;
// - every error starts with "FILE:" (the rule file, or a list file by its path) and holds no newline;
// - loaded rules have at least one rule, each with at least one step, and the XML the
//   loader built: each rule's split once for every `$to` it dials, each menu's and each
//   menu entry's, and the answer when no rule matches, each an XML document.
#include <sys/stat.h>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "rules/decide.h"
#include "rules/load.h"
#include "rules/model.h"
#include "rules/xml.h"

namespace {

std::string g_dir, g_ini, g_list;

void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "property violated: %s %s\n", what, detail.c_str());
    std::abort();
}

bool is_xml(const std::string& doc) { return doc.rfind("<?xml", 0) == 0; }

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
    cr::xml_init();
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
    std::shared_ptr<const cr::RuleSet> c = cr::load_rule_set_text(g_ini, text, &errors);
    if (c) {
        if (!errors.empty()) fail("rules and errors both");
        if (c->rules.empty()) fail("rules without a rule");
        if (!is_xml(c->no_rule_xml)) fail("no XML for when no rule matches");
        // Every answer is whole XML once its holes are filled: each $to once, each token
        // place once a URL of the document.
        auto whole = [&](const cr::Answer& a, std::size_t tos, const std::string& what) {
            if (a.parts.size() != a.holes.size() + 1) fail("answer's parts and holes do not fit", what);
            std::size_t to_holes = 0;
            for (const cr::Hole& h : a.holes) to_holes += h.kind == cr::Hole::To;
            if (to_holes != tos) fail("answer not split once for every $to", what);
            cr::Number to;
            to.kind = cr::NumberKind::Digits;
            to.text = "4930123456";
            std::string xml;
            if (!cr::render(a, &to, "call", nullptr, &xml) || !is_xml(xml)) fail("answer is no XML", what);
        };
        for (const cr::Rule& r : c->rules) {
            if (r.steps.empty()) fail("rule without a step");
            std::size_t tos = 0;
            for (const cr::Step& st : r.steps)
                for (const std::string& n : st.numbers) tos += n == "$to";
            whole(r.answer, tos, r.name);
        }
        for (const auto& m : c->menus) {
            if (m->asks.size() != static_cast<std::size_t>(m->tries)) fail("menu without an ask for each try", m->name);
            for (const cr::Answer& a : m->asks) whole(a, 0, m->name);
            for (const cr::Answer& a : m->invalids) whole(a, 0, m->name);
            for (const cr::MenuChoice& k : m->keys) whole(k.answer, 0, m->name + " " + k.keys);
            if (m->none) whole(m->none->answer, 0, m->name + " none");
            if (m->other) whole(m->other->answer, 0, m->name + " other");
        }
        for (const auto& [id, f] : c->follow_ups) whole(f.answer, 0, id);
    } else {
        if (errors.empty()) fail("no rules and no error");
        for (const std::string& e : errors) {
            if (e.rfind(g_ini + ":", 0) != 0 && e.rfind("/", 0) != 0) fail("error without FILE:", e);
            if (e.find('\n') != std::string::npos) fail("error holds a newline", e);
        }
    }
    return 0;
}
