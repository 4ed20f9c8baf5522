#include "rules/action.h"

#include "base/text.h"
#include "rules/number.h"

namespace cr {

namespace {

constexpr std::size_t kMaxDialNumbers = 5;

}  // namespace

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

namespace {

std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> w;
    for (std::size_t i = 0; i < text.size();) {
        while (i < text.size() && is_space(text[i])) ++i;
        std::size_t j = i;
        while (j < text.size() && !is_space(text[j])) ++j;
        if (j > i) w.push_back(text.substr(i, j - i));
        i = j;
    }
    return w;
}

bool parse_dial(const std::vector<std::string>& words, const std::string& country_code, Step* st, std::string* err) {
    st->kind = Step::Dial;
    // "dial +49 157 99912345" is one number written in groups, as in patterns.
    std::string joined;
    for (const std::string& a : words) joined += (joined.empty() ? "" : " ") + a;
    std::vector<std::string> args = split_patterns(joined);
    if (args.empty() || args.size() > kMaxDialNumbers) {
        *err = "dial takes 1 to " + std::to_string(kMaxDialNumbers) + " numbers, not " + std::to_string(args.size());
        return false;
    }
    for (const std::string& a : args) {
        if (a.compare(0, 6, "@rota:") == 0) {
            if (args.size() != 1) {
                *err = "dial " + a + " takes no other number (its fallback answers when nobody is on call)";
                return false;
            }
            st->numbers.push_back(a);
            continue;
        }
        if (a == "$to") {
            st->numbers.push_back(a);
            continue;
        }
        std::string d;
        if (!normalise_digits(a, country_code, &d, err)) {
            *err = "dial: " + quote(a) + ": " + *err;
            if (a.find(' ') != std::string::npos && err->find("more than") != std::string::npos)  // two numbers?
                *err +=
                    " (blanks group the digits of one number; separate numbers with commas: dial 0211 1234 5601, "
                    "0211 1234 5602)";
            return false;
        }
        st->numbers.push_back(d);
    }
    return true;
}

// One step: `verb` with its arguments (the words up to the next `then`), after `before`.
bool parse_step(const std::string& verb, const std::vector<std::string>& args, const std::string& country_code,
                const std::vector<Step>& before, Step* st, std::string* err) {
    if (verb == "dial") return parse_dial(args, country_code, st, err);
    if (verb == "voicemail" || verb == "hangup" || verb == "pass") {
        st->kind = verb == "voicemail" ? Step::Voicemail : verb == "hangup" ? Step::Hangup : Step::Pass;
        if (!args.empty()) *err = verb + " takes no argument, found " + quote(args[0]);
        return args.empty();
    }
    if (verb == "reject") {
        st->kind = Step::Reject;
        if (args.size() > 1 || (args.size() == 1 && args[0] != "busy" && args[0] != "rejected")) {
            *err = "reject takes nothing, 'busy' or 'rejected'";
            return false;
        }
        if (!args.empty()) st->reason = args[0];
        return true;
    }
    if (verb == "play") {
        st->kind = Step::Play;
        if (args.size() != 1 || !is_url(args[0])) {
            *err = args.size() == 1 ? "play: " + quote(args[0]) + " is not an http:// or https:// URL"
                                    : "play takes one URL";
            return false;
        }
        if (!before.empty()) {
            *err = "only one 'play' per action";
            return false;
        }
        st->url = args[0];
        return true;
    }
    if (verb == "menu") {
        st->kind = Step::Menu;
        if (args.size() != 1) {
            *err = "menu takes the name of one [menu NAME]";
            return false;
        }
        st->menu = args[0];
        return true;
    }
    *err = "unknown action " + quote(verb) + " (expected dial, voicemail, play, reject, hangup, pass, menu or switch)";
    return false;
}

// `switch NAME on|off|toggle [until TIME]`, its arguments in `args`.
bool parse_switch(const std::vector<std::string>& args, SwitchAct* act, std::string* err) {
    const std::string shape = "switch takes NAME on|off|toggle [until TIME], then 'then' and what the call hears";
    if (args.size() < 2 || (args.size() > 2 && args[2] != "until") || args.size() == 3 || args.size() > 5) {
        *err = shape;
        return false;
    }
    act->name = args[0];
    if (args[1] == "on")
        act->op = SwitchAct::On;
    else if (args[1] == "off")
        act->op = SwitchAct::Off;
    else if (args[1] == "toggle")
        act->op = SwitchAct::Toggle;
    else {
        *err = "switch " + args[0] + ": " + quote(args[1]) + " is not on, off or toggle";
        return false;
    }
    act->text = "switch " + args[0] + " " + args[1];
    if (args.size() > 2) {
        std::string t = args[3] + (args.size() > 4 ? " " + args[4] : "");
        if (!parse_until(t, &act->until, err)) return false;
        act->text += " until " + t;
    }
    return true;
}

}  // namespace

bool dials_to(const Step& step) {
    for (const std::string& n : step.numbers)
        if (n == "$to") return true;
    return false;
}

bool leads_on(const std::vector<Step>& steps, bool have_public_url) {
    return have_public_url && steps.size() > 1 && steps[0].kind == Step::Play && steps[1].kind != Step::Hangup &&
           steps[1].kind != Step::Pass;
}

bool parse_action(const std::string& text, const std::string& country_code, std::vector<Step>* steps, std::string* err,
                  std::vector<SwitchAct>* switches) {
    std::vector<std::string> w = words_of(text);
    steps->clear();
    std::vector<SwitchAct> acts;
    std::size_t i = 0;
    while (true) {
        if (i >= w.size()) {
            *err = steps->empty() && acts.empty() ? "action is empty" : "'then' must be followed by an action";
            return false;
        }
        const std::string& verb = w[i++];
        std::vector<std::string> args;
        while (i < w.size() && w[i] != "then") args.push_back(w[i++]);
        if (verb == "switch") {
            SwitchAct act;
            if (!switches) {
                *err = "switch is not an action here";
                return false;
            }
            if (!steps->empty()) {
                *err = "switch comes first in an action, before what the call hears";
                return false;
            }
            if (!parse_switch(args, &act, err)) return false;
            if (acts.size() >= 4) {
                *err = "at most 4 switches in one action";
                return false;
            }
            acts.push_back(std::move(act));
            if (i >= w.size()) {
                *err = "switch must be followed by 'then' and what the call hears (as then play URL then hangup)";
                return false;
            }
            ++i;
            continue;
        }
        Step st;
        if (!parse_step(verb, args, country_code, *steps, &st, err)) return false;
        steps->push_back(std::move(st));
        if (i >= w.size()) break;
        ++i;  // "then"
        if (steps->back().kind != Step::Play) {
            *err = "only 'play URL' and 'switch' may be followed by 'then'";
            return false;
        }
    }
    if (switches) *switches = std::move(acts);
    return true;
}

}  // namespace cr
