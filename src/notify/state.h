// What --notify keeps across a restart (SPEC section 10): its place in the journal, the
// calls whose outcome is not known yet (their journal lines), the alerts still to send
// with their tries, and the calls already told. Each file is written whole to a new file
// and renamed over the old one, so that a crash leaves the old state or the new, never a
// mix: a restart then sends nothing twice (but the one send a crash interrupted) and
// loses nothing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "notify/follow.h"

namespace cr {

// One alert to send: to a [notify NAME]'s mail or webhook.
struct Delivery {
    std::string notify;
    char channel = 'm';     // 'm' mail, 'w' webhook
    int tries = 0;          // failed so far
    std::int64_t next = 0;  // not before (UTC seconds)
};

// A call --notify holds: its lines until its outcome is known, then the alerts to send.
struct TrackedCall {
    std::vector<std::string> ids;    // every leg's callId; ids[0] is the first leg's
    std::vector<std::string> lines;  // its journal lines, in order
    std::string outcome;             // empty while not known
    std::vector<Delivery> deliveries;
    std::int64_t last = 0;  // the time of its latest line (not saved: read again from the lines)
    std::size_t bytes = 0;  // of its lines
    std::size_t menu_lines = 0;
};

struct NotifyState {
    static constexpr std::size_t kMaxCalls = 20000;      // held at once; beyond, the one
    static constexpr std::size_t kMaxBytes = 32u << 20;  // quiet longest is told as it stands
    static constexpr std::size_t kMaxMenuLines = 48;     // dtmf lines kept of one call
    static constexpr std::size_t kMaxLines = 96;         // lines kept of one call in all
    static constexpr std::int64_t kKeepDone = 3600;      // a call told is remembered this long
    static constexpr std::size_t kMaxDone = 100000;

    bool has_place = false;
    JournalPlace place;
    std::map<std::string, TrackedCall> calls;               // by the first leg's callId
    std::unordered_map<std::string, std::string> leg_of;    // a leg's callId -> the first's
    std::deque<std::pair<std::int64_t, std::string>> done;  // (when told, a leg's callId), oldest first
    std::unordered_set<std::string> done_ids;
    std::size_t bytes = 0;           // of the lines of every call held
    std::uint64_t done_changes = 0;  // counts the changes of `done`, for when to write PATH.done

    // The first leg's callId of the call `id` belongs to (itself when unknown).
    std::string first_of(const std::string& id) const;
    // Adds a line to call *c (counted in bytes); false when it is not kept (the call has
    // kMaxLines, or kMaxMenuLines of dtmf lines: a menu walked round and round).
    bool keep_line(TrackedCall* c, std::string_view line, bool menu);
    // Marks the call told: its ids remembered, the call dropped.
    void told(const std::string& first, std::int64_t now);
    // Marks one more callId told (a leg of a call told that came later).
    void told_id(const std::string& id, std::int64_t now);
    // Forgets calls told more than kKeepDone ago (and the oldest beyond kMaxDone).
    void forget_done(std::int64_t now);
};

// Writes *s to `path` (a file beside it, flushed, then rename(2)), mode 0640: the place
// and the calls held, after every send. With `done`, also PATH.done, the calls told,
// which change with every call told and are written at most once a second: a crash
// loses the last second of them, which matters only for a leg of such a call that
// comes later still (it is told on its own). Returns false with *err.
bool save_notify_state(const std::string& path, const NotifyState& s, bool done, std::string* err);

// Reads what save_notify_state wrote (PATH and PATH.done). Returns false with *err
// ("PATH:LINE: ...") when a file is broken; a missing PATH is an empty state without
// place (*missing set).
bool load_notify_state(const std::string& path, NotifyState* s, bool* missing, std::string* err);

}  // namespace cr
