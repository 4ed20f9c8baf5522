#include "cli/options.h"

#include <getopt.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli/week.h"

#ifndef CALLROUTER_VERSION
#define CALLROUTER_VERSION "unknown"
#endif

namespace cr {

namespace {

const char kUsage[] =
    "usage: callrouter [--config FILE] [--listen ADDR] [--threads N] [--socket-mode MODE] [--user NAME]\n"
    "       callrouter [--config FILE] --check\n"
    "       callrouter [--config FILE] --test 'from=...&to=...&direction=in' [--at 'YYYY-MM-DD HH:MM']\n"
    "                  [--signature SIG] [--query 'menu=NAME']\n"
    "       callrouter [--config FILE] --calls [--since 'YYYY-MM-DD[ HH:MM]'] [--at TIME]\n"
    "       callrouter [--config FILE] --week [DATE] [--number N] [--from N] [--to N] [--html]\n"
    "       callrouter [--config FILE] --notify [--state FILE] [--once]\n"
    "       callrouter [--config FILE] --digest [--since 'YYYY-MM-DD[ HH:MM]'] [--at TIME] [--mail]\n"
    "       callrouter [--config FILE] --metrics\n"
    "       callrouter [--config FILE] --switch NAME=on|off [--until TIME] | --switches\n"
    "       callrouter --help | --version\n"
    "\n"
    "Answers sipgate.io call webhooks from the rules of an INI file.\n"
    "\n"
    "  --config FILE     the rule file (default: $CALLROUTER_CONFIG, else callrouter.ini\n"
    "                    beside the executable, else /etc/callrouter/callrouter.ini)\n"
    "  --listen ADDR     serve FastCGI on unix:/PATH, HOST:PORT or PORT (= 127.0.0.1:PORT);\n"
    "                    without it: FastCGI on the socket on fd 0, or CGI\n"
    "  --threads N       FastCGI event loops (threads), 1 to 256 (default: one per core);\n"
    "                    each serves any number of connections\n"
    "  --socket-mode M   permissions of a unix socket, octal (default 0660)\n"
    "  --user NAME       after binding the socket, serve as this user and its groups\n"
    "                    (started as root; the unix socket is given to that user)\n"
    "  --check           check the rule file and every file it names, then exit\n"
    "  --test BODY       answer BODY as if POSTed: XML on stdout, the rules tried on stderr\n"
    "  --at TIME         with --test: decide at TIME, 'YYYY-MM-DD HH:MM' in the rule file's\n"
    "                    time zone, or '2026-11-27T08:30Z' / '...+01:00'; with --calls: tell\n"
    "                    open calls from lost ones as at TIME; with --digest: its end\n"
    "  --signature SIG   with --test: the request's X-Sipgate-Signature header (base64),\n"
    "                    to replay a captured push; checked when signature = require\n"
    "  --query QUERY     with --test: the request's query string, e.g. 'menu=main' for the\n"
    "                    keys of a menu (event=dtmf)\n"
    "  --calls           print the calls of the journal as a table, one row a call with its\n"
    "                    legs and how it ended\n"
    "  --since TIME      with --calls or --digest: calls from TIME on, 'YYYY-MM-DD[ HH:MM]'\n"
    "                    in the rule file's time zone (default: the last 7 days; --digest:\n"
    "                    the last 24 hours)\n"
    "  --week [DATE]     print the rule an ordinary incoming call meets, hour by hour and to\n"
    "                    the minute where it changes, for the seven days from DATE (YYYY-MM-DD\n"
    "                    in the rule file's time zone; default: today), holidays named\n"
    "  --number N        with --week: the week of calls to the number N (default: the first\n"
    "                    number a rule's 'to' names; the others are listed below the table)\n"
    "  --from N          with --week: start at hour N, 0 to 23 (default 0)\n"
    "  --to N            with --week: end before hour N, 1 to 24 (default 24)\n"
    "  --html            with --week: write one self-contained HTML page instead of a table\n"
    "  --notify          follow the journal and tell the [notify NAME] sections of each\n"
    "                    call's outcome, by mail and webhook, until SIGTERM\n"
    "  --state FILE      with --notify: its state file (default: notify_state, else the\n"
    "                    journal's name with .notify-state)\n"
    "  --once            with --notify: read to the journal's end, send what is due, exit\n"
    "  --digest          print a summary of the journal's calls, fit to mail\n"
    "  --mail            with --digest: mail it to [settings] digest_to instead\n"
    "  --metrics         print the journal as Prometheus exposition text\n"
    "  --switch NAME=on|off  set a [switch NAME] of the rule file, as a call can\n"
    "  --until TIME      with --switch: back to its default at TIME: HH:MM (the next),\n"
    "                    'YYYY-MM-DD[ HH:MM]' or +N with m, h or d (+2h)\n"
    "  --switches        print each switch: on or off, since when, by whom, until when\n"
    "  --help, --version\n";

constexpr const char* kCommands =
    "--check, --test, --calls, --week, --notify, --digest, --metrics, --switch or --switches";

bool readable(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

int usage_error(const std::string& msg) {
    std::fprintf(stderr, "callrouter: %s\n%s", msg.c_str(), kUsage);
    return 2;
}

// The options, each spelled in full: getopt_long alone would also take an abbreviation
// ("--conf"), "--config=FILE", "-hx" and "--", which callrouter refuses as unknown.
enum OptionId {
    kHelp = 'h',
    kVersion = 256,
    kConfig,
    kListen,
    kThreads,
    kSocketMode,
    kUser,
    kCheck,
    kTest,
    kAt,
    kSignature,
    kQuery,
    kCalls,
    kSince,
    kWeek,
    kFrom,
    kTo,
    kHtml,
    kNumber,
    kNotify,
    kState,
    kOnce,
    kDigest,
    kMail,
    kMetrics,
    kSwitch,
    kUntil,
    kSwitches
};

const struct option kOptions[] = {
    {"help", no_argument, nullptr, kHelp},
    {"version", no_argument, nullptr, kVersion},
    {"config", required_argument, nullptr, kConfig},
    {"listen", required_argument, nullptr, kListen},
    {"threads", required_argument, nullptr, kThreads},
    {"socket-mode", required_argument, nullptr, kSocketMode},
    {"user", required_argument, nullptr, kUser},
    {"check", no_argument, nullptr, kCheck},
    {"test", required_argument, nullptr, kTest},
    {"at", required_argument, nullptr, kAt},
    {"signature", required_argument, nullptr, kSignature},
    {"query", required_argument, nullptr, kQuery},
    {"calls", no_argument, nullptr, kCalls},
    {"since", required_argument, nullptr, kSince},
    {"week", no_argument, nullptr, kWeek},  // its DATE is optional: see parse_command_line
    {"from", required_argument, nullptr, kFrom},
    {"to", required_argument, nullptr, kTo},
    {"html", no_argument, nullptr, kHtml},
    {"number", required_argument, nullptr, kNumber},
    {"notify", no_argument, nullptr, kNotify},
    {"state", required_argument, nullptr, kState},
    {"once", no_argument, nullptr, kOnce},
    {"digest", no_argument, nullptr, kDigest},
    {"mail", no_argument, nullptr, kMail},
    {"metrics", no_argument, nullptr, kMetrics},
    {"switch", required_argument, nullptr, kSwitch},
    {"until", required_argument, nullptr, kUntil},
    {"switches", no_argument, nullptr, kSwitches},
    {nullptr, 0, nullptr, 0},
};

// Whether `arg` (the argument getopt_long took as option `id`) spells it in full.
bool spelled_in_full(const char* arg, int id) {
    if (id == kHelp && std::strcmp(arg, "-h") == 0) return true;
    for (const struct option* o = kOptions; o->name; ++o)
        if (o->val == id) return std::strncmp(arg, "--", 2) == 0 && std::strcmp(arg + 2, o->name) == 0;
    return false;
}

// The message when an option's value is missing or not valid.
const char* value_error(int id) {
    switch (id) {
    case kConfig: return "--config needs a file";
    case kListen: return "--listen needs an address";
    case kThreads: return "--threads needs a number from 1 to 256";
    case kSocketMode: return "--socket-mode needs an octal mode such as 0660";
    case kUser: return "--user needs a user name";
    case kTest: return "--test needs a request body";
    case kAt: return "--at needs a time";
    case kSignature: return "--signature needs the X-Sipgate-Signature header's value";
    case kQuery: return "--query needs a query string such as 'menu=main'";
    case kSince: return "--since needs a date, 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM'";
    case kWeek: return "--week needs a date YYYY-MM-DD, or none for today";
    case kFrom: return "--from needs an hour from 0 to 23";
    case kTo: return "--to needs an hour from 1 to 24";
    case kNumber: return "--number needs the called number the week is for, such as 4921112345";
    case kState: return "--state needs a file";
    case kSwitch: return "--switch needs NAME=on or NAME=off";
    case kUntil: return "--until needs a time: HH:MM, 'YYYY-MM-DD HH:MM' or +N with m, h or d";
    default: return "";
    }
}

bool valid_threads(const std::string& n) {
    return !n.empty() && n.size() <= 3 && n.find_first_not_of("0123456789") == std::string::npos &&
           std::atoi(n.c_str()) >= 1 && std::atoi(n.c_str()) <= 256;
}

// An hour of --from/--to: one or two digits, 0 to 24.
bool parse_hour(const std::string& n, int* hour) {
    if (n.empty() || n.size() > 2 || n.find_first_not_of("0123456789") != std::string::npos) return false;
    *hour = std::atoi(n.c_str());
    return *hour <= 24;
}

bool valid_socket_mode(const std::string& m) {
    return !m.empty() && m.size() <= 4 && m.find_first_not_of("01234567") == std::string::npos;
}

// Takes one option's value into *cl. Returns false when the value is not valid.
bool take_option(int id, const std::string& value, CommandLine* cl) {
    switch (id) {
    case kConfig: cl->config = value; return !value.empty();
    case kListen: cl->listen = value; return !value.empty();
    case kThreads:
        cl->has_threads = true;
        if (!valid_threads(value)) return false;
        cl->server.threads = std::atoi(value.c_str());
        return true;
    case kSocketMode:
        cl->has_socket_mode = true;
        if (!valid_socket_mode(value)) return false;
        cl->server.socket_mode = static_cast<unsigned>(std::strtoul(value.c_str(), nullptr, 8));
        return true;
    case kUser: cl->server.user = value; return !value.empty();
    case kCheck: cl->check = true; return true;
    case kTest:
        cl->test_body = value;
        cl->test = true;
        return true;
    case kAt: cl->at = value; return !value.empty();
    case kSignature:
        cl->signature = value;
        cl->has_signature = true;
        return true;  // an empty header is a case to replay too
    case kQuery:
        cl->query = value;
        cl->has_query = true;
        return true;
    case kCalls: cl->calls = true; return true;
    case kSince: cl->since = value; return !value.empty();
    case kWeek: {
        cl->week = true;
        cl->week_date = value;
        std::int64_t day = 0;
        return value.empty() || parse_week_date(value, &day);
    }
    case kFrom: cl->has_from = true; return parse_hour(value, &cl->from_hour) && cl->from_hour < 24;
    case kTo: cl->has_to = true; return parse_hour(value, &cl->to_hour) && cl->to_hour > 0;
    case kHtml: cl->html = true; return true;
    case kNumber: cl->week_number = value; return !value.empty();
    case kNotify: cl->notify = true; return true;
    case kState: cl->state = value; return !value.empty();
    case kOnce: cl->once = true; return true;
    case kDigest: cl->digest = true; return true;
    case kMail: cl->mail = true; return true;
    case kMetrics: cl->metrics = true; return true;
    case kSwitch:
        cl->switch_setting = value;
        cl->set_switch = true;
        return !value.empty();
    case kUntil: cl->until = value; return !value.empty();
    case kSwitches: cl->switches = true; return true;
    default: return false;
    }
}

// Reads the arguments in order; the first bad one ends it.
int read_arguments(int argc, char** argv, CommandLine* cl) {
    opterr = 0;  // the messages are callrouter's own
    for (;;) {
        const char* arg = optind < argc ? argv[optind] : nullptr;
        const int id = getopt_long(argc, argv, "+:h", kOptions, nullptr);
        if (id == -1) {
            // The end, or a word that is not an option (also "-" and "--"): unknown.
            return arg ? usage_error("unknown argument '" + std::string(arg) + "'") : -1;
        }
        if (id == '?' || !spelled_in_full(arg, id == ':' ? optopt : id))
            return usage_error("unknown argument '" + std::string(arg) + "'");
        if (id == ':') return usage_error(value_error(optopt));  // the value is missing
        if (id == kHelp) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (id == kVersion) {
            std::printf("callrouter %s\n", CALLROUTER_VERSION);
            return 0;
        }
        std::string value = optarg ? optarg : "";
        // --week takes the next word as its DATE unless it is an option.
        if (id == kWeek && optind < argc && argv[optind][0] != '-') value = argv[optind++];
        if (!take_option(id, value, cl)) return usage_error(value_error(id));
    }
}

}  // namespace

int parse_command_line(int argc, char** argv, CommandLine* cl) {
    if (const int status = read_arguments(argc, argv, cl); status >= 0) return status;
    const bool command = cl->check || cl->test || cl->calls || cl->week || cl->notify || cl->digest || cl->metrics ||
                         cl->set_switch || cl->switches;
    if (cl->check + cl->test + cl->calls + cl->week + cl->notify + cl->digest + cl->metrics + cl->set_switch +
            cl->switches >
        1)
        return usage_error(
            "--check, --test, --calls, --week, --notify, --digest, --metrics, --switch and --switches exclude each "
            "other");
    if (!cl->set_switch && !cl->until.empty()) return usage_error("--until goes with --switch");
    if (!cl->notify && !cl->state.empty()) return usage_error("--state goes with --notify");
    if (!cl->notify && cl->once) return usage_error("--once goes with --notify");
    if (!cl->digest && cl->mail) return usage_error("--mail goes with --digest");
    if (!cl->week && cl->has_from) return usage_error("--from goes with --week");
    if (!cl->week && cl->has_to) return usage_error("--to goes with --week");
    if (!cl->week && cl->html) return usage_error("--html goes with --week");
    if (!cl->week && !cl->week_number.empty()) return usage_error("--number goes with --week");
    if (cl->from_hour >= cl->to_hour) return usage_error("--from must be an hour before --to");
    if (!cl->at.empty() && !cl->test && !cl->calls && !cl->digest)
        return usage_error("--at goes with --test, --calls or --digest");
    if (cl->has_signature && !cl->test) return usage_error("--signature goes with --test");
    if (cl->has_query && !cl->test) return usage_error("--query goes with --test");
    if (!cl->since.empty() && !cl->calls && !cl->digest) return usage_error("--since goes with --calls or --digest");
    if (command && !cl->listen.empty()) return usage_error("--listen does not go with " + std::string(kCommands));
    if (command && !cl->server.user.empty()) return usage_error("--user does not go with " + std::string(kCommands));
    if (command && cl->has_threads) return usage_error("--threads does not go with " + std::string(kCommands));
    if (command && cl->has_socket_mode) return usage_error("--socket-mode does not go with " + std::string(kCommands));
    return -1;
}

std::string find_config(const std::string& given) {
    if (!given.empty()) return given;
    if (const char* env = std::getenv("CALLROUTER_CONFIG"); env && *env) return env;
    char exe[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        std::string dir(exe, static_cast<std::size_t>(n));
        dir = dir.substr(0, dir.rfind('/') + 1);
        if (readable(dir + "callrouter.ini")) return dir + "callrouter.ini";
    }
    return "/etc/callrouter/callrouter.ini";
}

}  // namespace cr
