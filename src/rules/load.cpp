#include "rules/load.h"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <map>
#include <new>

#include "base/text.h"
#include "rules/loader.h"
#include "rules/xml.h"

namespace cr {

namespace loader {

const KeySpec* KeyTable::find(const std::string& key) const {
    for (std::size_t i = 0; i < size; ++i)
        if (key == keys[i].key) return &keys[i];
    return nullptr;
}

std::string KeyTable::names() const {
    std::string out;
    for (std::size_t i = 0; i < size; ++i) out += (i ? ", " : "") + std::string(keys[i].key);
    return out;
}

std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    return std::string(trim(text));
}

void Loader::run() {
    classify_sections();
    for (const Section& s : sections_)
        if (s.kind == Section::Settings) settings(s);
    time_zone();
    signature_key();
    secret();
    for (const Section& s : sections_)
        if (s.kind == Section::List) list(s);
    for (const Section& s : sections_)
        if (s.kind == Section::Switch) switch_section(s);
    for (const Section& s : sections_)
        if (s.kind == Section::Hours) hours(s);
    for (const Section& s : sections_)
        if (s.kind == Section::Rota) rota(s);
    for (const Section& s : sections_)
        if (s.kind == Section::Menu) menu(s);
    for (const Section& s : sections_)
        if (s.kind == Section::Rule) rule(s);
    link_menus();
    for (const Section& s : sections_)
        if (s.kind == Section::Notify) notify(s);
    journal();
    switch_state();
    unbound();
    std::stable_sort(warnings_.begin(), warnings_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& w : warnings_) rs_->warnings.push_back(std::move(w.second));
    rs_->serving_warnings = std::move(serving_warnings_);
    if (rs_->rules.empty() && problems_->list.empty())
        error(std::max(ini_.lines, 1), ini_.sections.empty() ? "no sections: the rule file is empty"
                                                             : "no [rule NAME] section: nothing to answer with");
}

void Loader::warning(int line, const std::string& message, bool serving) {
    std::string w = problems_->file + ":" + std::to_string(line) + ": warning: " + message;
    if (serving)
        serving_warnings_.push_back(std::move(w));
    else
        warnings_.emplace_back(line, std::move(w));
}

void Loader::classify_sections() {
    std::map<std::string, int> seen;
    for (const IniSection& ini : ini_.sections) {
        Section s;
        s.line = ini.line;
        s.entries = &ini.entries;
        if (!ini.broken) classify(ini.header, &s, &seen);
        sections_.push_back(std::move(s));
    }
}

// Gives *s its kind and name from its header `h`, unless that is unknown, bad or a duplicate.
void Loader::classify(const std::string& h, Section* s, std::map<std::string, int>* seen) {
    std::size_t sp = h.find_first_of(" \t");
    const std::string kind = h.substr(0, sp);
    const std::string name =
        sp == std::string::npos ? std::string() : std::string(trim(std::string_view(h).substr(sp)));
    Section::Kind k;
    if (kind == "settings" && name.empty()) {
        k = Section::Settings;
    } else if (kind == "list" || kind == "hours" || kind == "menu" || kind == "rule" || kind == "notify" ||
               kind == "switch" || kind == "rota") {
        if (!is_name(name)) {
            error(s->line,
                  "[" + kind + " NAME]: bad or missing name " + quote(name) + " (letters, digits, '_', '-', '.')");
            return;
        }
        k = kind == "list"     ? Section::List
            : kind == "hours"  ? Section::Hours
            : kind == "menu"   ? Section::Menu
            : kind == "rule"   ? Section::Rule
            : kind == "switch" ? Section::Switch
            : kind == "rota"   ? Section::Rota
                               : Section::Notify;
    } else {
        error(s->line,
              "unknown section " + quote("[" + h + "]") +
                  "; expected [settings], [list NAME], [hours NAME], [switch NAME], [rota NAME], [menu NAME], [rule "
                  "NAME] or [notify NAME]");
        return;
    }
    s->name = name;
    std::string id = name.empty() ? kind : kind + " " + name;
    auto [it, fresh] = seen->emplace(id, s->line);
    if (!fresh)
        error(s->line, "duplicate section [" + id + "] (first at line " + std::to_string(it->second) + ")");
    else
        s->kind = k;
}

// Checks the section's keys against its table: an unknown key, a duplicate, a value
// over several lines where it may not. Returns the entries whose key is known, in file
// order (a duplicate too: its value is checked as well).
std::vector<Keyed> Loader::keyed(const Section& s, const KeyTable& table, const char* what) {
    std::vector<Keyed> out;
    std::map<std::string, int> seen;
    for (const IniEntry& e : *s.entries) {
        const KeySpec* k = table.find(e.key);
        if (!k) {
            error(e.line, "unknown key " + quote(e.key) + " in " + what + " (known: " + table.names() + ")");
            continue;
        }
        auto [it, fresh] = seen.emplace(e.key, e.line);
        if (!fresh) error(e.line, "duplicate key '" + e.key + "' (first at line " + std::to_string(it->second) + ")");
        if (!k->multiline && e.value.find('\n') != std::string::npos)
            error(e.line, "the value of '" + e.key + "' goes on over an indented line; only lists may");
        out.push_back({&e, k->id});
    }
    return out;
}

// A whole number of `unit`s from `lo` (at least 0) to `hi` for the entry's key, in
// digits only and no more of them than `hi` has; reports a problem and returns -1
// when it is not one.
long Loader::bounded_number(const IniEntry& e, const std::string& v, long lo, long hi, const char* unit) {
    const std::string top = std::to_string(hi);
    if (!v.empty() && v.size() <= top.size() && all_digits(v, 0, v.size())) {
        long n = 0;
        for (char c : v) n = n * 10 + (c - '0');
        if (n >= lo && n <= hi) return n;
    }
    error(e.line,
          e.key + " must be a number of " + unit + " from " + std::to_string(lo) + " to " + top + ", not " + quote(v));
    return -1;
}

// A file named in the rule file, relative to the rule file's folder.
std::string Loader::beside_rules(const std::string& name) const {
    if (name.empty() || name[0] == '/') return name;
    const std::string& rules = problems_->file;
    std::size_t slash = rules.rfind('/');
    return slash == std::string::npos ? name : rules.substr(0, slash + 1) + name;
}

bool Loader::read_named(const std::string& path, std::size_t limit, const std::string& what, int line,
                        std::string* out) {
    report_->files.push_back(path);
    report_->stamps.emplace_back();
    FileRead r = read_file(path, limit, out, &report_->stamps.back());
    if (r.ok()) return true;
    if (is_transient(r.error)) report_->transient = true;
    error(line, what + " " + path + ": " + read_problem(r, limit));
    return false;
}

}  // namespace loader

namespace {

using loader::kMaxRuleFile;

// Reads, parses and checks the rule file (`text` when given, else the file at `path`)
// and every file it names into *rs, appending each problem to *errors, what was read
// or tried to *report as it happens, and builds the answers of rules that are good.
// Returns whether they are. Throws std::bad_alloc.
bool load_into(const std::string& path, const std::string_view* text, RuleSet* rs, LoadReport* report,
               std::vector<std::string>* errors, std::int64_t anchor) {
    rs->path = path;
    rs->calendar_anchor = anchor ? anchor : static_cast<std::int64_t>(std::time(nullptr));
    report->files.push_back(path);
    report->stamps.emplace_back();
    Problems problems;
    problems.file = path;
    IniFile ini;
    FileRead r;
    if (!text)
        read_ini_file(path, kMaxRuleFile, &ini, &problems, &r, &report->stamps.back());
    else if (text->size() > kMaxRuleFile)
        r = FileRead{FileRead::TooLarge, EFBIG};
    else
        ini = read_ini(*text, &problems);
    if (!r.ok()) {
        if (is_transient(r.error)) report->transient = true;
        errors->push_back(path + ": " + read_problem(r, kMaxRuleFile));
        return false;
    }
    loader::Loader(ini, &problems, report, rs).run();
    if (!problems.report(errors)) return false;
    rs->files = report->files;
    build_xml(rs);
    return true;
}

std::shared_ptr<const RuleSet> load(const std::string& path, const std::string_view* text,
                                    std::vector<std::string>* errors, LoadReport* given, std::int64_t anchor) {
    LoadReport own;
    LoadReport* report = given ? given : &own;
    *report = LoadReport();
    // The line for running out of memory, and the room for it in *errors, come first:
    // saying it later then needs no memory.
    const std::size_t had = errors->size();
    std::string oom_line;
    try {
        oom_line = path + ": cannot load: out of memory";
        errors->reserve(had + 1);
    } catch (const std::bad_alloc&) {
        report->transient = true;
        return nullptr;
    }
    try {
        auto rs = std::make_shared<RuleSet>();
        if (!load_into(path, text, rs.get(), report, errors, anchor)) return nullptr;
        return rs;
    } catch (const std::bad_alloc&) {
        // The half-built rules are freed by now. A refusal with one line: the problems
        // found before it are dropped, as they may be the half of what there is to say;
        // what was read or tried stays known (to be watched).
    }
    errors->erase(errors->begin() + static_cast<std::ptrdiff_t>(had), errors->end());
    errors->push_back(std::move(oom_line));                                       // within the capacity reserved above
    const std::size_t n = std::min(report->files.size(), report->stamps.size());  // a stamp that never came
    report->files.resize(n);
    report->stamps.resize(n);
    report->transient = true;
    return nullptr;
}

}  // namespace

std::shared_ptr<const RuleSet> load_rule_set(const std::string& path, std::vector<std::string>* errors,
                                             LoadReport* report, std::int64_t anchor) {
    return load(path, nullptr, errors, report, anchor);
}

std::shared_ptr<const RuleSet> load_rule_set_text(const std::string& name, std::string_view text,
                                                  std::vector<std::string>* errors, LoadReport* report,
                                                  std::int64_t anchor) {
    return load(name, &text, errors, report, anchor);
}

}  // namespace cr
