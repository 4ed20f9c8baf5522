#include "config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <map>
#include <new>
#include <stdexcept>

#include <ini.h>

#include "answer.h"
#include "text.h"

namespace cr {

namespace {

constexpr std::size_t kMaxRuleFile = 16u << 20;
constexpr std::size_t kMaxListFile = 512u << 20;
constexpr std::size_t kMaxBodyLimit = 1u << 20;
constexpr int kMaxDialNumbers = 5;

struct Error {
    int line;      // where in the rule file it sorts
    int sub;       // order among errors of one line (list file lines)
    std::string text;
};

// One `key = value` of the rule file, continuation lines already joined with '\n'.
struct Entry {
    std::string key, value;
    int line;
};

struct Section {
    enum Kind { Bad, Settings, List, Hours, Rule } kind = Bad;
    std::string name;
    int line = 0;
    bool broken = false;   // a header that did not parse: reported, its keys ignored
    std::vector<Entry> entries;
};

// What the inih reader and handler share: the file, the current line, the sections.
struct Parse {
    std::string file;
    std::string_view data;
    std::size_t pos = 0;
    int line = 0;
    bool continuation = false;   // the line just read continues the previous key
    bool have_key = false;       // a key was read since the last section header
    std::vector<Section> sections;
    std::vector<Error> errors;
    bool passing = false;        // a file could not be read for a reason that may pass
    std::vector<FileStamp> stamps;  // of each file read or tried, as Config::files lists them
    // An exception in the inih callbacks, kept to be thrown again once inih has returned
    // (it must not unwind through C code); the reader then ends the stream.
    std::exception_ptr failure;

    void error(int at, std::string msg, int sub = 0) {
        errors.push_back({at, sub, file + ":" + std::to_string(at) + ": " + std::move(msg)});
    }
};

bool is_name(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               c == '.';
    });
}

// Why a file could not be read, for a message after "FILE: ".
std::string read_problem(const FileRead& r, std::size_t limit) {
    switch (r.failed) {
    case FileRead::Open: return std::string("cannot open: ") + std::strerror(r.error);
    case FileRead::Stat: return std::string("cannot stat: ") + std::strerror(r.error);
    case FileRead::NotRegular: return "not a regular file";
    case FileRead::TooLarge: return "larger than " + std::to_string(limit >> 20) + " MiB";
    case FileRead::Read: return std::string("cannot read: ") + std::strerror(r.error);
    case FileRead::Done: break;
    }
    return "read";
}

// Reads the file at `path` (read_file), with the message and the cause that may pass
// of a failure.
bool read_file(const std::string& path, std::size_t limit, std::string* out, std::string* err, bool* passing,
               FileStamp* stamp) {
    FileRead r = cr::read_file(path, limit, out, stamp);
    if (r.ok()) return true;
    if (is_passing(r.error)) *passing = true;
    *err = read_problem(r, limit);
    return false;
}

// The inih reader: hands inih one line at a time, so that the handler knows the
// line number (Debian's libinih is built without INI_HANDLER_LINENO). It also
// records section headers (inih reports none for an empty section) and the lexical
// errors inih would only count, each with its line.
char* read_line_unguarded(char* str, int num, Parse* p) {
    if (p->pos >= p->data.size()) return nullptr;
    std::size_t end = p->data.find('\n', p->pos);
    if (end == std::string_view::npos) end = p->data.size();
    std::string_view raw = p->data.substr(p->pos, end - p->pos);
    p->pos = end + 1;
    ++p->line;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    p->continuation = false;

    auto give = [&](std::string_view text) {
        std::memcpy(str, text.data(), text.size());
        str[text.size()] = '\n';
        str[text.size() + 1] = '\0';
        return str;
    };
    if (raw.find('\0') != std::string_view::npos) {
        p->error(p->line, "line holds a NUL byte (is this a text file?)");
        return give("");
    }
    std::string_view t = trim(raw);
    if (p->line == 1 && t.substr(0, 3) == "\xEF\xBB\xBF") t = trim(t.substr(3));
    if (t.empty() || t[0] == ';' || t[0] == '#') return give("");
    std::size_t max = static_cast<std::size_t>(num) - 2;
    if (raw.size() > max) {
        p->error(p->line, "line longer than " + std::to_string(max) +
                              " characters; continue a list on indented lines, or use a list file");
        return give("");
    }
    bool indented = is_space(raw[0]);
    if (t[0] == '[') {
        std::size_t close = t.find(']');
        Section s;
        s.line = p->line;
        if (indented && p->have_key) {
            // inih would take it for the previous value going on.
            p->error(p->line, "indented section header; remove the indentation");
            s.broken = true;
        } else if (close == std::string_view::npos) {
            p->error(p->line, "section header without ']'");
            s.broken = true;
        }
        if (s.broken) {
            // Its keys belong to no section of the file: say nothing more of them.
            p->sections.push_back(std::move(s));
            p->have_key = false;
            return give("");
        }
        std::string_view rest = trim(t.substr(close + 1));
        if (!rest.empty() && rest[0] != ';' && rest[0] != '#')
            p->error(p->line, "text after the section header: " + quote(rest));
        s.name = std::string(trim(t.substr(1, close - 1)));
        p->sections.push_back(std::move(s));
        p->have_key = false;
        return give(raw);
    }
    if (indented && p->have_key) {
        p->continuation = true;
        return give(raw);
    }
    if (t.find('=') == std::string_view::npos && t.find(':') == std::string_view::npos) {
        p->error(p->line, "expected 'key = value', found " + quote(t));
        return give("");
    }
    p->have_key = true;
    return give(raw);
}

char* read_line(char* str, int num, void* stream) {
    auto* p = static_cast<Parse*>(stream);
    if (p->failure) return nullptr;
    try {
        return read_line_unguarded(str, num, p);
    } catch (...) {
        p->failure = std::current_exception();
        return nullptr;
    }
}

void on_entry_unguarded(Parse* p, const char* name, const char* value) {
    if (p->sections.empty()) {
        p->error(p->line, std::string("key '") + name + "' outside any section");
        return;
    }
    Section& s = p->sections.back();
    if (p->continuation && !s.entries.empty()) {
        // "  action = hangup" under a key is a continuation to inih: say so.
        std::string_view v = value;
        std::size_t w = 0;
        while (w < v.size() && ((v[w] >= 'a' && v[w] <= 'z') || v[w] == '_')) ++w;
        std::string_view after = trim(v.substr(w));
        if (w > 0 && !after.empty() && after[0] == '=') {
            p->error(p->line, "indented line continues the value of '" + s.entries.back().key +
                                  "'; remove the indentation to start a new key");
            return;
        }
        // libinih 55 strips "; comments" from a key's line but not from its continuation lines.
        for (std::size_t i = 1; i < v.size(); ++i)
            if (v[i] == ';' && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
                v = trim(v.substr(0, i));
                break;
            }
        if (v.empty()) return;
        s.entries.back().value += '\n';
        s.entries.back().value += v;
        return;
    }
    s.entries.push_back({name, value, p->line});
}

int on_entry(void* user, const char* /*section*/, const char* name, const char* value) {
    auto* p = static_cast<Parse*>(user);
    if (p->failure) return 1;
    try {
        on_entry_unguarded(p, name, value);
    } catch (...) {
        p->failure = std::current_exception();
    }
    return 1;
}

// The keys each section may hold, and whether a value may go on over indented lines.
struct KeySpec {
    const char* key;
    bool multiline;
};
const KeySpec kSettingsKeys[] = {{"country_code", false}, {"timezone", false}, {"max_body", false},
                                 {"require_user", false}, {"log", false}};
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

class Loader {
public:
    Loader(Parse* p, Config* c) : p_(p), c_(c) {}

    void run() {
        classify_sections();
        for (Section& s : p_->sections)
            if (s.kind == Section::Settings) settings(s);
        std::string err;
        int sys_errno = 0;
        if (!c_->tz.load(c_->settings.timezone, &err, &sys_errno)) {
            if (is_passing(sys_errno)) p_->passing = true;
            p_->error(timezone_line_ ? timezone_line_ : 1, err);
        }
        for (Section& s : p_->sections)
            if (s.kind == Section::List) list(s);
        for (Section& s : p_->sections)
            if (s.kind == Section::Hours) hours(s);
        for (Section& s : p_->sections)
            if (s.kind == Section::Rule) rule(s);
        if (c_->rules.empty() && p_->errors.empty())
            p_->error(std::max(p_->line, 1), p_->sections.empty() ? "no sections: the rule file is empty"
                                                                  : "no [rule NAME] section: nothing to answer with");
    }

private:
    Parse* p_;
    Config* c_;
    int timezone_line_ = 0;

    void classify_sections() {
        std::map<std::string, int> seen;
        for (Section& s : p_->sections) {
            if (s.broken) continue;
            const std::string h = s.name;
            std::size_t sp = h.find_first_of(" \t");
            const std::string kind = h.substr(0, sp);
            const std::string name = sp == std::string::npos ? std::string() : std::string(trim(std::string_view(h).substr(sp)));
            if (kind == "settings" && name.empty()) {
                s.kind = Section::Settings;
            } else if (kind == "list" || kind == "hours" || kind == "rule") {
                if (!is_name(name)) {
                    p_->error(s.line, "[" + kind + " NAME]: bad or missing name " + quote(name) +
                                          " (letters, digits, '_', '-', '.')");
                    continue;
                }
                s.kind = kind == "list" ? Section::List : kind == "hours" ? Section::Hours : Section::Rule;
            } else {
                p_->error(s.line, "unknown section " + quote("[" + h + "]") +
                                      "; expected [settings], [list NAME], [hours NAME] or [rule NAME]");
                continue;
            }
            s.name = name;
            std::string id = s.name.empty() ? kind : kind + " " + s.name;
            auto [it, fresh] = seen.emplace(id, s.line);
            if (!fresh) {
                p_->error(s.line, "duplicate section [" + id + "] (first at line " + std::to_string(it->second) + ")");
                s.kind = Section::Bad;
            }
        }
    }

    // Checks keys against the table: unknown keys, duplicates, values over several lines.
    template <std::size_t N>
    void check_keys(const Section& s, const KeySpec (&table)[N], const char* what) {
        std::map<std::string, int> seen;
        for (const Entry& e : s.entries) {
            const KeySpec* k = find_key(table, e.key);
            if (!k) {
                p_->error(e.line, "unknown key " + quote(e.key) + " in " + what + " (known: " + key_names(table) + ")");
                continue;
            }
            auto [it, fresh] = seen.emplace(e.key, e.line);
            if (!fresh)
                p_->error(e.line, "duplicate key '" + e.key + "' (first at line " + std::to_string(it->second) + ")");
            if (!k->multiline && e.value.find('\n') != std::string::npos)
                p_->error(e.line, "the value of '" + e.key + "' goes on over an indented line; only lists may");
        }
    }

    static bool known(const char* key, const Entry& e) { return e.key == key; }

    void settings(const Section& s) {
        check_keys(s, kSettingsKeys, "[settings]");
        Settings& st = c_->settings;
        // country_code first: every number of the file depends on it.
        for (const Entry& e : s.entries) {
            if (!known("country_code", e)) continue;
            std::string_view v = trim(e.value);
            if (!v.empty() && v[0] == '+') v.remove_prefix(1);
            if (v.empty() || v.size() > 3 || v[0] == '0' ||
                !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
                p_->error(e.line, "country_code must be 1 to 3 digits, not starting with 0 (e.g. 49), not " +
                                      quote(e.value));
            else
                st.country_code = std::string(v);
        }
        for (const Entry& e : s.entries) {
            std::string v(trim(e.value));
            if (known("timezone", e)) {
                st.timezone = v;
                timezone_line_ = e.line;
            } else if (known("max_body", e)) {
                std::size_t n = 0;
                bool ok = !v.empty() && v.size() <= 8 &&
                          std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
                if (ok) n = std::stoul(v);
                if (!ok || n < 64 || n > kMaxBodyLimit)
                    p_->error(e.line, "max_body must be a number of bytes from 64 to " +
                                          std::to_string(kMaxBodyLimit) + ", not " + quote(v));
                else
                    st.max_body = n;
            } else if (known("require_user", e)) {
                if (v.empty() || std::any_of(v.begin(), v.end(), [](char c) {
                        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
                    }))
                    p_->error(e.line, "require_user must be one user name, not " + quote(v));
                else
                    st.require_user = v;
            } else if (known("log", e)) {
                static const char* const levels[] = {"error", "warn", "info", "debug"};
                auto it = std::find(std::begin(levels), std::end(levels), v);
                if (it == std::end(levels))
                    p_->error(e.line, "log must be error, warn, info or debug, not " + quote(v));
                else
                    st.log = static_cast<LogLevel>(it - std::begin(levels));
            }
        }
    }

private:
    // Adds the patterns of `value` to `set`; `@name` is refused here (lists hold numbers only).
    void add_patterns(NumberSet* set, const std::string& value, int line, const char* what) {
        std::string flat = value;
        std::replace(flat.begin(), flat.end(), '\n', ',');
        std::vector<std::string> pats = split_patterns(flat);
        if (pats.empty()) p_->error(line, std::string(what) + " is empty");
        for (const std::string& pat : pats) {
            std::string err;
            if (pat[0] == '@')
                p_->error(line, "a list cannot include another list (" + pat + ")");
            else if (!set->add(pat, c_->settings.country_code, &err))
                p_->error(line, "bad number pattern " + quote(pat) + ": " + err);
        }
    }

    void list(const Section& s) {
        check_keys(s, kListKeys, "[list]");
        auto l = std::make_unique<List>();
        l->name = s.name;
        l->line = s.line;
        bool any = false;
        for (const Entry& e : s.entries) {
            if (known("numbers", e)) {
                add_patterns(&l->set, e.value, e.line, "numbers");
                any = true;
            } else if (known("file", e)) {
                list_file(&l->set, std::string(trim(e.value)), e.line);
                any = true;
            }
        }
        if (!any) p_->error(s.line, "[list " + s.name + "] has neither 'numbers' nor 'file'");
        l->set.seal();
        c_->lists.push_back(std::move(l));
    }

    // Reads a list file: one pattern a line, '#' starts a comment. Errors name the
    // list file's own line, sorted under the `file =` line of the rule file.
    void list_file(NumberSet* set, const std::string& name, int line) {
        if (name.empty()) {
            p_->error(line, "file is empty");
            return;
        }
        std::string path = name;
        if (path[0] != '/') {
            std::size_t slash = p_->file.rfind('/');
            if (slash != std::string::npos) path = p_->file.substr(0, slash + 1) + path;
        }
        c_->files.push_back(path);
        p_->stamps.emplace_back();
        std::string data, err;
        if (!read_file(path, kMaxListFile, &data, &err, &p_->passing, &p_->stamps.back())) {
            p_->error(line, "list file " + path + ": " + err);
            return;
        }
        std::string_view d = data;
        std::size_t pos = 0;
        int n = 0, bad = 0;
        while (pos < d.size()) {
            std::size_t end = d.find('\n', pos);
            if (end == std::string_view::npos) end = d.size();
            std::string_view ln = d.substr(pos, end - pos);
            pos = end + 1;
            ++n;
            std::size_t hash = ln.find('#');
            if (hash != std::string_view::npos) ln = ln.substr(0, hash);
            ln = trim(ln);
            if (ln.empty()) continue;
            if (!set->add(ln, c_->settings.country_code, &err)) {
                if (++bad <= 20)
                    p_->errors.push_back({line, n, path + ":" + std::to_string(n) + ": bad number pattern " +
                                                       quote(ln) + ": " + err});
            }
        }
        if (bad > 20)
            p_->errors.push_back({line, n + 1, path + ": " + std::to_string(bad - 20) + " more bad entries"});
    }

    void hours(const Section& s) {
        auto h = std::make_unique<Hours>(s.name);
        std::map<std::string, int> seen;
        for (const Entry& e : s.entries) {
            std::string v = e.value;
            for (std::size_t i = 0; (i = v.find('\n', i)) != std::string::npos;) v.replace(i, 1, ", ");
            std::string err;
            if (!h->add(e.key, v, e.line, &err)) p_->error(e.line, err);
        }
        std::string err;
        if (!h->finish(&err)) p_->error(s.line, err);
        c_->hours.push_back(std::move(h));
    }

    std::unique_ptr<NumberMatch> number_match(const Entry& e) {
        auto m = std::make_unique<NumberMatch>();
        m->text = std::string(trim(e.value));
        std::replace(m->text.begin(), m->text.end(), '\n', ' ');
        std::string flat = e.value;
        std::replace(flat.begin(), flat.end(), '\n', ',');
        std::vector<std::string> pats = split_patterns(flat);
        if (pats.empty()) p_->error(e.line, e.key + " is empty (leave the key out to match every call)");
        for (const std::string& pat : pats) {
            if (pat[0] == '@') {
                const List* l = c_->find_list(pat.substr(1));
                if (!l)
                    p_->error(e.line, "unknown list " + quote(pat.substr(1)) + " (no [list " + pat.substr(1) + "])");
                else
                    m->lists.push_back(l);
                continue;
            }
            std::string err;
            if (!m->own.add(pat, c_->settings.country_code, &err))
                p_->error(e.line, "bad number pattern " + quote(pat) + ": " + err);
        }
        m->own.seal();
        return m;
    }

    void rule(const Section& s) {
        check_keys(s, kRuleKeys, "[rule]");
        Rule r;
        r.name = s.name;
        r.line = s.line;
        int action_line = 0, dial_attr_line = 0;
        bool ok = true;
        std::size_t before = p_->errors.size();
        for (const Entry& e : s.entries) {
            std::string v(trim(e.value));
            if (known("direction", e)) {
                if (v == "in" || v == "out") {
                    r.has_direction = true;
                    r.direction = v == "in" ? Direction::In : Direction::Out;
                } else {
                    p_->error(e.line, "direction must be 'in' or 'out', not " + quote(v));
                }
            } else if (known("from", e)) {
                r.from = number_match(e);
            } else if (known("to", e)) {
                r.to = number_match(e);
            } else if (known("diversion", e)) {
                r.diversion = number_match(e);
            } else if (known("when", e)) {
                std::string name = v;
                if (!name.empty() && name[0] == '!') {
                    r.when_negated = true;
                    name = std::string(trim(name.substr(1)));
                }
                r.when = c_->find_hours(name);
                if (!r.when) p_->error(e.line, "unknown hours " + quote(name) + " (no [hours " + name + "])");
            } else if (known("action", e)) {
                action_line = e.line;
                r.action_text = e.value;
                std::replace(r.action_text.begin(), r.action_text.end(), '\n', ' ');
                r.action_text = std::string(trim(r.action_text));
                std::string err;
                if (!parse_action(r.action_text, c_->settings.country_code, &r.steps, &err)) {
                    p_->error(e.line, err);
                    ok = false;
                }
            } else if (known("caller_id", e)) {
                std::string err;
                r.caller_id = normalise_digits(v, c_->settings.country_code, &err);
                if (r.caller_id.empty()) p_->error(e.line, "caller_id: " + quote(v) + ": " + err);
                dial_attr_line = e.line;
            } else if (known("anonymous", e)) {
                if (v == "true" || v == "false")
                    r.anonymous = v == "true";
                else
                    p_->error(e.line, "anonymous must be 'true' or 'false', not " + quote(v));
                dial_attr_line = e.line;
            }
        }
        if (!action_line) {
            p_->error(s.line, "[rule " + s.name + "] has no 'action'");
            ok = false;
        }
        if (ok && dial_attr_line) {
            bool dials = std::any_of(r.steps.begin(), r.steps.end(),
                                     [](const Step& st) { return st.kind == Step::Dial || st.kind == Step::Voicemail; });
            if (!dials) p_->error(dial_attr_line, "caller_id and anonymous apply only to 'dial' and 'voicemail'");
        }
        if (p_->errors.size() != before) return;
        for (const Step& st : r.steps)
            for (const std::string& n : st.numbers)
                if (n == "$to") r.dials_to = true;
        r.answer = build_answer(r);
        c_->rules.push_back(std::move(r));
    }
};

bool is_url(std::string_view u) {
    std::size_t scheme;
    auto starts = [&](std::string_view pre) {
        if (u.size() < pre.size()) return false;
        for (std::size_t i = 0; i < pre.size(); ++i)
            if ((u[i] | 0x20) != pre[i] && u[i] != pre[i]) return false;
        return true;
    };
    if (starts("https://"))
        scheme = 8;
    else if (starts("http://"))
        scheme = 7;
    else
        return false;
    if (u.size() <= scheme || u[scheme] == '/' || u.size() > 2000) return false;
    // RFC 3986 characters only: no white space, quotes, '<', '>', '{', '}', '|', '\', '^', '`'.
    static constexpr std::string_view kAllowed =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=%";
    return u.find_first_not_of(kAllowed) == std::string_view::npos;
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

const Hours* Config::find_hours(const std::string& name) const {
    for (const auto& h : hours)
        if (h->name() == name) return h.get();
    return nullptr;
}

bool parse_action(const std::string& text, const std::string& country_code, std::vector<Step>* steps,
                  std::string* err) {
    std::vector<std::string> w;
    for (std::size_t i = 0; i < text.size();) {
        while (i < text.size() && is_space(text[i])) ++i;
        std::size_t j = i;
        while (j < text.size() && !is_space(text[j])) ++j;
        if (j > i) w.push_back(text.substr(i, j - i));
        i = j;
    }
    steps->clear();
    std::size_t i = 0;
    while (true) {
        if (i >= w.size()) {
            *err = steps->empty() ? "action is empty" : "'then' must be followed by an action";
            return false;
        }
        Step st;
        const std::string& verb = w[i++];
        auto args_until_then = [&]() {
            std::vector<std::string> a;
            while (i < w.size() && w[i] != "then") a.push_back(w[i++]);
            return a;
        };
        std::vector<std::string> args = args_until_then();
        if (verb == "dial") {
            st.kind = Step::Dial;
            // "dial +49 157 99912345" is one number written in groups, as in patterns.
            std::string joined;
            for (const std::string& a : args) joined += (joined.empty() ? "" : " ") + a;
            args = split_patterns(joined);
            if (args.empty() || args.size() > kMaxDialNumbers) {
                *err = "dial takes 1 to 5 numbers, not " + std::to_string(args.size());
                return false;
            }
            for (const std::string& a : args) {
                if (a == "$to") {
                    st.numbers.push_back(a);
                    continue;
                }
                std::string d = normalise_digits(a, country_code, err);
                if (d.empty()) {
                    *err = "dial: " + quote(a) + ": " + *err;
                    return false;
                }
                st.numbers.push_back(d);
            }
        } else if (verb == "voicemail" || verb == "hangup" || verb == "pass") {
            st.kind = verb == "voicemail" ? Step::Voicemail : verb == "hangup" ? Step::Hangup : Step::Pass;
            if (!args.empty()) {
                *err = verb + " takes no argument, found " + quote(args[0]);
                return false;
            }
        } else if (verb == "reject") {
            st.kind = Step::Reject;
            if (args.size() > 1 || (args.size() == 1 && args[0] != "busy" && args[0] != "rejected")) {
                *err = "reject takes nothing, 'busy' or 'rejected'";
                return false;
            }
            if (!args.empty()) st.reason = args[0];
        } else if (verb == "play") {
            st.kind = Step::Play;
            if (args.size() != 1 || !is_url(args[0])) {
                *err = args.size() == 1 ? "play: " + quote(args[0]) + " is not an http:// or https:// URL"
                                        : "play takes one URL";
                return false;
            }
            if (!steps->empty()) {
                *err = "only one 'play' per action";
                return false;
            }
            st.url = args[0];
        } else {
            *err = "unknown action " + quote(verb) + " (expected dial, voicemail, play, reject, hangup or pass)";
            return false;
        }
        steps->push_back(std::move(st));
        if (i >= w.size()) break;
        ++i;  // "then"
        if (steps->back().kind != Step::Play) {
            *err = "only 'play URL' may be followed by 'then'";
            return false;
        }
    }
    return true;
}

namespace {

// Reads, parses and checks the files into *c, appending each problem to *errors; what
// was read or tried goes to p->stamps and c->files as it happens. Returns whether the
// rules are good. Throws what an allocation or a library throws (see load_config).
bool load_into(const std::string& path, Config* c, Parse* p, std::vector<std::string>* errors) {
    c->path = path;
    c->files.push_back(path);
    p->file = path;
    p->stamps.emplace_back();
    std::string data, err;
    if (!read_file(path, kMaxRuleFile, &data, &err, &p->passing, &p->stamps.back())) {
        errors->push_back(path + ": " + err);
        return false;
    }
    p->data = data;
    int rc = ini_parse_stream(read_line, p, on_entry, p);
    if (p->failure) std::rethrow_exception(p->failure);
    if (rc == -2) throw std::bad_alloc();  // inih's own line buffer
    if (rc < 0) throw std::runtime_error("the INI parser failed (" + std::to_string(rc) + ")");
    if (rc > 0 && std::none_of(p->errors.begin(), p->errors.end(), [&](const Error& e) { return e.line == rc; }))
        p->error(rc, "syntax error");
    Loader loader(p, c);
    loader.run();
    std::stable_sort(p->errors.begin(), p->errors.end(), [](const Error& a, const Error& b) {
        return a.line != b.line ? a.line < b.line : a.sub < b.sub;
    });
    // One problem, one line: a value that went on over lines (or held other control
    // bytes) must not break the message, whichever check quoted it.
    // A binary file would give a problem per line: the first ones say enough.
    constexpr std::size_t kMaxErrors = 50;
    std::size_t more = p->errors.size() > kMaxErrors ? p->errors.size() - kMaxErrors : 0;
    if (more) p->errors.resize(kMaxErrors);
    bool ok = p->errors.empty();
    for (Error& e : p->errors) {
        for (char& ch : e.text)
            if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
        errors->push_back(std::move(e.text));
    }
    if (more) errors->push_back(path + ": " + std::to_string(more) + " more problems");
    return ok;
}

}  // namespace

std::shared_ptr<const Config> load_config(const std::string& path, std::vector<std::string>* errors,
                                          LoadInfo* info) {
    // The line for running out of memory, and the room for it in *errors, come first:
    // saying it later then needs no memory.
    const std::size_t had = errors->size();
    std::string oom_line;
    try {
        oom_line = path + ": cannot load: out of memory";
        errors->reserve(had + 1);
    } catch (...) {
        if (info) {
            info->files.clear();
            info->stamps.clear();
            info->passing = true;
        }
        return nullptr;
    }

    std::exception_ptr failure;
    std::vector<std::string> files;
    std::vector<FileStamp> stamps;
    {
        Parse p;
        std::shared_ptr<Config> c;
        try {
            c = std::make_shared<Config>();
            bool ok = load_into(path, c.get(), &p, errors);
            if (info) *info = {c->files, p.stamps, p.passing};
            if (!ok) return nullptr;
            return c;
        } catch (...) {
            // Only moves here: what was read or tried stays known (to be watched).
            failure = std::current_exception();
            if (c) files = std::move(c->files);
            stamps = std::move(p.stamps);
        }
    }  // the half-built rules are freed here, before anything more is allocated

    // A refusal with one line: the problems found before it are dropped, as they may
    // be the half of what there is to say.
    errors->erase(errors->begin() + static_cast<std::ptrdiff_t>(had), errors->end());
    const std::size_t n = std::min(files.size(), stamps.size());  // a file whose stamp never came
    files.erase(files.begin() + static_cast<std::ptrdiff_t>(n), files.end());
    stamps.erase(stamps.begin() + static_cast<std::ptrdiff_t>(n), stamps.end());
    bool oom = false;
    std::string line;
    try {
        std::rethrow_exception(failure);
    } catch (const std::bad_alloc&) {
        oom = true;
    } catch (const std::exception& e) {
        try {
            line = path + ": cannot load: " + e.what();
        } catch (...) {
            oom = true;
        }
    } catch (...) {
        try {
            line = path + ": cannot load: unexpected exception";
        } catch (...) {
            oom = true;
        }
    }
    if (oom) {
        line = std::move(oom_line);
    } else {
        for (char& ch : line)
            if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    }
    errors->push_back(std::move(line));  // within the capacity reserved above
    if (info) {
        info->files = std::move(files);
        info->stamps = std::move(stamps);
        info->passing = oom;
    }
    return nullptr;
}

}  // namespace cr
