#include "rules/model.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <map>

#include <unistd.h>

#include "rules/action.h"
#include "rules/ini.h"
#include "base/text.h"

namespace cr {

namespace {

constexpr std::size_t kMaxRuleFile = 16u << 20;
constexpr std::size_t kMaxListFile = 512u << 20;
constexpr std::size_t kMaxKeyFile = 64u << 10;
constexpr std::size_t kMaxBodyLimit = 1u << 20;
constexpr int kMaxListProblems = 20;   // bad entries reported per list file
constexpr std::size_t kMaxErrors = 50;  // problems reported per load

// The state of one load besides the config: the problems found, the stamps of the files
// read or tried (as Config::files lists them), and whether a file could not be read for
// a reason that may pass.
struct Load {
    Problems problems;
    std::vector<FileStamp> stamps;
    bool passing = false;
};

// Why a file could not be read, for a message after "FILE: ".
std::string read_problem(const FileRead& r, std::size_t limit) {
    switch (r.failed) {
    case FileRead::Open: return std::string("cannot open: ") + std::strerror(r.error);
    case FileRead::Stat: return std::string("cannot stat: ") + std::strerror(r.error);
    case FileRead::NotRegular: return "not a regular file";
    case FileRead::TooLarge:
        return "larger than " + (limit >= 1u << 20 ? std::to_string(limit >> 20) + " MiB"
                                                   : std::to_string(limit >> 10) + " KiB");
    case FileRead::Read: return std::string("cannot read: ") + std::strerror(r.error);
    case FileRead::Done: break;
    }
    return "read";
}

bool is_name(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               c == '.';
    });
}

// An action as written, its continuation lines joined with spaces, trimmed.
std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    return std::string(trim(text));
}

bool is_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The keys each section may hold, and whether a value may go on over indented lines.
struct KeySpec {
    const char* key;
    bool multiline;
};

const KeySpec kSettingsKeys[] = {{"country_code", false}, {"timezone", false}, {"max_body", false},
                                 {"require_user", false}, {"log", false},        {"signature", false},
                                 {"signature_key", false}, {"public_url", false}, {"journal", false}};
const KeySpec kMenuKeys[] = {{"prompt", false}, {"digits", false}, {"timeout", false}, {"none", true}, {"other", true}};
const KeySpec kListKeys[] = {{"numbers", true}, {"file", false}};
const KeySpec kRuleKeys[] = {{"direction", false}, {"from", true},      {"to", true},       {"diversion", true},
                             {"when", false},      {"action", true},    {"caller_id", false}, {"anonymous", false}};

template <std::size_t N>
const KeySpec* find_key(const KeySpec (&table)[N], const std::string& key) {
    for (const KeySpec& k : table)
        if (key == k.key) return &k;
    return nullptr;
}

template <std::size_t N>
std::string key_names(const KeySpec (&table)[N]) {
    std::string out;
    for (const KeySpec& k : table) out += (out.empty() ? "" : ", ") + std::string(k.key);
    return out;
}

// A section of the rule file as the loader knows it: its kind and name.
struct Section {
    enum Kind { Bad, Settings, List, Hours, Menu, Rule } kind = Bad;
    std::string name;
    int line = 0;
    const std::vector<IniEntry>* entries = nullptr;
};

// Where a rule's keys stand, for the checks across keys.
struct RuleKeys {
    int action_line = 0, dial_attr_line = 0;
    bool ok = true;   // no problem with the action
};

// Checks the sections read by the INI reader and fills the config from them.
class Loader {
public:
    Loader(const IniFile& ini, Load* load, Config* c) : ini_(ini), load_(load), c_(c) {}

    void run() {
        classify_sections();
        for (const Section& s : sections_)
            if (s.kind == Section::Settings) settings(s);
        time_zone();
        signature_key();
        for (const Section& s : sections_)
            if (s.kind == Section::List) list(s);
        for (const Section& s : sections_)
            if (s.kind == Section::Hours) hours(s);
        for (const Section& s : sections_)
            if (s.kind == Section::Menu) menu(s);
        for (const Section& s : sections_)
            if (s.kind == Section::Rule) rule(s);
        link_menus();
        events();
        std::stable_sort(warnings_.begin(), warnings_.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& w : warnings_) c_->warnings.push_back(std::move(w.second));
        if (c_->rules.empty() && load_->problems.list.empty())
            error(std::max(ini_.lines, 1), ini_.sections.empty() ? "no sections: the rule file is empty"
                                                                 : "no [rule NAME] section: nothing to answer with");
    }

private:
    const IniFile& ini_;
    Load* load_;
    Config* c_;
    std::vector<Section> sections_;
    int timezone_line_ = 0;
    int signature_line_ = 0, signature_key_line_ = 0, public_url_line_ = 0, journal_line_ = 0;
    std::string signature_key_file_;

    void error(int line, std::string message) { load_->problems.add(line, std::move(message)); }
    std::vector<std::pair<int, std::string>> warnings_;  // by line, once the file is read

    void warning(int line, const std::string& message) {
        warnings_.emplace_back(line, load_->problems.file + ":" + std::to_string(line) + ": warning: " + message);
    }
    static bool known(const char* key, const IniEntry& e) { return e.key == key; }

    void classify_sections() {
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
    void classify(const std::string& h, Section* s, std::map<std::string, int>* seen) {
        std::size_t sp = h.find_first_of(" \t");
        const std::string kind = h.substr(0, sp);
        const std::string name = sp == std::string::npos ? std::string() : std::string(trim(std::string_view(h).substr(sp)));
        Section::Kind k;
        if (kind == "settings" && name.empty()) {
            k = Section::Settings;
        } else if (kind == "list" || kind == "hours" || kind == "menu" || kind == "rule") {
            if (!is_name(name)) {
                error(s->line, "[" + kind + " NAME]: bad or missing name " + quote(name) +
                                   " (letters, digits, '_', '-', '.')");
                return;
            }
            k = kind == "list"    ? Section::List
                : kind == "hours" ? Section::Hours
                : kind == "menu"  ? Section::Menu
                                  : Section::Rule;
        } else {
            error(s->line, "unknown section " + quote("[" + h + "]") +
                               "; expected [settings], [list NAME], [hours NAME], [menu NAME] or [rule NAME]");
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

    // Checks keys against the table: unknown keys, duplicates, values over several lines.
    template <std::size_t N>
    void check_keys(const Section& s, const KeySpec (&table)[N], const char* what) {
        std::map<std::string, int> seen;
        for (const IniEntry& e : *s.entries) {
            const KeySpec* k = find_key(table, e.key);
            if (!k) {
                error(e.line, "unknown key " + quote(e.key) + " in " + what + " (known: " + key_names(table) + ")");
                continue;
            }
            auto [it, fresh] = seen.emplace(e.key, e.line);
            if (!fresh) error(e.line, "duplicate key '" + e.key + "' (first at line " + std::to_string(it->second) + ")");
            if (!k->multiline && e.value.find('\n') != std::string::npos)
                error(e.line, "the value of '" + e.key + "' goes on over an indented line; only lists may");
        }
    }

    // --- [settings] ---

    void settings(const Section& s) {
        check_keys(s, kSettingsKeys, "[settings]");
        // country_code first: every number of the file depends on it.
        for (const IniEntry& e : *s.entries)
            if (known("country_code", e)) country_code(e);
        Settings& st = c_->settings;
        for (const IniEntry& e : *s.entries) {
            std::string v(trim(e.value));
            if (known("timezone", e)) {
                st.timezone = v;
                timezone_line_ = e.line;
            } else if (known("max_body", e)) {
                max_body(e, v);
            } else if (known("require_user", e)) {
                if (v.empty() || std::any_of(v.begin(), v.end(), [](char c) {
                        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
                    }))
                    error(e.line, "require_user must be one user name, not " + quote(v));
                else
                    st.require_user = v;
            } else if (known("log", e)) {
                log_level(e, v);
            } else if (known("signature", e)) {
                signature_line_ = e.line;
                if (v == "off" || v == "require")
                    st.signature_required = v == "require";
                else
                    error(e.line, "signature must be 'off' or 'require', not " + quote(v));
            } else if (known("public_url", e)) {
                public_url_line_ = e.line;
                if (!is_url(v) || v.find('#') != std::string::npos)
                    error(e.line, "public_url must be the http:// or https:// URL sipgate.io reaches callrouter at "
                                  "(no #fragment), not " + quote(v));
                else
                    st.public_url = v;
            } else if (known("journal", e)) {
                journal_line_ = e.line;
                if (v.empty())
                    error(e.line, "journal is empty (leave it out for no journal)");
                else
                    st.journal = beside_rules(v);
            } else if (known("signature_key", e)) {
                signature_key_line_ = e.line;
                signature_key_file_ = v;
                if (v.empty()) error(e.line, "signature_key is empty (leave it out for sipgate.io's key)");
            }
        }
    }

    // A file named in the rule file, relative to the rule file's directory.
    std::string beside_rules(const std::string& name) const {
        if (name.empty() || name[0] == '/') return name;
        const std::string& rules = load_->problems.file;
        std::size_t slash = rules.rfind('/');
        return slash == std::string::npos ? name : rules.substr(0, slash + 1) + name;
    }

    // The key of signature_key (read and checked whether or not signature = require,
    // so that --check finds a bad one before it is turned on), else sipgate.io's own
    // when signature = require.
    void signature_key() {
        Settings& st = c_->settings;
        if (signature_key_file_.empty()) {
            if (st.signature_required && !signature_key_line_) {
                std::string err;
                st.signature_key = PublicKey::sipgate(&err);
                if (!st.signature_key) {
                    error(signature_line_, "the built-in sipgate.io key: " + err);
                    return;
                }
                st.signature_key_name = "sipgate.io's key";
            }
            return;
        }
        std::string path = beside_rules(signature_key_file_);
        c_->files.push_back(path);
        load_->stamps.emplace_back();
        std::string pem, err;
        FileRead r = read_file(path, kMaxKeyFile, &pem, &load_->stamps.back());
        if (!r.ok()) {
            if (is_passing(r.error)) load_->passing = true;
            error(signature_key_line_, "signature_key " + path + ": " + read_problem(r, kMaxKeyFile));
            return;
        }
        st.signature_key = PublicKey::from_pem(pem, &err);
        if (!st.signature_key) {
            error(signature_key_line_, "signature_key " + path + ": " + err);
            return;
        }
        st.signature_key_name = path;
        if (!st.signature_required)
            warning(signature_key_line_, "signature_key has no effect while signature = off" +
                                             std::string(signature_line_ ? "" : " (the default)"));
    }

    void country_code(const IniEntry& e) {
        std::string_view v = trim(e.value);
        if (!v.empty() && v[0] == '+') v.remove_prefix(1);
        if (v.empty() || v.size() > 3 || v[0] == '0' || !is_digits(v))
            error(e.line, "country_code must be 1 to 3 digits, not starting with 0 (e.g. 49), not " + quote(e.value));
        else
            c_->settings.country_code = std::string(v);
    }

    void max_body(const IniEntry& e, const std::string& v) {
        if (long n = bounded_number(e, v, 64, static_cast<long>(kMaxBodyLimit), "bytes"); n > 0)
            c_->settings.max_body = static_cast<std::size_t>(n);
    }

    void log_level(const IniEntry& e, const std::string& v) {
        static const char* const levels[] = {"error", "warn", "info", "debug"};
        auto it = std::find(std::begin(levels), std::end(levels), v);
        if (it == std::end(levels))
            error(e.line, "log must be error, warn, info or debug, not " + quote(v));
        else
            c_->settings.log = static_cast<LogLevel>(it - std::begin(levels));
    }

    // The zone of [settings] timezone (the system's when unset), for [hours].
    void time_zone() {
        std::string err;
        int sys_errno = 0;
        if (!c_->tz.load(c_->settings.timezone, &err, &sys_errno)) {
            if (is_passing(sys_errno)) load_->passing = true;
            error(timezone_line_ ? timezone_line_ : 1, err);
        }
    }

    // --- [list NAME] ---

    // Adds the patterns of `value` to `set`; `@name` is refused here (lists hold numbers only).
    void add_patterns(NumberSet* set, const std::string& value, int line, const char* what) {
        std::string flat = value;
        std::replace(flat.begin(), flat.end(), '\n', ',');
        std::vector<std::string> pats = split_patterns(flat);
        if (pats.empty()) error(line, std::string(what) + " is empty");
        for (const std::string& pat : pats) {
            std::string err;
            if (pat[0] == '@')
                error(line, "a list cannot include another list (" + pat + ")");
            else if (!set->add(pat, c_->settings.country_code, &err))
                error(line, "bad number pattern " + quote(pat) + ": " + err);
        }
    }

    void list(const Section& s) {
        check_keys(s, kListKeys, "[list]");
        auto l = std::make_unique<List>();
        l->name = s.name;
        l->line = s.line;
        bool any = false;
        for (const IniEntry& e : *s.entries) {
            if (known("numbers", e)) {
                add_patterns(&l->set, e.value, e.line, "numbers");
                any = true;
            } else if (known("file", e)) {
                list_file(&l->set, std::string(trim(e.value)), e.line);
                any = true;
            }
        }
        if (!any) error(s.line, "[list " + s.name + "] has neither 'numbers' nor 'file'");
        l->set.seal();
        c_->lists.push_back(std::move(l));
    }

    // Reads a list file, named relative to the rule file's directory.
    void list_file(NumberSet* set, const std::string& name, int line) {
        if (name.empty()) {
            error(line, "file is empty");
            return;
        }
        std::string path = beside_rules(name);
        c_->files.push_back(path);
        load_->stamps.emplace_back();
        std::string data;
        FileRead r = read_file(path, kMaxListFile, &data, &load_->stamps.back());
        if (!r.ok()) {
            if (is_passing(r.error)) load_->passing = true;
            error(line, "list file " + path + ": " + read_problem(r, kMaxListFile));
            return;
        }
        list_entries(set, path, data, line);
    }

    // The entries of a list file: one pattern a line, '#' starts a comment. Problems name
    // the list file's own line, sorted under the `file =` line of the rule file.
    void list_entries(NumberSet* set, const std::string& path, std::string_view d, int line) {
        std::vector<Problem>& problems = load_->problems.list;
        std::size_t pos = 0;
        int n = 0, bad = 0;
        std::string err;
        while (pos < d.size()) {
            std::size_t end = d.find('\n', pos);
            if (end == std::string_view::npos) end = d.size();
            std::string_view ln = d.substr(pos, end - pos);
            pos = end + 1;
            ++n;
            std::size_t hash = ln.find('#');
            if (hash != std::string_view::npos) ln = ln.substr(0, hash);
            ln = trim(ln);
            if (ln.empty() || set->add(ln, c_->settings.country_code, &err)) continue;
            if (++bad <= kMaxListProblems)
                problems.push_back(
                    {line, n, path + ":" + std::to_string(n) + ": bad number pattern " + quote(ln) + ": " + err});
        }
        if (bad > kMaxListProblems)
            problems.push_back(
                {line, n + 1, path + ": " + std::to_string(bad - kMaxListProblems) + " more bad entries"});
    }

    // --- [hours NAME] ---

    void hours(const Section& s) {
        auto h = std::make_unique<Hours>(s.name);
        for (const IniEntry& e : *s.entries) {
            std::string v = e.value;
            for (std::size_t i = 0; (i = v.find('\n', i)) != std::string::npos;) v.replace(i, 1, ", ");
            std::string err;
            if (!h->add(e.key, v, e.line, &err)) error(e.line, err);
        }
        std::string err;
        if (!h->finish(&err)) error(s.line, err);
        c_->hours.push_back(std::move(h));
    }

    // --- [rule NAME] ---

    std::unique_ptr<NumberMatch> number_match(const IniEntry& e) {
        auto m = std::make_unique<NumberMatch>();
        m->text = std::string(trim(e.value));
        std::replace(m->text.begin(), m->text.end(), '\n', ' ');
        std::string flat = e.value;
        std::replace(flat.begin(), flat.end(), '\n', ',');
        std::vector<std::string> pats = split_patterns(flat);
        if (pats.empty()) error(e.line, e.key + " is empty (leave the key out to match every call)");
        for (const std::string& pat : pats) {
            if (pat[0] == '@') {
                const List* l = c_->find_list(pat.substr(1));
                if (!l)
                    error(e.line, "unknown list " + quote(pat.substr(1)) + " (no [list " + pat.substr(1) + "])");
                else
                    m->lists.push_back(l);
                continue;
            }
            std::string err;
            if (!m->own.add(pat, c_->settings.country_code, &err))
                error(e.line, "bad number pattern " + quote(pat) + ": " + err);
        }
        m->own.seal();
        return m;
    }

    void rule(const Section& s) {
        check_keys(s, kRuleKeys, "[rule]");
        Rule r;
        r.name = s.name;
        r.line = s.line;
        RuleKeys at;
        std::size_t before = load_->problems.list.size();
        for (const IniEntry& e : *s.entries) rule_key(&r, e, &at);
        if (!at.action_line) {
            error(s.line, "[rule " + s.name + "] has no 'action'");
            at.ok = false;
        }
        if (at.ok && at.dial_attr_line) {
            bool dials = std::any_of(r.steps.begin(), r.steps.end(),
                                     [](const Step& st) { return st.kind == Step::Dial || st.kind == Step::Voicemail; });
            if (!dials) error(at.dial_attr_line, "caller_id and anonymous apply only to 'dial' and 'voicemail'");
        }
        if (load_->problems.list.size() != before) return;
        for (const Step& st : r.steps)
            for (const std::string& n : st.numbers)
                if (n == "$to") r.dials_to = true;
        c_->rules.push_back(std::move(r));
    }

    void rule_key(Rule* r, const IniEntry& e, RuleKeys* at) {
        std::string v(trim(e.value));
        if (known("direction", e)) {
            if (v == "in" || v == "out") {
                r->has_direction = true;
                r->direction = v == "in" ? Direction::In : Direction::Out;
            } else {
                error(e.line, "direction must be 'in' or 'out', not " + quote(v));
            }
        } else if (known("from", e)) {
            r->from = number_match(e);
        } else if (known("to", e)) {
            r->to = number_match(e);
        } else if (known("diversion", e)) {
            r->diversion = number_match(e);
        } else if (known("when", e)) {
            when(r, e, v);
        } else if (known("action", e)) {
            action(r, e, at);
        } else if (known("caller_id", e)) {
            std::string err;
            r->caller_id = normalise_digits(v, c_->settings.country_code, &err);
            if (r->caller_id.empty()) error(e.line, "caller_id: " + quote(v) + ": " + err);
            at->dial_attr_line = e.line;
        } else if (known("anonymous", e)) {
            if (v == "true" || v == "false")
                r->anonymous = v == "true";
            else
                error(e.line, "anonymous must be 'true' or 'false', not " + quote(v));
            at->dial_attr_line = e.line;
        }
    }

    void when(Rule* r, const IniEntry& e, std::string name) {
        if (!name.empty() && name[0] == '!') {
            r->when_negated = true;
            name = std::string(trim(name.substr(1)));
        }
        r->when = c_->find_hours(name);
        if (!r->when) error(e.line, "unknown hours " + quote(name) + " (no [hours " + name + "])");
    }

    void action(Rule* r, const IniEntry& e, RuleKeys* at) {
        at->action_line = e.line;
        r->action_text = one_line(e.value);
        std::string err;
        if (!parse_action(r->action_text, c_->settings.country_code, &r->steps, &err)) {
            error(e.line, err);
            at->ok = false;
            return;
        }
        after_play(r->steps, e.line);
        if (!link_menu(&r->steps, e.line)) at->ok = false;
    }

    // Warns of `play URL then ACTION` where sipgate.io's behaviour is not known.
    void after_play(const std::vector<Step>& steps, int line) {
        if (steps.size() > 1 && steps[1].kind != Step::Hangup && steps[1].kind != Step::Pass)
            warning(line, "sipgate.io is known to obey 'play URL then hangup' only; what it does with "
                          "another action after a play is documented nowhere (it may deliver the call as "
                          "if there were no rule)");
    }

    // Points a `menu NAME` step at its menu. Returns false, with the problem reported,
    // when there is no such menu.
    bool link_menu(std::vector<Step>* steps, int line) {
        for (Step& st : *steps) {
            if (st.kind != Step::Menu) continue;
            st.target = c_->find_menu(st.menu);
            if (!st.target) {
                error(line, "unknown menu " + quote(st.menu) + " (no [menu " + st.menu + "])");
                return false;
            }
        }
        return true;
    }

    // --- [menu NAME] ---

    // The keys of a menu entry as a caller types them: 0-9, '*' and '#', where `hash`
    // and `star` may stand for '#' and '*' (a line that starts with '#' is a comment).
    // Returns false when `key` is not that.
    static bool typed_keys(const std::string& key, std::string* out) {
        out->clear();
        for (std::size_t i = 0; i < key.size();) {
            if (key.compare(i, 4, "hash") == 0) {
                *out += '#';
                i += 4;
            } else if (key.compare(i, 4, "star") == 0) {
                *out += '*';
                i += 4;
            } else if ((key[i] >= '0' && key[i] <= '9') || key[i] == '*' || key[i] == '#') {
                *out += key[i++];
            } else {
                return false;
            }
        }
        return !out->empty();
    }

    // A whole number of `unit`s from `lo` (at least 0) to `hi` for the entry's key, in
    // digits only and no more of them than `hi` has; reports a problem and returns -1
    // when it is not one.
    long bounded_number(const IniEntry& e, const std::string& v, long lo, long hi, const char* unit) {
        if (!v.empty() && v.size() <= std::to_string(hi).size() && is_digits(v)) {
            long n = std::stol(v);
            if (n >= lo && n <= hi) return n;
        }
        error(e.line, e.key + " must be a number of " + unit + " from " + std::to_string(lo) + " to " +
                          std::to_string(hi) + ", not " + quote(v));
        return -1;
    }

    // One entry's action: as in a rule, but with no `$to` (a dtmf push names no number).
    std::unique_ptr<MenuChoice> choice(const IniEntry& e, const std::string& keys) {
        auto c = std::make_unique<MenuChoice>();
        c->keys = keys;
        c->line = e.line;
        c->action_text = one_line(e.value);
        std::string err;
        if (!parse_action(c->action_text, c_->settings.country_code, &c->steps, &err)) {
            error(e.line, err);
            return nullptr;
        }
        for (const Step& st : c->steps)
            for (const std::string& n : st.numbers)
                if (n == "$to") {
                    error(e.line, "a menu cannot dial $to: the push with the keys names no number");
                    return nullptr;
                }
        after_play(c->steps, e.line);
        return c;
    }

    void menu(const Section& s) {
        auto m = std::make_unique<Menu>();
        m->name = s.name;
        m->line = s.line;
        std::map<std::string, int> seen;
        int digits_line = 0;
        const std::size_t before = load_->problems.list.size();
        for (const IniEntry& e : *s.entries) {
            std::string v(trim(e.value));
            std::string keys;
            const KeySpec* k = find_key(kMenuKeys, e.key);
            if (!k && !typed_keys(e.key, &keys)) {
                error(e.line, "unknown key " + quote(e.key) + " in [menu] (known: " + key_names(kMenuKeys) +
                                  ", and the keys a caller types: 0-9, * and # (written hash), e.g. 1 or 1234)");
                continue;
            }
            std::string id = k ? e.key : keys;
            auto [it, fresh] = seen.emplace(id, e.line);
            if (!fresh) {
                error(e.line, "duplicate key '" + e.key + "' (first at line " + std::to_string(it->second) + ")");
                continue;
            }
            if (k && !k->multiline && e.value.find('\n') != std::string::npos) {
                error(e.line, "the value of '" + e.key + "' goes on over an indented line; only actions may");
                continue;
            }
            if (e.key == "prompt") {
                if (is_url(v))
                    m->prompt = v;
                else
                    error(e.line, "prompt must be an http:// or https:// URL of a sound, not " + quote(v));
            } else if (e.key == "digits") {
                digits_line = e.line;
                if (long n = bounded_number(e, v, 1, 20, "keys"); n > 0) m->digits = static_cast<int>(n);
            } else if (e.key == "timeout") {
                if (long n = bounded_number(e, v, 1, 60, "seconds"); n > 0) m->timeout = static_cast<int>(n);
            } else if (auto c = choice(e, keys)) {
                if (e.key == "none")
                    m->none = std::move(c);
                else if (e.key == "other")
                    m->other = std::move(c);
                else
                    m->keys.push_back(std::move(*c));
            }
        }
        // A menu with a problem is kept (the load fails anyway), so that the actions
        // naming it do not add "unknown menu" to its problems.
        if (m->prompt.empty() && load_->problems.list.size() == before) error(s.line, "[menu " + s.name + "] has no 'prompt' (the sound that asks for keys)");
        if (m->keys.empty() && load_->problems.list.size() == before) error(s.line, "[menu " + s.name + "] has no key entry (such as 1 = dial ...)");
        for (const MenuChoice& c : m->keys)
            if (static_cast<int>(c.keys.size()) > m->digits)
                error(c.line, "key '" + c.keys + "' cannot be typed: the menu waits for " + std::to_string(m->digits) +
                                  (m->digits == 1 ? " key" : " keys") + " (digits = " + std::to_string(m->digits) +
                                  (digits_line ? ", line " + std::to_string(digits_line) : ", the default") + ")");
        c_->menus.push_back(std::move(m));
    }

    // Once every menu is read: points each `menu NAME` of a menu at its menu, and warns
    // of menus a caller cannot leave but by hanging up.
    void link_menus() {
        if (c_->menus.empty()) return;
        if (c_->settings.public_url.empty())
            error(c_->menus.front()->line, "menus need public_url in [settings]: sipgate.io sends the keys a caller "
                                           "types there");
        auto each_choice = [](Menu& m, auto f) {
            for (MenuChoice& c : m.keys) f(c);
            if (m.none) f(*m.none);
            if (m.other) f(*m.other);
        };
        for (auto& m : c_->menus) each_choice(*m, [&](MenuChoice& c) { link_menu(&c.steps, c.line); });
        // A menu has a way out when some choice is no menu (or missing: the call then
        // goes on as the account is set up), or is a menu that has one.
        std::map<const Menu*, bool> out;
        for (bool grew = true; grew;) {
            grew = false;
            for (auto& m : c_->menus) {
                if (out[m.get()]) continue;
                bool way = !m->none || !m->other;
                each_choice(*m, [&](MenuChoice& c) {
                    const Step* st = c.steps.empty() ? nullptr : &c.steps.front();
                    if (!st || st->kind != Step::Menu || (st->target && out[st->target])) way = true;
                });
                if (way) {
                    out[m.get()] = true;
                    grew = true;
                }
            }
        }
        for (auto& m : c_->menus)
            if (!out[m.get()])
                warning(m->line, "menu '" + m->name + "' is a loop with no way out: every key, none and other lead "
                                 "to menus again; a caller can only hang up");
    }
    // The call journal needs the URL sipgate.io sends the answer and hangup events to.
    // A journal whose folder cannot be written to loads with a warning: calls are
    // answered all the same, and each process logs once that it cannot append.
    void events() {
        const std::string& j = c_->settings.journal;
        if (j.empty()) return;
        if (c_->settings.public_url.empty())
            error(journal_line_, "journal needs public_url in [settings]: sipgate.io sends the answer and hangup "
                                 "events there");
        std::size_t slash = j.rfind('/');
        std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : j.substr(0, slash);
        if (::access(dir.c_str(), W_OK | X_OK) != 0)
            warning(journal_line_, "journal " + j + ": cannot write in " + dir + " (" + std::strerror(errno) +
                                       "); calls are answered, but not recorded");
    }
};

// Reads the rule file: `text` when given, else the file at `path`. Returns false, with
// the one line that says why in *errors, when the file cannot be read.
bool read_rules(const std::string& path, const std::string_view* text, IniFile* ini, Load* load,
                std::vector<std::string>* errors) {
    load->stamps.emplace_back();
    FileRead r;
    if (!text)
        read_ini_file(path, kMaxRuleFile, ini, &load->problems, &r, &load->stamps.back());
    else if (text->size() > kMaxRuleFile)
        r = FileRead{FileRead::TooLarge, EFBIG};
    else
        *ini = read_ini(*text, &load->problems);
    if (r.ok()) return true;
    if (is_passing(r.error)) load->passing = true;
    errors->push_back(path + ": " + read_problem(r, kMaxRuleFile));
    return false;
}

// Moves the problems of a load to *errors, sorted by line, each on one line, at most
// kMaxErrors of them. Returns whether there were none.
bool report(Problems* problems, const std::string& path, std::vector<std::string>* errors) {
    std::vector<Problem>& list = problems->list;
    std::stable_sort(list.begin(), list.end(), [](const Problem& a, const Problem& b) {
        return a.line != b.line ? a.line < b.line : a.sub < b.sub;
    });
    // One problem, one line: a value that went on over lines (or held other control
    // bytes) must not break the message, whichever check quoted it.
    // A binary file would give a problem per line: the first ones say enough.
    std::size_t more = list.size() > kMaxErrors ? list.size() - kMaxErrors : 0;
    if (more) list.resize(kMaxErrors);
    for (Problem& e : list) {
        for (char& ch : e.text)
            if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
        errors->push_back(std::move(e.text));
    }
    if (more) errors->push_back(path + ": " + std::to_string(more) + " more problems");
    return list.empty();
}

// Reads, parses and checks the files into *c, appending each problem to *errors; what
// was read or tried goes to load->stamps and c->files as it happens. Returns whether the
// rules are good. Throws what an allocation or a library throws (see load_config).
bool load_into(const std::string& path, const std::string_view* text, Config* c, Load* load,
               std::vector<std::string>* errors) {
    c->path = path;
    c->files.push_back(path);
    load->problems.file = path;
    IniFile ini;
    if (!read_rules(path, text, &ini, load, errors)) return false;
    Loader(ini, load, c).run();
    return report(&load->problems, path, errors);
}

// The one line that refuses a load for the exception `failure`: its message, or
// `oom_line` (made before loading) when memory ran out, also while making the line.
std::string refusal(const std::string& path, std::exception_ptr failure, std::string* oom_line, bool* oom) {
    std::string line;
    *oom = false;
    try {
        std::rethrow_exception(failure);
    } catch (const std::bad_alloc&) {
        *oom = true;
    } catch (const std::exception& e) {
        try {
            line = path + ": cannot load: " + e.what();
        } catch (...) {
            *oom = true;
        }
    } catch (...) {
        try {
            line = path + ": cannot load: unexpected exception";
        } catch (...) {
            *oom = true;
        }
    }
    if (*oom) return std::move(*oom_line);
    for (char& ch : line)
        if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    return line;
}

std::shared_ptr<const Config> load(const std::string& path, const std::string_view* text,
                                   std::vector<std::string>* errors, LoadInfo* info, FinishLoad finish) {
    // The line for running out of memory, and the room for it in *errors, come first:
    // saying it later then needs no memory.
    const std::size_t had = errors->size();
    std::string oom_line;
    try {
        oom_line = path + ": cannot load: out of memory";
        errors->reserve(had + 1);
    } catch (...) {
        if (info) *info = LoadInfo{{}, {}, true};
        return nullptr;
    }

    std::exception_ptr failure;
    std::vector<std::string> files;
    std::vector<FileStamp> stamps;
    {
        Load ld;
        std::shared_ptr<Config> c;
        try {
            c = std::make_shared<Config>();
            bool ok = load_into(path, text, c.get(), &ld, errors);
            if (ok && finish) finish(c.get());
            if (info) *info = {c->files, ld.stamps, ld.passing};
            if (!ok) return nullptr;
            return c;
        } catch (...) {
            // Only moves here: what was read or tried stays known (to be watched).
            failure = std::current_exception();
            if (c) files = std::move(c->files);
            stamps = std::move(ld.stamps);
        }
    }  // the half-built rules are freed here, before anything more is allocated

    // A refusal with one line: the problems found before it are dropped, as they may
    // be the half of what there is to say.
    errors->erase(errors->begin() + static_cast<std::ptrdiff_t>(had), errors->end());
    const std::size_t n = std::min(files.size(), stamps.size());  // a file whose stamp never came
    files.erase(files.begin() + static_cast<std::ptrdiff_t>(n), files.end());
    stamps.erase(stamps.begin() + static_cast<std::ptrdiff_t>(n), stamps.end());
    bool oom = false;
    errors->push_back(refusal(path, failure, &oom_line, &oom));  // within the capacity reserved above
    if (info) {
        info->files = std::move(files);
        info->stamps = std::move(stamps);
        info->passing = oom;
    }
    return nullptr;
}

}  // namespace

bool NumberMatch::matches(const Number& n) const {
    if (own.contains(n)) return true;
    for (const List* l : lists)
        if (l->set.contains(n)) return true;
    return false;
}

const List* Config::find_list(const std::string& name) const {
    for (const auto& l : lists)
        if (l->name == name) return l.get();
    return nullptr;
}

const Menu* Config::find_menu(const std::string& name) const {
    for (const auto& m : menus)
        if (m->name == name) return m.get();
    return nullptr;
}

const MenuChoice* Menu::choose(const std::string& typed) const {
    if (typed.empty()) return none.get();
    for (const MenuChoice& c : keys)
        if (c.keys == typed) return &c;
    return other.get();
}

const Hours* Config::find_hours(const std::string& name) const {
    for (const auto& h : hours)
        if (h->name() == name) return h.get();
    return nullptr;
}

std::shared_ptr<const Config> load_config(const std::string& path, std::vector<std::string>* errors,
                                          LoadInfo* info, FinishLoad finish) {
    return load(path, nullptr, errors, info, finish);
}

std::shared_ptr<const Config> load_config_text(const std::string& name, std::string_view text,
                                               std::vector<std::string>* errors, LoadInfo* info,
                                               FinishLoad finish) {
    return load(name, &text, errors, info, finish);
}

}  // namespace cr
