// What an alert says of a call (SPEC section 10): which [notify NAME] sections want it,
// and its mail and its webhook's JSON. Pure: the call and the rules in, text out.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "journal/calls.h"
#include "notify/mail.h"
#include "rules/model.h"

namespace cr {

// How a call ended, as --notify tells it: call_outcome's (journal/calls.h) answered,
// voicemail, missed or lost, or "forwarded": every leg hung up, the last one forwarded
// the call, and no leg followed within kForwardQuiet seconds (forwarded out of the
// journal's sight).
constexpr std::int64_t kForwardQuiet = 120;

// The NotifyOn bit of an outcome (missed and lost: kOnMissed; forwarded: only every).
unsigned outcome_bit(const std::string& outcome);

// Whether [notify] `n` tells of call `c` that ended with `outcome`: its outcome in `on`,
// its direction, its called number in `to`, its start within `when` (local to `tz`).
bool notify_wants(const Notify& n, const CallRow& c, const std::string& outcome, const RuleSet& rules);

// The alert's mail to n.mail: its subject, a body of one field a line (caller, called
// number, time, rule, outcome, voicemail, ring and talk time, who answered, the hangup
// cause, the call's id; a control character in a field, which came from the network,
// is a blank), a Message-ID that is the same each time the same alert is sent (callId
// and section name, at the domain of mail_from).
Mail alert_mail(const Notify& n, const CallRow& c, const std::string& outcome, const RuleSet& rules, std::int64_t now);

// The webhook's JSON: {"text": one line for a chat ('&', '<', '>' escaped as Slack
// wants them, '@' followed by a zero-width space: no field mentions everyone or makes
// a Slack link), "id", "notify",
// "callId", "from",
// "to", "direction", "start", "outcome", "voicemail", "rule", "action", "legs",
// "answeredBy", "ringSeconds", "talkSeconds", "cause"}.
std::string alert_json(const Notify& n, const CallRow& c, const std::string& outcome, const RuleSet& rules);

// "Missed call from 49211123456 to 4921199999", the subject and the chat line.
std::string alert_summary(const CallRow& c, const std::string& outcome, const TimeZone& tz);

// `s` as a JSON string, quotes included; bytes that are not UTF-8 become U+FFFD.
std::string json_string(const std::string& s);

}  // namespace cr
