#include "rules/ini.h"

#include <ini.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>

#include "base/text.h"

namespace cr {

namespace {

// What the inih reader and handler share: the text, the current line, the sections.
struct Parse {
    std::string_view data;
    std::size_t pos = 0;
    int line = 0;
    bool continuation = false;  // the line just read continues the previous key
    bool have_key = false;      // a key was read since the last section header
    IniFile* out;
    Problems* problems;
    // Memory running out in the inih callbacks, kept to be thrown again once inih has
    // returned (it must not unwind through C code); the reader then ends the stream.
    std::exception_ptr failure;

    void error(std::string msg) { problems->add(line, std::move(msg)); }
};

// Hands inih `text` as the line it reads.
char* give(char* str, std::string_view text) {
    std::memcpy(str, text.data(), text.size());
    str[text.size()] = '\n';
    str[text.size() + 1] = '\0';
    return str;
}

// A section header, `t` trimmed: records it, and returns what inih gets of the line.
std::string_view section_header(Parse* p, std::string_view raw, std::string_view t, bool indented) {
    std::size_t close = t.find(']');
    IniSection s;
    s.line = p->line;
    if (indented && p->have_key) {
        // inih would take it for the previous value going on.
        p->error("indented section header; remove the indentation");
        s.broken = true;
    } else if (close == std::string_view::npos) {
        p->error("section header without ']'");
        s.broken = true;
    }
    p->have_key = false;
    if (s.broken) {
        // Its keys belong to no section of the file: say nothing more of them.
        p->out->sections.push_back(std::move(s));
        return "";
    }
    std::string_view rest = trim(t.substr(close + 1));
    if (!rest.empty() && rest[0] != ';' && rest[0] != '#') p->error("text after the section header: " + quote(rest));
    s.header = std::string(trim(t.substr(1, close - 1)));
    p->out->sections.push_back(std::move(s));
    return raw;
}

// What inih gets of the line `raw` (its line end removed): the line itself, or an empty
// line for what it must not see (comments, and the lines reported as problems).
std::string_view line_for_inih(Parse* p, std::string_view raw, std::size_t max) {
    if (raw.find('\0') != std::string_view::npos) {
        p->error("line holds a NUL byte (is this a text file?)");
        return "";
    }
    std::string_view t = trim(raw);
    if (p->line == 1 && t.substr(0, 3) == "\xEF\xBB\xBF") t = trim(t.substr(3));
    if (t.empty() || t[0] == ';' || t[0] == '#') return "";
    if (raw.size() > max) {
        p->error("line longer than " + std::to_string(max) +
                 " characters; continue a list on indented lines, or use a list file");
        return "";
    }
    bool indented = is_space(raw[0]);
    if (t[0] == '[') return section_header(p, raw, t, indented);
    if (indented && p->have_key) {
        p->continuation = true;
        return raw;
    }
    if (t.find('=') == std::string_view::npos && t.find(':') == std::string_view::npos) {
        p->error("expected 'key = value', found " + quote(t));
        return "";
    }
    p->have_key = true;
    return raw;
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
    return give(str, line_for_inih(p, raw, static_cast<std::size_t>(num) - 2));
}

char* read_line(char* str, int num, void* stream) {
    auto* p = static_cast<Parse*>(stream);
    if (p->failure) return nullptr;
    try {
        return read_line_unguarded(str, num, p);
    } catch (const std::bad_alloc&) {  // must not unwind through libinih
        p->failure = std::current_exception();
        return nullptr;
    }
}

// A continuation line `value` of the section's last key: joined to its value.
void continue_value(Parse* p, IniSection* s, std::string_view v) {
    // "  action = hangup" under a key is a continuation to inih: say so.
    std::size_t w = 0;
    while (w < v.size() && ((v[w] >= 'a' && v[w] <= 'z') || v[w] == '_')) ++w;
    std::string_view after = trim(v.substr(w));
    if (w > 0 && !after.empty() && after[0] == '=') {
        p->error("indented line continues the value of '" + s->entries.back().key +
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
    s->entries.back().value += '\n';
    s->entries.back().value += v;
}

void on_entry_unguarded(Parse* p, const char* name, const char* value) {
    if (p->out->sections.empty()) {
        p->error(std::string("key '") + name + "' outside any section");
        return;
    }
    IniSection& s = p->out->sections.back();
    if (p->continuation && !s.entries.empty())
        continue_value(p, &s, value);
    else
        s.entries.push_back({name, value, p->line});
}

int on_entry(void* user, const char* /*section*/, const char* name, const char* value) {
    auto* p = static_cast<Parse*>(user);
    if (p->failure) return 1;
    try {
        on_entry_unguarded(p, name, value);
    } catch (const std::bad_alloc&) {  // must not unwind through libinih
        p->failure = std::current_exception();
    }
    return 1;
}

}  // namespace

IniFile read_ini(std::string_view text, Problems* problems) {
    IniFile out;
    Parse p;
    p.data = text;
    p.out = &out;
    p.problems = problems;
    int rc = ini_parse_stream(read_line, &p, on_entry, &p);
    if (p.failure) std::rethrow_exception(p.failure);
    if (rc == -2) throw std::bad_alloc();  // inih's own line buffer
    if (rc < 0) problems->add(std::max(p.line, 1), "the INI parser failed (" + std::to_string(rc) + ")");
    const std::vector<Problem>& list = problems->list;
    if (rc > 0 && std::none_of(list.begin(), list.end(), [&](const Problem& e) { return e.line == rc; }))
        problems->add(rc, "syntax error");
    out.lines = p.line;
    return out;
}

bool read_ini_file(const std::string& path, std::size_t limit, IniFile* out, Problems* problems, FileRead* read,
                   FileStamp* stamp) {
    std::string text;
    *read = read_file(path, limit, &text, stamp);
    if (!read->ok()) return false;
    *out = read_ini(text, problems);
    return true;
}

}  // namespace cr
