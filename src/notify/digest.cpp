#include "notify/digest.h"

#include <algorithm>
#include <cstdio>

#include "base/text.h"

namespace cr {

namespace {

constexpr const char* kOutcomes[] = {"answered", "voicemail", "missed", "lost", "open"};

std::size_t outcome_index(const std::string& o) {
    for (std::size_t i = 0; i < 5; ++i)
        if (o == kOutcomes[i]) return i;
    return 4;
}

std::string pad(std::string s, std::size_t width) {
    std::size_t cols = utf8_columns(s);
    if (cols < width) s.append(width - cols, ' ');
    return s;
}

std::string count(std::size_t n) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%5zu", n);
    return buf;
}

// A label value of the exposition format: '\\', '"' and newline escaped.
std::string label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

void Digest::add(const CallRow& c) {
    // A call back: an outgoing call to a caller not reached, after that call.
    if (c.direction == "out" && !c.to.empty())
        for (Caller& k : callers_)
            if (k.called_back < 0 && k.from == c.to && c.start >= k.start) k.called_back = c.start;
    if (c.start < since_ || c.start >= until_) return;
    const std::string outcome = call_outcome(c, until_);
    if (c.direction == "out") {
        ++out_;
        if (outcome == "answered") ++out_answered_;
        return;
    }
    ++in_;
    ++by_outcome_[outcome_index(outcome)];
    hours_[rules_.tz.to_local(c.start).hour]++;
    if (outcome == "missed" || outcome == "lost" || outcome == "voicemail") {
        if (callers_.size() < kMaxCallers)
            callers_.push_back(Caller{c.start, c.from.empty() ? "anonymous" : c.from, c.to, outcome});
        else
            ++more_callers_;
    }
}

std::string Digest::subject() const {
    return "callrouter: " + std::to_string(in_) + " incoming calls, " +
           std::to_string(by_outcome_[2] + by_outcome_[3]) + " missed, " + std::to_string(by_outcome_[1]) +
           " to the voicemail (" + format_local_time(rules_.tz, since_).substr(0, 16) + " to " +
           format_local_time(rules_.tz, until_).substr(0, 16) + ")";
}

std::string Digest::text() const {
    const TimeZone& tz = rules_.tz;
    std::string t = "Calls from " + format_local_time(tz, since_).substr(0, 16) + " to " +
                    format_local_time(tz, until_).substr(0, 16) + " (" + tz.name() + ")\n\n";
    t += "Incoming calls: " + std::to_string(in_) + "\n";
    for (std::size_t i = 0; i < 5; ++i) t += "  " + pad(kOutcomes[i], 10) + count(by_outcome_[i]) + "\n";
    t += "Outgoing calls: " + std::to_string(out_) + " (" + std::to_string(out_answered_) + " answered)\n\n";
    std::size_t not_reached = callers_.size() + more_callers_;
    t += "Calls not taken by a person: " + std::to_string(not_reached) + "\n";
    std::size_t back = 0;
    for (const Caller& k : callers_) {
        std::string when = format_local_time(tz, k.start).substr(0, 16);
        std::string cb =
            k.called_back < 0 ? "not called back" : "called back " + format_local_time(tz, k.called_back).substr(0, 16);
        back += k.called_back >= 0;
        t += "  " + when + "  " + pad(utf8_cut(k.from, 24), 24) + " to " + pad(utf8_cut(k.to, 16), 16) + " " +
             pad(k.outcome, 10) + " " + cb + "\n";
    }
    if (more_callers_) t += "  ... and " + std::to_string(more_callers_) + " more\n";
    if (!callers_.empty())
        t += "  " + std::to_string(back) + " of " + std::to_string(callers_.size()) + " called back\n";
    t += "\nIncoming calls by hour:\n";
    std::size_t peak = *std::max_element(std::begin(hours_), std::end(hours_));
    int first = 24, last = -1;
    for (int h = 0; h < 24; ++h)
        if (hours_[h]) {
            first = std::min(first, h);
            last = h;
        }
    if (last < 0) t += "  none\n";
    for (int h = first; h <= last; ++h) {
        char head[16];
        std::snprintf(head, sizeof head, "  %02d:00 ", h);
        std::size_t n = hours_[h];
        std::size_t bar = peak ? (n * 40 + peak - 1) / peak : 0;
        t += head + count(n) + " " + std::string(bar, '#') + "\n";
    }
    return t;
}

constexpr int Metrics::kBuckets[];

void Metrics::event(const JournalEvent& e) {
    const std::string* ev = e.field("event");
    const std::string* status = e.field("status");
    ++events_[{ev ? *ev : "newCall", status ? *status : "200"}];
    latest_ = std::max(latest_, e.time);
}

void Metrics::call(const CallRow& c) {
    const std::string rule = c.legs.empty() ? "-" : c.legs.front();
    const std::string outcome = call_outcome(c, now_);
    if (outcome == "open")
        ++open_;
    else
        ++calls_[{rule, c.direction.empty() ? "-" : c.direction, outcome}];
    if (c.direction != "in" || c.start < 0) return;
    const std::int64_t until = c.answered >= 0 ? c.answered : c.ended;
    if (until < c.start) return;
    const std::int64_t ring = until - c.start;
    std::size_t b = 0;
    while (b < sizeof kBuckets / sizeof kBuckets[0] && ring > kBuckets[b]) ++b;
    ++ring_[b];
    ++ring_count_;
    ring_sum_ += ring;
}

std::string Metrics::text(std::size_t skipped) const {
    std::string t;
    t += "# HELP callrouter_events_total Pushes answered 200 and journalled, by event.\n"
         "# TYPE callrouter_events_total counter\n";
    for (const auto& [k, n] : events_)
        t += "callrouter_events_total{event=\"" + label(k.first) + "\",status=\"" + label(k.second) + "\"} " +
             std::to_string(n) + "\n";
    t += "# HELP callrouter_calls_total Calls of the journal that ended, by the first leg's rule, direction and "
         "outcome.\n"
         "# TYPE callrouter_calls_total counter\n";
    for (const auto& [k, n] : calls_)
        t += "callrouter_calls_total{rule=\"" + label(std::get<0>(k)) + "\",direction=\"" + label(std::get<1>(k)) +
             "\",outcome=\"" + label(std::get<2>(k)) + "\"} " + std::to_string(n) + "\n";
    t += "# HELP callrouter_calls_open Calls of the journal whose outcome is not known yet.\n"
         "# TYPE callrouter_calls_open gauge\n"
         "callrouter_calls_open " +
         std::to_string(open_) + "\n";
    t += "# HELP callrouter_ring_seconds How long incoming calls rang before an answer or the hangup.\n"
         "# TYPE callrouter_ring_seconds histogram\n";
    std::size_t cum = 0;
    for (std::size_t b = 0; b < sizeof kBuckets / sizeof kBuckets[0]; ++b) {
        cum += ring_[b];
        t += "callrouter_ring_seconds_bucket{le=\"" + std::to_string(kBuckets[b]) + "\"} " + std::to_string(cum) + "\n";
    }
    t += "callrouter_ring_seconds_bucket{le=\"+Inf\"} " + std::to_string(ring_count_) + "\n";
    t += "callrouter_ring_seconds_sum " + std::to_string(ring_sum_) + "\n";
    t += "callrouter_ring_seconds_count " + std::to_string(ring_count_) + "\n";
    t += "# HELP callrouter_journal_skipped_lines Lines of the journal that are no event (torn or too long).\n"
         "# TYPE callrouter_journal_skipped_lines gauge\n"
         "callrouter_journal_skipped_lines " +
         std::to_string(skipped) + "\n";
    t += "# HELP callrouter_journal_last_event_timestamp_seconds When the latest event of the journal came.\n"
         "# TYPE callrouter_journal_last_event_timestamp_seconds gauge\n"
         "callrouter_journal_last_event_timestamp_seconds " +
         std::to_string(std::max<std::int64_t>(latest_, 0)) + "\n";
    return t;
}

}  // namespace cr
