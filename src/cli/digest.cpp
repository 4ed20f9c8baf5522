// --digest and --metrics: the journal read as a stream, its calls joined, summed up.
#include "notify/digest.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>

#include "cli/at.h"
#include "cli/commands.h"
#include "journal/calls.h"
#include "notify/mail.h"

namespace cr {

namespace {

// Reads the journal at `path`, and first PATH.1 when `rotated` and it is there (the
// file logrotate renamed it to), handing each event to `on_event` and each call to
// `on_call`. A journal not written yet has no calls. Returns false having said why on
// stderr; *skipped counts the lines that are no event.
bool read_journal(const char* what, const std::string& path, bool rotated,
                  const std::function<void(const JournalEvent&)>& on_event,
                  const std::function<void(CallRow&&)>& on_call, std::size_t* skipped) {
    CallJoiner joiner(on_call);
    *skipped = 0;
    for (const std::string& p : {path + ".1", path}) {
        if (p != path && !rotated) continue;
        JournalReader reader;
        JournalRead read;
        std::string err;
        if (p == path && ::access(p.c_str(), F_OK) != 0 && errno == ENOENT) break;  // none yet: no calls
        if (!reader.open(p, &err)) {
            if (p != path) continue;  // no rotated file
            std::fprintf(stderr, "callrouter: %s: %s: cannot read: %s\n", what, p.c_str(), err.c_str());
            return false;
        }
        if (!reader.read(
                [&](const JournalEvent& e) {
                    on_event(e);
                    joiner.add(e);
                },
                &read, &err)) {
            std::fprintf(stderr, "callrouter: %s: %s: cannot read: %s\n", what, p.c_str(), err.c_str());
            return false;
        }
        *skipped += read.skipped + read.too_long;
    }
    joiner.finish();
    return true;
}

}  // namespace

int run_digest(const std::string& path, const std::string& since, const std::string& at, bool mail) {
    std::shared_ptr<const RuleSet> c = load_or_report(path, Warn::None);
    if (!c) return 1;
    if (c->settings.journal.empty()) {
        std::fprintf(stderr, "callrouter: --digest: %s sets no journal ([settings] journal = FILE)\n", path.c_str());
        return 1;
    }
    if (mail && c->settings.digest_to.empty()) {
        std::fprintf(stderr, "callrouter: --digest --mail: %s sets no digest_to in [settings]\n", path.c_str());
        return 1;
    }
    std::int64_t until = 0;
    if (!now_or_at(at, c->tz, &until)) return 2;
    std::int64_t from = until - 86400;
    if (!since.empty()) {
        std::string err;
        if (!parse_since(since, c->tz, &from, &err)) {
            std::fprintf(stderr, "callrouter: --since: %s\n", err.c_str());
            return 2;
        }
    }
    Digest digest(*c, from, until);
    std::size_t skipped = 0;
    if (!read_journal(
            "--digest", c->settings.journal, true, [](const JournalEvent&) {}, [&](CallRow&& row) { digest.add(row); },
            &skipped))
        return 1;
    if (!mail) {
        std::fputs(digest.text().c_str(), stdout);
        return std::fflush(stdout) == 0 ? 0 : 1;
    }
    struct sigaction sa = {};
    sa.sa_handler = SIG_DFL;  // sendmail's exit status is waited for, even when SIGCHLD came ignored
    ::sigaction(SIGCHLD, &sa, nullptr);
    Mail m;
    m.from = c->settings.mail_from;
    m.to = c->settings.digest_to;
    m.subject = digest.subject();
    m.date = until;
    m.message_id = "digest." + std::to_string(from) + "." + std::to_string(until) + ".callrouter@" +
                   (m.from.address.empty() ? host_name() : m.from.address.substr(m.from.address.rfind('@') + 1));
    m.body = digest.text() + "\n-- \ncallrouter --digest, " + path + "\n";
    std::string err;
    if (!run_sendmail(c->settings.sendmail, mail_text(m, c->tz), 60, &err)) {
        std::fprintf(stderr, "callrouter: --digest --mail: %s\n", err.c_str());
        return 1;
    }
    return 0;
}

int run_metrics(const std::string& path) {
    std::shared_ptr<const RuleSet> c = load_or_report(path, Warn::None);
    if (!c) return 1;
    if (c->settings.journal.empty()) {
        std::fprintf(stderr, "callrouter: --metrics: %s sets no journal ([settings] journal = FILE)\n", path.c_str());
        return 1;
    }
    Metrics metrics(std::time(nullptr));
    std::size_t skipped = 0;
    if (!read_journal(
            "--metrics", c->settings.journal, false, [&](const JournalEvent& e) { metrics.event(e); },
            [&](CallRow&& row) { metrics.call(row); }, &skipped))
        return 1;
    std::fputs(metrics.text(skipped).c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace cr
