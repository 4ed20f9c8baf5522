// [menu NAME] and what menus and the journal need of [settings] (callrouter.ini(5),
// [menu NAME] and JOURNAL).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "base/text.h"
#include "rules/loader.h"

namespace cr::loader {

namespace {

const KeySpec kMenu[] = {{"prompt", false, kPrompt}, {"digits", false, kDigits},   {"timeout", false, kTimeout},
                         {"tries", false, kTries},   {"invalid", false, kInvalid}, {"none", true, kNone},
                         {"other", true, kOther}};

// The keys of a menu entry as a caller types them: 0-9, '*' and '#', where `hash` and
// `star` may stand for '#' and '*' (a line that starts with '#' is a comment). Returns
// false when `key` is not that.
bool typed_keys(const std::string& key, std::string* out) {
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

}  // namespace

const KeyTable kMenuKeys = key_table(kMenu);

// The keys a menu's table names, and the keys a caller types, checked here in one pass
// (a menu's keys are not all in its table).
void Loader::menu(const Section& s) {
    auto m = std::make_unique<Menu>();
    m->name = s.name;
    m->line = s.line;
    std::map<std::string, int> seen;
    int digits_line = 0, tries_line = 0, invalid_line = 0;
    const std::size_t before = problems_->list.size();
    for (const IniEntry& e : *s.entries) {
        std::string v(trim(e.value));
        std::string keys;
        const KeySpec* k = kMenuKeys.find(e.key);
        if (!k && !typed_keys(e.key, &keys)) {
            error(e.line, "unknown key " + quote(e.key) + " in [menu] (known: " + kMenuKeys.names() +
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
        if (k && k->id == kPrompt) {
            if (is_url(v))
                m->prompt = v;
            else
                error(e.line, "prompt must be an http:// or https:// URL of a sound, not " + quote(v));
        } else if (k && k->id == kDigits) {
            digits_line = e.line;
            if (long n = bounded_number(e, v, 1, 20, "keys"); n > 0) m->digits = static_cast<int>(n);
        } else if (k && k->id == kTimeout) {
            if (long n = bounded_number(e, v, 1, 60, "seconds"); n > 0) m->timeout = static_cast<int>(n);
        } else if (k && k->id == kTries) {
            tries_line = e.line;
            // tries = N asks again N times: N + 1 asks in all.
            if (long n = bounded_number(e, v, 0, 9, "times to ask again"); n >= 0) m->tries = static_cast<int>(n) + 1;
        } else if (k && k->id == kInvalid) {
            invalid_line = e.line;
            if (is_url(v))
                m->invalid = v;
            else
                error(e.line, "invalid must be an http:// or https:// URL of a sound, not " + quote(v));
        } else if (auto c = choice(e, keys)) {
            if (k && k->id == kNone)
                m->none = std::move(c);
            else if (k && k->id == kOther)
                m->other = std::move(c);
            else
                m->keys.push_back(std::move(*c));
        }
    }
    // A menu with a problem is kept (the load fails anyway), so that the actions
    // naming it do not add "unknown menu" to its problems.
    if (m->prompt.empty() && problems_->list.size() == before)
        error(s.line, "[menu " + s.name + "] has no 'prompt' (the sound that asks for keys)");
    if (m->keys.empty() && problems_->list.size() == before)
        error(s.line, "[menu " + s.name + "] has no key entry (such as 1 = dial ...)");
    if (invalid_line && m->tries == 1 && problems_->list.size() == before)
        warning(invalid_line, "invalid is never played: the menu does not ask again (tries = 0" +
                                  std::string(tries_line ? ", line " + std::to_string(tries_line) : ", the default") +
                                  "); say how often to ask again with tries = N");
    for (const MenuChoice& c : m->keys)
        if (static_cast<int>(c.keys.size()) > m->digits)
            error(c.line, "key '" + c.keys + "' cannot be typed: the menu waits for " + std::to_string(m->digits) +
                              (m->digits == 1 ? " key" : " keys") + " (digits = " + std::to_string(m->digits) +
                              (digits_line ? ", line " + std::to_string(digits_line) : ", the default") + ")");
    rs_->menus.push_back(std::move(m));
}

// One entry's action: as in a rule, but with no `$to` (a dtmf push names no number).
std::unique_ptr<MenuChoice> Loader::choice(const IniEntry& e, const std::string& keys) {
    auto c = std::make_unique<MenuChoice>();
    c->keys = keys;
    c->line = e.line;
    c->action_text = one_line(e.value);
    std::string err;
    if (!parse_action(c->action_text, rs_->settings.country_code, &c->steps, &err, &c->switches)) {
        error(e.line, err);
        return nullptr;
    }
    if (!switch_acts(c->switches, e.line)) return nullptr;
    for (const Step& st : c->steps)
        for (const std::string& n : st.numbers)
            if (n == "$to") {
                error(e.line, "a menu cannot dial $to: the push with the keys names no number");
                return nullptr;
            }
    after_play(c->steps, e.line, true);
    return c;
}

// Warns when onData URLs are written without a secret to bind them to their call.
void Loader::unbound() {
    if (!first_gather_line_ || rs_->settings.secret || secret_line_) return;
    warning(first_gather_line_,
            "menus and announcements work unbound: with no secret in [settings], a dtmf push "
            "of another call (a signed one replayed from another sipgate.io account, too) walks "
            "them; add secret = FILE (callrouter(8), TOKENS)");
}

// Once every menu is read: points each `menu NAME` of a menu at its menu, and warns of
// menus a caller cannot leave but by hanging up.
void Loader::link_menus() {
    if (rs_->menus.empty()) return;
    if (rs_->settings.public_url.empty())
        error(rs_->menus.front()->line,
              "menus need public_url in [settings]: sipgate.io sends the keys a caller "
              "types there");
    for (auto& m : rs_->menus) m->each_choice([&](MenuChoice& c) { link_menu(&c.steps, c.line); });
    // A menu has a way out when some choice is no menu (or missing: the call then goes
    // on as the account is set up), or is a menu that has one.
    std::map<const Menu*, bool> out;
    for (bool grew = true; grew;) {
        grew = false;
        for (auto& m : rs_->menus) {
            if (out[m.get()]) continue;
            bool way = !m->none || !m->other;
            m->each_choice([&](MenuChoice& c) {
                const Step* st = c.steps.empty() ? nullptr : &c.steps.front();
                if (!st || st->kind != Step::Menu || (st->target && out[st->target])) way = true;
            });
            if (way) {
                out[m.get()] = true;
                grew = true;
            }
        }
    }
    for (auto& m : rs_->menus)
        if (!out[m.get()])
            warning(m->line, "menu '" + m->name +
                                 "' is a loop with no way out: every key, none and other lead "
                                 "to menus again; a caller can only hang up");
}

// The call journal needs the URL sipgate.io sends the answer and hangup events to. A
// journal whose folder cannot be written to loads with a warning for the processes
// that answer calls (--check says it too; --test and --week write nothing): calls are
// answered all the same, and each process logs once that it cannot append. A folder
// that is not there yet may be one systemd makes when the service starts.
void Loader::journal() {
    const std::string& j = rs_->settings.journal;
    if (j.empty()) return;
    if (rs_->settings.public_url.empty())
        error(journal_line_,
              "journal needs public_url in [settings]: sipgate.io sends the answer and hangup "
              "events there");
    const std::string dir = folder_of(j);
    if (::access(dir.c_str(), W_OK | X_OK) == 0) return;
    if (errno == ENOENT && dir == "/var/lib/callrouter")  // StateDirectory= of callrouter.service
        warning(journal_line_,
                "journal " + j + ": no folder " + dir +
                    " yet: calls are recorded once it is there (callrouter.service has systemd make it when it "
                    "starts); until then they are answered, but not recorded",
                true);
    else
        warning(journal_line_,
                "journal " + j + ": cannot write in " + dir + " (" + std::strerror(errno) +
                    "); calls are answered, but not recorded",
                true);
}

}  // namespace cr::loader
