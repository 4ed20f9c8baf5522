// [list NAME]: numbers and patterns written in the rule file or read from a list file
// (callrouter.ini(5), [list NAME]).
#include <algorithm>

#include "base/text.h"
#include "rules/loader.h"

namespace cr::loader {

namespace {

const KeySpec kList[] = {{"numbers", true, kNumbers}, {"file", false, kFile}, {"users", true, kUsers}};

}  // namespace

const KeyTable kListKeys = key_table(kList);

void Loader::list(const Section& s) {
    const std::vector<Keyed> keys = keyed(s, kListKeys, "[list]");
    auto l = std::make_unique<List>();
    l->name = s.name;
    l->line = s.line;
    for (const Keyed& k : keys) {
        if (k.id == kNumbers)
            add_patterns(&l->set, k.entry->value, k.entry->line, "numbers");
        else if (k.id == kUsers)
            user_names(*k.entry, &l->users, nullptr);
        else
            list_file(&l->set, std::string(trim(k.entry->value)), k.entry->line);
    }
    if (keys.empty()) error(s.line, "[list " + s.name + "] has none of 'numbers', 'file' and 'users'");
    l->set.seal();
    rs_->lists.push_back(std::move(l));
}

// Adds the patterns of `value` to `set`; `@name` is refused here (lists hold numbers only).
void Loader::add_patterns(NumberSet* set, const std::string& value, int line, const char* what) {
    std::string flat = value;
    std::replace(flat.begin(), flat.end(), '\n', ',');
    std::vector<std::string> pats = split_patterns(flat);
    if (pats.empty()) error(line, std::string(what) + " is empty");
    for (const std::string& pat : pats) {
        std::string err;
        if (pat[0] == '@')
            error(line, "a list cannot include another list (" + pat + ")");
        else if (!set->add(pat, rs_->settings.country_code, &err))
            error(line, "bad number pattern " + quote(pat) + ": " + err);
    }
}

// The names of sipgate users in `e`'s value, separated by commas or lines (a name may
// hold blanks: "Anna Schmidt"), folded to lower case into *names. With `lists` (a
// rule's `user`), `@NAME` names a [list NAME] with users; without, it is refused.
// Returns false when a problem was reported.
bool Loader::user_names(const IniEntry& e, std::vector<std::string>* names, std::vector<const List*>* lists) {
    bool any = false;
    for (std::size_t i = 0; i <= e.value.size();) {
        std::size_t end = e.value.find_first_of(",\n", i);
        if (end == std::string::npos) end = e.value.size();
        std::string n = trim_blanks(std::string_view(e.value).substr(i, end - i));
        i = end + 1;
        if (n.empty()) continue;
        any = true;
        if (n[0] == '@' && lists) {
            const List* l = rs_->find_list(n.substr(1));
            if (!l) {
                error(e.line, "unknown list " + quote(n.substr(1)) + " (no [list " + n.substr(1) + "])");
                return false;
            }
            if (l->users.empty()) {
                error(e.line, "list " + quote(l->name) + " names no users (users = NAME, ... in [list " + l->name +
                                  "], line " + std::to_string(l->line) + ")");
                return false;
            }
            lists->push_back(l);
            continue;
        }
        if (n[0] == '@') {
            error(e.line, "a list cannot include another list (" + n + ")");
            return false;
        }
        if (n.size() > 200 ||
            std::any_of(n.begin(), n.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
            error(e.line, e.key + ": " + quote(n) + " is no user name (at most 200 bytes, no control character)");
            return false;
        }
        names->push_back(lower(n));
    }
    if (!any) error(e.line, e.key + " is empty");
    return any;
}

// Reads a list file, named relative to the rule file's folder.
void Loader::list_file(NumberSet* set, const std::string& name, int line) {
    if (name.empty()) {
        error(line, "file is empty");
        return;
    }
    std::string path = beside_rules(name), data;
    if (read_named(path, kMaxListFile, "list file", line, &data)) list_entries(set, path, data, line);
}

// The entries of a list file: one pattern a line, '#' starts a comment. Problems name
// the list file's own line, sorted under the `file =` line of the rule file.
void Loader::list_entries(NumberSet* set, const std::string& path, std::string_view d, int line) {
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
        if (ln.empty() || set->add(ln, rs_->settings.country_code, &err)) continue;
        if (++bad <= kMaxListProblems)
            problems_->list.push_back(
                {line, n, path + ":" + std::to_string(n) + ": bad number pattern " + quote(ln) + ": " + err});
    }
    if (bad > kMaxListProblems)
        problems_->list.push_back(
            {line, n + 1, path + ": " + std::to_string(bad - kMaxListProblems) + " more bad entries"});
}

}  // namespace cr::loader
