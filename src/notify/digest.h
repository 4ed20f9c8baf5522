// --digest and --metrics (SPEC section 10): the journal summed up, for a mail each
// morning and for Prometheus (node_exporter's textfile collector). Both read the
// journal as a stream and join its calls in bounded memory (journal/calls.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "journal/calls.h"
#include "rules/model.h"

namespace cr {

// The digest of the calls that started from `since` to `until`: calls by outcome (in
// and out), the callers not reached by a person (missed, lost, voicemail) each with
// whether someone called them back (a later outgoing call to that number, up to the
// journal's end), and incoming calls by hour. Feed it every call of the journal, in
// order; then text().
class Digest {
public:
    static constexpr std::size_t kMaxCallers = 500;  // listed; the rest are counted
    Digest(const RuleSet& rules, std::int64_t since, std::int64_t until)
        : rules_(rules), since_(since), until_(until) {}
    void add(const CallRow& c);
    std::string text() const;
    // "callrouter: 12 calls, 3 missed (2026-12-06 07:00 to 2026-12-07 07:00)", for a subject.
    std::string subject() const;

private:
    struct Caller {
        std::int64_t start;
        std::string from, to, outcome;
        std::int64_t called_back = -1;  // the start of the call back
    };
    const RuleSet& rules_;
    std::int64_t since_, until_;
    std::size_t in_ = 0, out_ = 0;
    std::size_t by_outcome_[5] = {};  // answered, voicemail, missed, lost, open
    std::size_t out_answered_ = 0;
    std::size_t hours_[24] = {};
    std::vector<Caller> callers_;
    std::size_t more_callers_ = 0;
};

// The Prometheus exposition text of the calls and events of the journal: events
// (requests answered and journalled: status is 200 unless a line says otherwise) by
// event and status, the calls that ended by rule, direction and outcome, the calls
// still open, ring time of incoming calls as a histogram, lines skipped, and the time
// of the latest event. Counters of the journal file: they start again from 0 when it
// is rotated (a counter reset, as Prometheus takes it). Feed it every event and every
// call; then text().
class Metrics {
public:
    explicit Metrics(std::int64_t now) : now_(now) {}
    void event(const JournalEvent& e);
    void call(const CallRow& c);
    std::string text(std::size_t skipped) const;

private:
    static constexpr int kBuckets[] = {5, 10, 15, 20, 30, 45, 60, 90, 120, 300};
    std::int64_t now_;
    std::map<std::pair<std::string, std::string>, std::size_t> events_;               // (event, status)
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> calls_;  // ended
    std::size_t open_ = 0;                                                            // calls without an outcome yet
    std::size_t ring_[sizeof kBuckets / sizeof kBuckets[0] + 1] = {};
    std::size_t ring_count_ = 0;
    std::int64_t ring_sum_ = 0;
    std::int64_t latest_ = -1;
};

}  // namespace cr
