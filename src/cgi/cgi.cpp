#include "cgi/cgi.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "base/file.h"
#include "base/log.h"
#include "journal/journal.h"
#include "rules/load.h"
#include "switches/cache.h"
#include "webhook/answer.h"

namespace cr {

namespace {

// Reads up to n bytes from fd 0, retrying on EINTR. Returns bytes read, 0 at the end, -1 on error.
long read_some(char* buf, std::size_t n) {
    for (;;) {
        ssize_t k = ::read(0, buf, n);
        if (k < 0 && errno == EINTR) continue;
        return static_cast<long>(k);
    }
}

// Reads at most n bytes of the body, looping over short reads; fewer when stdin ends.
std::string read_body(std::size_t n) {
    std::string body(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        long k = read_some(body.data() + got, n - got);
        if (k <= 0) break;
        got += static_cast<std::size_t>(k);
    }
    body.resize(got);
    return body;
}

// The answer on stdout; a web server that went away gets what fits (the log line is
// still written).
void write_all(const std::string& s) { write_fully(1, s); }

// After an answer given without reading the body (403, 405, 413, 500 ...), reads
// and drops the rest (at most 1 MiB, and only while it comes within a second):
// Apache's mod_cgid has stdin and stdout on one socket, and a body left unread
// turns the answer into a reset connection.
void drain() {
    char sink[4096];
    for (std::size_t total = 0; total < (std::size_t{1} << 20);) {
        pollfd p{0, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) break;
        long k = read_some(sink, sizeof sink);
        if (k <= 0) break;
        total += static_cast<std::size_t>(k);
    }
}

}  // namespace

int run_cgi(const std::string& config_path) {
    // The web server may close the pipe early: the log line is still written.
    ::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> errors;
    std::shared_ptr<const RuleSet> rules = load_rule_set(config_path, &errors);
    if (!rules) {
        for (const std::string& e : errors) log_line(LogLevel::Error, log_text(e));
        Outcome o = error_outcome(500, "rule file cannot be loaded; see the server's error log");
        write_all(cgi_response(o.http));
        log_request(o, 0, {}, false);
        drain();
        return 0;
    }
    log_set_level(rules->settings.log);
    auto t0 = std::chrono::steady_clock::now();
    HttpHead head = read_head([](const char* name) -> const char* { return std::getenv(name); });
    BodyPlan plan;
    Outcome o;
    std::vector<std::string> trace;
    const std::int64_t now = std::time(nullptr);
    if (check_head(*rules, head, &plan, &o)) {
        SwitchCache switches;  // read once: this process answers one request
        std::shared_ptr<const SwitchStates> states;
        if (!rules->settings.switch_state.empty()) states = switches.get(rules->settings.switch_state);
        const SwitchWriter writer = state_file_writer(rules->settings.switch_state, 2000);
        o = answer(*rules, read_body(plan.length), plan, now, log_level() >= LogLevel::Debug ? &trace : nullptr,
                   states.get(), &writer);
    }
    write_all(cgi_response(o.http));
    log_request(o, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(), trace,
                false);
    if (!o.journal.empty()) {
        ::close(1);  // the answer is complete for the web server before the journal is written
        std::string err;
        if (!journal_append(rules->settings.journal, o.journal, &err))  // one call a process: said each time
            log_line(LogLevel::Error, "journal " + log_text(rules->settings.journal) + ": " + err +
                                          "; this call is answered but not recorded");
    }
    drain();
    return 0;
}

}  // namespace cr
