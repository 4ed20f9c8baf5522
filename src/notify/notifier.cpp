#include "notify/notifier.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <memory>
#include <set>

#include "base/log.h"
#include "journal/calls.h"
#include "journal/journal.h"
#include "notify/alert.h"
#include "notify/follow.h"
#include "notify/mail.h"
#include "notify/post.h"
#include "notify/state.h"
#include "rules/load.h"

namespace cr {

namespace {

// The outcome of a call ended before its hangup came: who answered it, else lost.
std::string as_it_stands(const CallRow& row) {
    return row.by_person ? "answered" : row.by_voicemail ? "voicemail" : "lost";
}

volatile std::sig_atomic_t g_stop = 0, g_reload = 0;

void on_stop(int) { g_stop = 1; }
void on_reload(int) { g_reload = 1; }

constexpr int kMailTimeout = 60;     // seconds sendmail may take
constexpr int kWebhookTimeout = 30;  // seconds a POST may take

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

class Notifier {
public:
    Notifier(std::shared_ptr<const RuleSet> rules, std::string config, std::string state_path)
        : rules_(std::move(rules)),
          config_(std::move(config)),
          state_path_(std::move(state_path)),
          follower_(rules_->settings.journal) {}

    bool start(std::string* err);
    // One round: reads the journal, decides, sends what is due. *more: there is more to
    // read or send at once. Returns false with *err when the state cannot be saved.
    bool round(std::string* err, bool* more);
    void reload();
    bool save(std::string* err, bool all = false);

private:
    void on_line(std::string_view line, const JournalPlace& place);
    void make_room();
    bool row_of(const TrackedCall& c, CallRow* row) const;
    void decide(const std::string& first, std::int64_t now, bool read_all);
    void settle(const std::string& first, const std::string& outcome, std::int64_t now);
    bool send_due(std::int64_t now, std::string* err);
    bool send(const std::string& first, TrackedCall* c, Delivery* d, std::int64_t now);
    std::size_t due_count() const;  // alerts whose time has come

    static constexpr std::size_t kMaxDue = 64;   // alerts waiting, beyond which the journal waits
    static constexpr std::size_t kBatch = 1000;  // lines read at a time

    std::shared_ptr<const RuleSet> rules_;
    std::string config_, state_path_;
    JournalFollower follower_;
    NotifyState state_;
    std::set<std::string> touched_;
    bool dirty_ = false;
    std::int64_t saved_at_ = 0, done_saved_at_ = 0;
    std::uint64_t done_saved_ = 0;  // state_.done_changes when PATH.done was written
    std::size_t skipped_ = 0, skipped_said_ = 0;
    std::string read_error_;  // the last one logged, so that it is logged once
};

bool Notifier::start(std::string* err) {
    bool missing = false;
    if (!load_notify_state(state_path_, &state_, &missing, err)) {
        *err += " (move it away to start again at the journal's end)";
        return false;
    }
    for (auto& [first, c] : state_.calls) {
        JournalEvent e;
        for (const std::string& l : c.lines)
            if (parse_journal_line(l, &e)) c.last = std::max(c.last, e.time);
    }
    std::string note;
    follower_.start(state_.has_place ? &state_.place : nullptr, &note);
    if (!note.empty()) log_line(note.rfind("cannot", 0) == 0 ? LogLevel::Error : LogLevel::Info, "notify: " + note);
    std::size_t sends = 0;
    for (const auto& [id, c] : state_.calls) sends += c.deliveries.size();
    log_line(LogLevel::Info, "notify: following " + rules_->settings.journal + ", state " + state_path_ + ": " +
                                 std::to_string(state_.calls.size()) + " calls held, " + std::to_string(sends) +
                                 " alerts to send, " + std::to_string(rules_->notifies.size()) + " [notify] sections");
    state_.place = follower_.place();
    state_.has_place = true;
    return save(err);
}

// Saves the state; the calls told (PATH.done) too when they changed and were last
// written a second ago or more, or with `all`.
bool Notifier::save(std::string* err, bool all) {
    state_.place = follower_.place();
    state_.has_place = true;
    const std::int64_t now = now_s();
    const bool done = all || (state_.done_changes != done_saved_ && now != done_saved_at_) || !done_saved_at_;
    if (!save_notify_state(state_path_, state_, done, err)) return false;
    dirty_ = false;
    saved_at_ = now;
    if (done) {
        done_saved_at_ = now;
        done_saved_ = state_.done_changes;
    }
    return true;
}

void Notifier::reload() {
    std::vector<std::string> errors;
    std::shared_ptr<const RuleSet> r = load_rule_set(config_, &errors);
    if (!r) {
        for (const std::string& e : errors) log_line(LogLevel::Error, "notify: " + log_text(e));
        log_line(LogLevel::Error, "notify: " + config_ + " not loaded again: the last good rules stay");
        return;
    }
    if (r->settings.journal != rules_->settings.journal)
        log_line(LogLevel::Warn, "notify: the journal is now " + r->settings.journal + "; --notify follows " +
                                     rules_->settings.journal + " until it is restarted");
    rules_ = std::move(r);
    log_line(LogLevel::Info,
             "notify: " + config_ + " loaded again: " + std::to_string(rules_->notifies.size()) + " [notify] sections");
}

// A line of the journal: joined to its call, which is held until its outcome is known.
void Notifier::on_line(std::string_view line, const JournalPlace&) {
    JournalEvent e;
    if (!parse_journal_line(line, &e)) {
        ++skipped_;
        return;
    }
    const std::string* idp = e.field("callId");
    if (!idp || idp->empty()) return;
    const std::string& id = *idp;
    if (state_.done_ids.count(id)) return;  // a late event of a call told
    std::string first = state_.first_of(id);
    const std::string* ev = e.field("event");
    const std::string* orig = e.field("origCallId");
    if (ev && *ev == "newCall" && orig && !orig->empty() && *orig != id) {
        if (state_.done_ids.count(*orig)) {  // a later leg of a call told: its events too are late
            state_.told_id(id, now_s());
            return;
        }
        first = *orig;
    }
    auto it = state_.calls.find(first);
    if (it == state_.calls.end()) {
        make_room();
        it = state_.calls.emplace(first, TrackedCall{}).first;
        it->second.ids.push_back(first);
    }
    TrackedCall& c = it->second;
    if (std::find(c.ids.begin(), c.ids.end(), id) == c.ids.end()) {
        c.ids.push_back(id);
        state_.leg_of[id] = first;
    }
    if (!c.outcome.empty()) return;  // told already, or being told: its alert stays as it was
    c.last = std::max(c.last, e.time);
    state_.keep_line(&c, line, ev && *ev == "dtmf");
    touched_.insert(first);
    dirty_ = true;
}

// Before a call more: when kMaxCalls calls wait for their outcome, or the lines of the
// calls held take kMaxBytes, the one of them quiet longest is told as it stands
// (hangups that never came, a flood of calls): one for each new call, so that what is
// held stays where it is.
void Notifier::make_room() {
    std::size_t waiting = 0;
    auto oldest = state_.calls.end();
    for (auto c = state_.calls.begin(); c != state_.calls.end(); ++c) {
        if (!c->second.outcome.empty()) continue;
        ++waiting;
        if (oldest == state_.calls.end() || c->second.last < oldest->second.last) oldest = c;
    }
    if (oldest == state_.calls.end() || (waiting < NotifyState::kMaxCalls && state_.bytes < NotifyState::kMaxBytes))
        return;
    const std::string first = oldest->first;  // settle() may drop the call
    log_line(LogLevel::Warn, "notify: " + std::to_string(waiting) + " calls held, " +
                                 std::to_string(state_.bytes >> 20) + " MiB of lines: callId=" + log_value(first) +
                                 " told as it stands");
    CallRow row;
    if (row_of(oldest->second, &row))
        settle(first, as_it_stands(row), now_s());
    else
        state_.told(first, now_s());
}

// The call as its lines tell it. False when none of them is an event of it.
bool Notifier::row_of(const TrackedCall& c, CallRow* row) const {
    std::vector<JournalEvent> events;
    for (const std::string& l : c.lines) {
        JournalEvent e;
        if (parse_journal_line(l, &e)) events.push_back(std::move(e));
    }
    std::vector<CallRow> rows = join_calls(events);
    for (CallRow& r : rows)
        if (r.call_id == c.ids[0]) {
            *row = std::move(r);
            return true;
        }
    if (rows.empty()) return false;
    *row = std::move(rows.front());
    return true;
}

// Settles the call's outcome when it is known: every leg hung up (a call the last
// hangup forwarded, taken by nobody yet, waits kForwardQuiet for the leg that follows,
// then is "forwarded"), or a leg has had no event for kLostAfter (then "lost", unless
// someone answered).
// What comes with time (lost, forwarded) is decided only when the journal has been read
// to its end (`read_all`): while --notify catches up, the hangup or the leg may be in the
// lines it has not read yet.
void Notifier::decide(const std::string& first, std::int64_t now, bool read_all) {
    auto it = state_.calls.find(first);
    if (it == state_.calls.end() || !it->second.outcome.empty()) return;
    CallRow row;
    if (!row_of(it->second, &row)) return;
    std::string outcome;
    if (row.open) {
        if (!read_all || row.last >= now - kLostAfter) return;
        outcome = as_it_stands(row);
    } else if (row.cause == "forwarded" && !row.by_person && !row.by_voicemail) {
        if (!read_all || row.last >= now - kForwardQuiet) return;
        outcome = "forwarded";
    } else {
        outcome = call_outcome(row, now);
    }
    settle(first, outcome, now);
}

// Gives the call its outcome and the alerts every [notify] that wants it is due.
void Notifier::settle(const std::string& first, const std::string& outcome, std::int64_t now) {
    TrackedCall& c = state_.calls[first];
    c.outcome = outcome;
    CallRow row;
    row_of(c, &row);
    // A call whose newCall --notify never read (it started before the first run, or
    // these are late events of a call told and forgotten) is not told: who called, and
    // to which number, it does not know.
    if (row.from.empty() && row.to.empty() && row.direction.empty()) {
        log_line(LogLevel::Debug, "notify: callId=" + log_value(first) + ": events without their newCall; not told");
        state_.told(first, now);
        dirty_ = true;
        return;
    }
    for (const Notify& n : rules_->notifies) {
        if (!notify_wants(n, row, outcome, *rules_)) continue;
        if (!n.mail.empty()) c.deliveries.push_back(Delivery{n.name, 'm', 0, now});
        if (!n.webhook.empty()) c.deliveries.push_back(Delivery{n.name, 'w', 0, now});
    }
    log_line(LogLevel::Debug, "notify: callId=" + log_value(first) + " outcome=" + outcome +
                                  " alerts=" + std::to_string(c.deliveries.size()));
    if (c.deliveries.empty()) state_.told(first, now);
    dirty_ = true;
}

// Sends one alert. Returns whether it is done (sent, or given up).
bool Notifier::send(const std::string& first, TrackedCall* c, Delivery* d, std::int64_t now) {
    const char* channel = d->channel == 'm' ? "mail" : "webhook";
    std::string head = "notify=" + log_value(d->notify) + " channel=" + channel + " callId=" + log_value(first) +
                       " outcome=" + c->outcome;
    const Notify* n = rules_->find_notify(d->notify);
    if (!n || (d->channel == 'm' ? n->mail.empty() : n->webhook.empty())) {
        log_line(LogLevel::Warn, head + " status=dropped error=\"the rule file no longer has it\"");
        return true;
    }
    CallRow row;
    row_of(*c, &row);
    std::string err;
    bool ok =
        d->channel == 'm'
            ? run_sendmail(rules_->settings.sendmail,
                           mail_text(alert_mail(*n, row, c->outcome, *rules_, now), rules_->tz), kMailTimeout, &err)
            : http_post(n->webhook, alert_json(*n, row, c->outcome, *rules_), kWebhookTimeout, &err);
    if (ok) {
        log_line(LogLevel::Info, head + " status=sent" + (d->tries ? " try=" + std::to_string(d->tries + 1) : ""));
        return true;
    }
    const std::vector<int>& waits = rules_->settings.notify_retry;
    ++d->tries;
    if (static_cast<std::size_t>(d->tries) > waits.size()) {
        log_line(LogLevel::Error,
                 head + " status=given-up tries=" + std::to_string(d->tries) + " error=" + log_value(err));
        return true;
    }
    const int wait = waits[static_cast<std::size_t>(d->tries) - 1];
    d->next = now + wait;
    log_line(LogLevel::Warn, head + " status=retry try=" + std::to_string(d->tries) + " next=" + std::to_string(wait) +
                                 "s error=" + log_value(err));
    return false;
}

bool Notifier::send_due(std::int64_t now, std::string* err) {
    std::vector<std::string> firsts;
    for (const auto& [first, c] : state_.calls)
        for (const Delivery& d : c.deliveries)
            if (d.next <= now) {
                firsts.push_back(first);
                break;
            }
    for (const std::string& first : firsts) {
        auto it = state_.calls.find(first);
        TrackedCall& c = it->second;
        for (std::size_t i = 0; i < c.deliveries.size() && !g_stop;) {
            if (c.deliveries[i].next > now) {
                ++i;
                continue;
            }
            if (send(first, &c, &c.deliveries[i], now_s()))
                c.deliveries.erase(c.deliveries.begin() + static_cast<std::ptrdiff_t>(i));
            else
                ++i;
            const bool all_sent = c.deliveries.empty();
            if (all_sent) state_.told(first, now_s());  // c is gone
            // Saved after every send, so that a crash sends again at most this one.
            if (!save(err)) return false;
            if (all_sent) break;
        }
        if (g_stop) break;
    }
    return true;
}

bool Notifier::round(std::string* err, bool* more) {
    // The journal is read a batch at a time, and not while kMaxDue alerts wait to be
    // sent: what is not read yet waits in the journal, so that the state (written
    // after every send) stays small however far behind --notify is.
    *more = false;
    bool read_all = false;
    for (;;) {
        if (due_count() >= kMaxDue) {  // the rest of the journal waits for these
            *more = true;
            break;
        }
        std::string read_err;
        bool end = false;
        if (!follower_.poll([this](std::string_view l, const JournalPlace& p) { on_line(l, p); }, kMaxJournalLine,
                            kBatch, &skipped_, &end, &read_err)) {
            if (read_err != read_error_) log_line(LogLevel::Error, "notify: " + read_err);
            read_error_ = read_err;
            break;
        }
        if (!read_error_.empty()) log_line(LogLevel::Info, "notify: the journal reads again");
        read_error_.clear();
        const std::int64_t now = now_s();
        for (const std::string& first : touched_) decide(first, now, false);
        touched_.clear();
        if (end) {
            read_all = true;
            break;
        }
        *more = true;
    }
    if (skipped_ != skipped_said_) {
        log_line(LogLevel::Warn, "notify: " + std::to_string(skipped_ - skipped_said_) +
                                     " lines of the journal are no event (torn, or longer than 16 KiB); skipped");
        skipped_said_ = skipped_;
    }
    const std::int64_t now = now_s();
    // The calls whose outcome comes with time (lost, forwarded out of sight).
    std::vector<std::string> waiting;
    for (const auto& [first, c] : state_.calls)
        if (c.outcome.empty()) waiting.push_back(first);
    for (const std::string& first : waiting) decide(first, now, read_all);
    state_.forget_done(now);
    if (follower_.place().offset != state_.place.offset || follower_.place().ino != state_.place.ino) dirty_ = true;
    if (!send_due(now, err)) return false;
    if ((dirty_ || state_.done_changes != done_saved_) && now != saved_at_ && !save(err)) return false;
    *more = *more || due_count() > 0;
    return true;
}

std::size_t Notifier::due_count() const {
    const std::int64_t now = now_s();
    std::size_t n = 0;
    for (const auto& [first, c] : state_.calls)
        for (const Delivery& d : c.deliveries) n += d.next <= now;
    return n;
}

}  // namespace

int run_notify(const NotifyOptions& o) {
    std::vector<std::string> errors;
    std::shared_ptr<const RuleSet> rules = load_rule_set(o.config, &errors);
    for (const std::string& e : errors) log_line(LogLevel::Error, "notify: " + log_text(e));
    if (!rules) return 1;
    log_set_level(rules->settings.log);
    if (rules->settings.journal.empty()) {
        log_line(LogLevel::Error, "notify: " + o.config + " keeps no journal ([settings] journal): nothing to follow");
        return 1;
    }
    if (rules->notifies.empty())
        log_line(LogLevel::Warn, "notify: " + o.config + " has no [notify NAME] section: nobody is told");
    const std::string state = !o.state.empty()                        ? o.state
                              : !rules->settings.notify_state.empty() ? rules->settings.notify_state
                                                                      : rules->settings.journal + ".notify-state";
    struct sigaction sa = {};
    sa.sa_handler = on_stop;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    sa.sa_handler = on_reload;
    ::sigaction(SIGHUP, &sa, nullptr);
    sa.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &sa, nullptr);
    sa.sa_handler = SIG_DFL;  // sendmail's exit status is waited for, even when SIGCHLD came ignored
    ::sigaction(SIGCHLD, &sa, nullptr);

    Notifier n(rules, o.config, state);
    std::string err;
    if (!n.start(&err)) {
        log_line(LogLevel::Error, "notify: " + log_text(err));
        return 1;
    }
    while (!g_stop) {
        if (g_reload) {
            g_reload = 0;
            n.reload();
        }
        bool more = false;
        if (!n.round(&err, &more)) {
            log_line(LogLevel::Error, "notify: " + log_text(err));
            return 1;
        }
        if (o.once && !more) break;
        if (!g_stop && !more) ::poll(nullptr, 0, 500);
    }
    if (!n.save(&err, true)) {
        log_line(LogLevel::Error, "notify: " + log_text(err));
        return 1;
    }
    log_line(LogLevel::Info, g_stop ? "notify: stopped, state saved" : "notify: done (--once), state saved");
    return 0;
}

}  // namespace cr
