#include "notify/alert.h"

#include <cstdio>

#include "base/civil.h"
#include "base/text.h"
#include "rules/number.h"

namespace cr {

namespace {

// A value of the journal (from the network: a caller's number, who answered) on one
// line: control characters as blanks, so that no value makes a line of its own.
std::string one_line(const std::string& s) {
    std::string out = s;
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return out;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : one_line(s); }

// The chat line: '&', '<' and '>' escaped as Slack wants them (Mattermost and
// Rocket.Chat, whose Markdown takes the entities back, show them as they were), so
// that a name cannot mention everyone ("<!channel>") or make a link there; and '@'
// followed by a zero-width space, so that "@channel" or "@all" mentions nobody in
// Mattermost or Rocket.Chat either. (A Markdown link in a name stays one there.)
std::string chat_text(const std::string& s) {
    std::string out;
    for (char c : one_line(s)) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '@')
            out += "@\xe2\x80\x8b";
        else
            out += c;
    }
    return out;
}

std::string caller(const CallRow& c) {
    return c.from.empty() || lower(c.from) == "anonymous" ? "anonymous" : one_line(c.from);
}

std::int64_t ring_seconds(const CallRow& c) {
    std::int64_t until = c.answered >= 0 ? c.answered : c.ended;
    return c.start >= 0 && until >= c.start ? until - c.start : -1;
}

std::int64_t talk_seconds(const CallRow& c) {
    return c.answered >= 0 && c.ended >= c.answered ? c.ended - c.answered : -1;
}

// A callId as the left of a Message-ID may hold it (RFC 5322 dot-atom-text): other
// bytes as =HH.
std::string id_part(const std::string& s) {
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            out += ch;
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "=%02X", c);
            out += buf;
        }
    }
    return out.empty() ? "none" : out;
}

// A line of the body: the label in a column of its own.
void field(std::string* out, const char* label, const std::string& value) {
    std::string l = std::string(label) + ":";
    l.resize(13, ' ');
    *out += l + value + "\n";
}

}  // namespace

unsigned outcome_bit(const std::string& outcome) {
    if (outcome == "missed" || outcome == "lost") return kOnMissed;
    if (outcome == "voicemail") return kOnVoicemail;
    if (outcome == "answered") return kOnAnswered;
    return 8;  // forwarded: within every only
}

bool notify_wants(const Notify& n, const CallRow& c, const std::string& outcome, const RuleSet& rules) {
    if (!(n.on & outcome_bit(outcome))) return false;
    if (n.direction != Notify::Any && c.direction != (n.direction == Notify::In ? "in" : "out")) return false;
    if (n.to) {
        Number num;
        std::string err;
        if (!parse_number(c.to, rules.settings.country_code, false, &num, &err) || !n.to->matches(num)) return false;
    }
    if (n.when && n.when->open_at(rules.tz.to_local(c.start), nullptr) == n.when_negated) return false;
    return true;
}

std::string alert_summary(const CallRow& c, const std::string& outcome, const TimeZone& tz) {
    const char* what = outcome == "missed"      ? "Missed call"
                       : outcome == "voicemail" ? "Voicemail"
                       : outcome == "answered"  ? "Answered call"
                       : outcome == "lost"      ? "Lost call (no hangup came)"
                                                : "Forwarded call";
    std::string s =
        std::string(what) + " from " + caller(c) + " to " + or_dash(c.to) + " at " + format_local_time(tz, c.start);
    if (outcome == "answered" && !c.answered_by.empty()) s += ", answered by " + one_line(c.answered_by);
    return s;
}

Mail alert_mail(const Notify& n, const CallRow& c, const std::string& outcome, const RuleSet& rules, std::int64_t now) {
    const Settings& st = rules.settings;
    Mail m;
    m.from = st.mail_from;
    m.to = n.mail;
    m.subject = alert_summary(c, outcome, rules.tz);
    std::string domain =
        st.mail_from.address.empty() ? host_name() : st.mail_from.address.substr(st.mail_from.address.rfind('@') + 1);
    m.message_id = id_part(c.call_id) + "." + id_part(n.name) + ".callrouter@" + domain;
    m.date = now;
    std::string b;
    b += m.subject + "\n\n";
    field(&b, "Caller", caller(c));
    field(&b, "Called", or_dash(c.to));
    field(&b, "Direction", or_dash(c.direction));
    std::string zone = rules.settings.timezone.empty() ? "" : " (" + rules.settings.timezone + ")";
    field(&b, "When", format_local_time(rules.tz, c.start) + zone);
    field(&b, "Rule", c.legs.empty() ? "-" : or_dash(c.legs.front()));
    field(&b, "Action", or_dash(c.action));
    std::string legs;
    for (const std::string& l : c.legs) legs += (legs.empty() ? "" : " -> ") + or_dash(l);
    if (c.legs.size() > 1) field(&b, "Legs", legs);
    field(&b, "Outcome", outcome);
    field(&b, "Voicemail",
          c.by_voicemail ? "yes, the voicemail took the call (" + format_duration(c.answered, c.ended) + ")" : "no");
    field(&b, "Answered by", or_dash(c.answered_by));
    field(&b, "Rang", format_duration(c.start, c.answered >= 0 ? c.answered : c.ended));
    if (c.answered >= 0) field(&b, "Talked", format_duration(c.answered, c.ended));
    field(&b, "Hangup", or_dash(c.cause));
    field(&b, "Call id", or_dash(c.call_id));
    b += "\n-- \ncallrouter --notify: [notify " + n.name + "] in " + rules.path + ", line " + std::to_string(n.line) +
         "\n";
    m.body = b;
    return m;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = utf8_length(s, i);
        if (!len) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += s[i];
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out.append(s, i, len);
        }
        i += len;
    }
    return out + "\"";
}

std::string alert_json(const Notify& n, const CallRow& c, const std::string& outcome, const RuleSet& rules) {
    auto num = [](std::int64_t v) { return v < 0 ? std::string("null") : std::to_string(v); };
    std::string legs = "[";
    for (const std::string& l : c.legs) legs += (legs.size() > 1 ? "," : "") + json_string(l);
    legs += "]";
    return "{\"text\":" + json_string(chat_text(alert_summary(c, outcome, rules.tz))) +
           ",\"id\":" + json_string(c.call_id + "/" + n.name) + ",\"notify\":" + json_string(n.name) +
           ",\"callId\":" + json_string(c.call_id) + ",\"from\":" + json_string(c.from) +
           ",\"to\":" + json_string(c.to) + ",\"direction\":" + json_string(c.direction) +
           ",\"start\":" + json_string(utc_stamp(c.start)) + ",\"outcome\":" + json_string(outcome) +
           ",\"voicemail\":" + (c.by_voicemail ? "true" : "false") +
           ",\"rule\":" + json_string(c.legs.empty() ? "" : c.legs.front()) + ",\"action\":" + json_string(c.action) +
           ",\"legs\":" + legs + ",\"answeredBy\":" + json_string(c.answered_by) +
           ",\"ringSeconds\":" + num(ring_seconds(c)) + ",\"talkSeconds\":" + num(talk_seconds(c)) +
           ",\"cause\":" + json_string(c.cause) + "}";
}

}  // namespace cr
