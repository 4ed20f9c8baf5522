// [notify NAME]: which calls are told to whom, by mail and webhook (callrouter.ini(5),
// NOTIFY; SPEC section 10). Read here, sent by --notify.
#include <algorithm>

#include "base/text.h"
#include "rules/address.h"
#include "rules/loader.h"

namespace cr::loader {

namespace {

const KeySpec kNotify[] = {{"on", false, kOn},      {"direction", false, kNotifyDirection},
                           {"to", true, kNotifyTo}, {"when", false, kNotifyWhen},
                           {"mail", true, kMail},   {"webhook", false, kWebhook}};

}  // namespace

const KeyTable kNotifyKeys = key_table(kNotify);

void Loader::notify(const Section& s) {
    const std::vector<Keyed> keys = keyed(s, kNotifyKeys, "[notify]");
    Notify n;
    n.name = s.name;
    n.line = s.line;
    for (const Keyed& k : keys) notify_key(&n, k);
    const bool has_on = std::any_of(keys.begin(), keys.end(), [](const Keyed& k) { return k.id == kOn; });
    if (!has_on) error(s.line, "[notify " + s.name + "] has no 'on' (missed, voicemail, answered or every)");
    if (n.mail.empty() && n.webhook.empty() &&
        std::none_of(keys.begin(), keys.end(), [](const Keyed& k) { return k.id == kMail || k.id == kWebhook; }))
        error(s.line, "[notify " + s.name + "] has neither 'mail' nor 'webhook': nobody to tell");
    if (rs_->settings.journal.empty())
        warning(s.line, "[notify " + s.name + "] has nothing to tell without a journal ([settings] journal)");
    rs_->notifies.push_back(std::move(n));
}

void Loader::notify_key(Notify* n, const Keyed& k) {
    const IniEntry& e = *k.entry;
    std::string v(trim(e.value));
    std::string err;
    switch (k.id) {
    case kOn: {
        std::vector<std::string> words;
        std::string flat = v;
        std::replace(flat.begin(), flat.end(), '|', ',');
        if (!split_list(flat, &words, &err) || words.empty()) {
            error(e.line, "on must name outcomes: missed, voicemail, answered or every, not " + quote(v));
            break;
        }
        for (const std::string& w : words) {
            unsigned bit = w == "missed"      ? unsigned{kOnMissed}
                           : w == "voicemail" ? kOnVoicemail
                           : w == "answered"  ? kOnAnswered
                           : w == "every"     ? kOnEvery
                                              : 0u;
            if (!bit) error(e.line, "unknown outcome " + quote(w) + " (missed, voicemail, answered or every)");
            n->on |= bit;
        }
        break;
    }
    case kNotifyDirection:
        if (v == "in" || v == "out" || v == "any")
            n->direction = v == "in" ? Notify::In : v == "out" ? Notify::Out : Notify::Any;
        else
            error(e.line, "direction must be in, out or any, not " + quote(v));
        break;
    case kNotifyTo: n->to = number_match(e); break;
    case kNotifyWhen: when(&n->when, &n->when_negated, e, v); break;
    case kMail:
        if (!parse_mail_addresses(e.value, &n->mail, &err)) error(e.line, "mail: " + err);
        break;
    case kWebhook:
        if (!check_webhook_url(v, &err))
            error(e.line, err);
        else
            n->webhook = v;
        break;
    }
}

}  // namespace cr::loader
