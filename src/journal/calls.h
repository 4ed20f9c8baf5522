// --calls: the call journal (journal/journal.h) as a table, one row a call, its legs
// joined by callId and origCallId. The journal is read as a stream and the calls joined in bounded memory, so
// that a journal of any size (a year of a busy office) is listed in a few megabytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/fd.h"
#include "journal/journal.h"
#include "time/tz.h"

namespace cr {

// One call as its events tell it: its first leg and the later legs joined to it by
// origCallId (a forward, a transfer, the account's voicemail after N seconds; SPEC
// section 9). A time of -1 means that event is not in the journal.
struct CallRow {
    std::string call_id;         // the first leg's (a later leg's origCallId)
    std::int64_t start = -1;     // newCall (else the first event seen)
    std::int64_t answered = -1;  // the first answer, by a person or the voicemail
    std::int64_t ended = -1;     // the last hangup
    std::int64_t last = -1;      // the latest event
    std::string direction, from, to, action, answered_by, cause;
    std::vector<std::string> legs;  // what each leg was: its rule, "voicemail", or who was rung
    std::vector<std::string> path;  // the menus walked: "main:1", "support:none", ...
    bool by_person = false;         // a person (or a number) answered
    bool by_voicemail = false;      // the voicemail (or a queue) answered
    bool open = false;              // a leg has no hangup
};

// How a call ended (callrouter(8), --calls): "answered" (by a person), "voicemail"
// (answered only by the voicemail), "missed" (every leg hung up, nobody answered),
// "open" (a leg still without hangup), or "lost" when that leg has had no event for
// kLostAfter seconds before `now` (its hangup push never came).
constexpr std::int64_t kLostAfter = 3600;
const char* call_outcome(const CallRow& c, std::int64_t now);

// "12s", "3m04s", "1h02m05s" from `from` to `to`; "-" for an unknown length.
std::string format_duration(std::int64_t from, std::int64_t to);
// "2026-11-27 09:59:58", local to `tz`; "-" for an unknown time (< 0).
std::string format_local_time(const TimeZone& tz, std::int64_t t);

// Joins events, added in the journal's order, into calls: by callId, and a later leg
// (a newCall whose origCallId is not its callId) to the call its origCallId names,
// with that leg's own events after it (events without callId are left out). Hands each
// call to `out` once, in the order the calls started (then of their first event): when
// every leg's hangup came kGrace seconds of the journal's time ago (an event written
// after the hangup, by another process, or a leg that follows a forward, still joins
// it; a call that started a little earlier but was written later still comes first),
// or at finish(). A call whose hangup never comes is ended as it stands once it has had
// no event for kQuiet seconds; and when more than kMaxHeld calls are held, the first is
// handed on as it stands. A later event of a call handed on starts a row of its own.
// Memory: at most kMaxHeld calls, each with at most kMaxLegs legs (a leg past them is a
// call of its own), kMaxPath menus walked and kMaxAnswered bytes of who answered.
class CallJoiner {
public:
    static constexpr std::int64_t kGrace = 300;
    static constexpr std::int64_t kQuiet = 7 * 86400;
    static constexpr std::size_t kMaxHeld = 50000;
    static constexpr std::size_t kMaxPath = 32;
    static constexpr std::size_t kMaxLegs = 8;
    static constexpr std::size_t kMaxAnswered = 200;  // bytes of the names of who answered
    explicit CallJoiner(std::function<void(CallRow&&)> out) : out_(std::move(out)) {}

    void add(const JournalEvent& e);
    // Hands on every call still held.
    void finish();
    // The events added that name no callId (pushes of the oldest form, such as a curl
    // with from, to and direction only): no call to join them to, so in no row.
    std::size_t without_call_id() const { return without_id_; }

private:
    using Key = std::pair<std::int64_t, std::uint64_t>;  // start, then first-seen order
    struct LegState {
        std::string call_id;
        bool voicemail = false;  // its newCall's user[] held voicemail
        bool ended = false;
    };
    struct Held {
        CallRow row;
        std::uint64_t seq;
        std::vector<LegState> legs;
        bool quiet = false;  // no event for kQuiet: ended as it stands
        bool ended() const;
    };
    Key key(const Held& h) const { return {h.row.start, h.seq}; }
    void on_event(Held* h, LegState* leg, bool first, const JournalEvent& e);
    static void answered_by(CallRow& c, const LegState& leg, const std::string& user, const std::string& number);
    void release(std::int64_t now, bool all);

    std::function<void(CallRow&&)> out_;
    std::unordered_map<std::string, Held> held_;          // by the first leg's callId
    std::unordered_map<std::string, std::string> later_;  // a later leg's callId -> the first's
    std::map<Key, std::string> order_;                    // of held_, by start: the first to hand on first
    std::uint64_t seq_ = 0, added_ = 0;
    std::size_t without_id_ = 0;
};

// What a reading of the journal saw besides the events.
struct JournalRead {
    std::size_t skipped = 0;   // lines that are no event (a torn line among them)
    std::size_t too_long = 0;  // lines longer than kMaxJournalLine, skipped unread
};
constexpr std::size_t kMaxJournalLine = 16 * 1024;

// The journal as it was when opened: each read() reads the same lines, from the start
// to the size it had then, however the file grows or is renamed away meanwhile.
class JournalReader {
public:
    // Returns false with *err when the journal at `path` cannot be read.
    bool open(const std::string& path, std::string* err);
    // Reads the journal as a stream, a line at a time with a buffer of its own, and hands
    // each event to `on_event`; counts the lines that are not events, or too long, in
    // *read. Returns false with *err when a read fails.
    bool read(const std::function<void(const JournalEvent&)>& on_event, JournalRead* read, std::string* err) const;

private:
    UniqueFd fd_;
    std::uint64_t size_ = 0;
};

// The table of the calls that started at `since` or later, times local to `tz`: start,
// direction, from, to, legs, action, outcome (as of `now`), who answered, ring time,
// talk time, hangup cause; each column cut to a width of its own. Built in two passes,
// so that no row is kept: measure() every call, then head(), row() for every call
// again, in the same order, and tail().
class CallsTable {
public:
    CallsTable(const TimeZone& tz, std::int64_t since, std::int64_t now);
    void measure(const CallRow& c);
    std::string head() const;
    std::string row(const CallRow& c) const;  // empty for a call before `since`
    std::string tail() const;                 // "N calls"

private:
    static constexpr std::size_t kCols = 11;
    bool cells(const CallRow& c, std::string (&out)[kCols]) const;
    std::string line(const std::string (&cells)[kCols]) const;

    const TimeZone& tz_;
    std::int64_t since_, now_;
    std::size_t width_[kCols] = {};
    std::size_t rows_ = 0;
};

// For a journal already in memory (the tests): the calls of `events` in order, and the
// whole table.
std::vector<CallRow> join_calls(const std::vector<JournalEvent>& events);
std::string calls_table(const std::vector<CallRow>& calls, const TimeZone& tz, std::int64_t since, std::int64_t now);

}  // namespace cr
