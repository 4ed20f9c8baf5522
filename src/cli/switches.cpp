// --switch and --switches (callrouter(8), SWITCHES).
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "base/log.h"
#include "cli/commands.h"
#include "rules/decide.h"
#include "switches/until.h"

namespace cr {

namespace {

// Who sets a switch from the command line, for --switches and the trace.
std::string command_line_user() {
    const char* u = std::getenv("SUDO_USER");
    if (!u || !*u) u = std::getenv("USER");
    std::string name = u && *u ? log_text(std::string(u).substr(0, 32)) : std::string();
    return "callrouter --switch" + (name.empty() ? std::string() : " (" + name + ")");
}

std::string known_switches(const RuleSet& c) {
    std::string out;
    for (const auto& s : c.switches) out += (out.empty() ? "" : ", ") + s->name;
    return out;
}

}  // namespace

int run_switch(const std::string& path, const std::string& setting, const std::string& until) {
    std::shared_ptr<const RuleSet> c = load_or_report(path, Warn::None);
    if (!c) return 1;
    const std::size_t eq = setting.find('=');
    const std::string name = setting.substr(0, eq), value = eq == std::string::npos ? "" : setting.substr(eq + 1);
    if (eq == std::string::npos || (value != "on" && value != "off")) {
        std::fprintf(stderr, "callrouter: --switch: '%s' is not NAME=on or NAME=off\n", log_text(setting).c_str());
        return 2;
    }
    const Switch* sw = c->find_switch(name);
    if (!sw) {
        std::fprintf(stderr, "callrouter: --switch: %s has no [switch %s]%s%s\n", path.c_str(), log_text(name).c_str(),
                     c->switches.empty() ? "" : " (its switches: ",
                     c->switches.empty() ? "" : (known_switches(*c) + ")").c_str());
        return 2;
    }
    const std::int64_t now = std::time(nullptr);
    SwitchChange change;
    change.name = name;
    change.op = value == "on" ? SwitchChange::On : SwitchChange::Off;
    change.default_on = sw->default_on;
    change.by = command_line_user();
    if (!until.empty()) {
        UntilSpec u;
        std::string err;
        if (!parse_until(until, &u, &err)) {
            std::fprintf(stderr, "callrouter: --%s\n", err.c_str());
            return 2;
        }
        change.until = resolve_until(u, c->tz, now);
        if (change.until <= now) {
            std::fprintf(stderr, "callrouter: --until: %s is not in the future\n",
                         local_minute(*c, change.until).c_str());
            return 2;
        }
    }
    SwitchStates after;
    std::string err, broken;
    if (!change_switch_states(c->settings.switch_state, {change}, now, &after, &err, &broken)) {
        std::fprintf(stderr, "callrouter: --switch: %s\n", err.c_str());
        return 1;
    }
    if (!broken.empty()) std::fprintf(stderr, "callrouter: --switch: %s\n", broken.c_str());
    std::printf("%s\n", switch_text(*c, *sw, &after, now).c_str());
    return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_switches(const std::string& path) {
    std::shared_ptr<const RuleSet> c = load_or_report(path, Warn::None);
    if (!c) return 1;
    if (c->switches.empty()) {
        std::fprintf(stderr, "callrouter: --switches: %s has no [switch NAME]\n", path.c_str());
        return 1;
    }
    SwitchStates s;
    std::string err;
    int status = 0;
    if (!read_switch_states(c->settings.switch_state, &s, &err)) {
        std::fprintf(stderr, "callrouter: --switches: %s: %s: every switch is at its default\n",
                     c->settings.switch_state.c_str(), err.c_str());
        s = SwitchStates();
        status = 1;
    }
    const std::int64_t now = std::time(nullptr);
    std::printf("# %s\n", c->settings.switch_state.c_str());
    for (const auto& sw : c->switches)
        std::printf("%s; default %s, line %d\n", switch_text(*c, *sw, &s, now).c_str(), sw->default_on ? "on" : "off",
                    sw->line);
    return std::fflush(stdout) == 0 ? status : 1;
}

}  // namespace cr
