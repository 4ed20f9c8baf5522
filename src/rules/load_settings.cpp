// [settings]: numbers, the time zone, limits, the log, the signature key, and where
// sipgate.io reaches callrouter (callrouter.ini(5), [settings]).
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "base/text.h"
#include "rules/action.h"
#include "rules/address.h"
#include "rules/loader.h"

namespace cr::loader {

namespace {

const KeySpec kSettings[] = {{"country_code", false, kCountryCode},
                             {"timezone", false, kTimezone},
                             {"max_body", false, kMaxBody},
                             {"require_user", false, kRequireUser},
                             {"log", false, kLog},
                             {"signature", false, kSignature},
                             {"signature_key", false, kSignatureKey},
                             {"public_url", false, kPublicUrl},
                             {"journal", false, kJournal},
                             {"secret", false, kSecret},
                             {"sendmail", false, kSendmail},
                             {"mail_from", false, kMailFrom},
                             {"notify_state", false, kNotifyState},
                             {"notify_retry", false, kNotifyRetry},
                             {"digest_to", true, kDigestTo},
                             {"state", false, kState}};

}  // namespace

const KeyTable kSettingsKeys = key_table(kSettings);

void Loader::settings(const Section& s) {
    const std::vector<Keyed> keys = keyed(s, kSettingsKeys, "[settings]");
    // country_code first: every number of the file depends on it.
    for (const Keyed& k : keys)
        if (k.id == kCountryCode) country_code(*k.entry);
    Settings& st = rs_->settings;
    for (const Keyed& k : keys) {
        const IniEntry& e = *k.entry;
        std::string v(trim(e.value));
        switch (k.id) {
        case kCountryCode: break;
        case kTimezone:
            st.timezone = v;
            timezone_line_ = e.line;
            break;
        case kMaxBody:
            if (long n = bounded_number(e, v, 64, static_cast<long>(kMaxBodyLimit), "bytes"); n > 0)
                st.max_body = static_cast<std::size_t>(n);
            break;
        case kRequireUser:
            if (v.empty() || std::any_of(v.begin(), v.end(),
                                         [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
                error(e.line, "require_user must be one user name, not " + quote(v));
            else
                st.require_user = v;
            break;
        case kLog: log_level(e, v); break;
        case kSignature:
            signature_line_ = e.line;
            if (v == "off" || v == "require")
                st.signature_required = v == "require";
            else
                error(e.line, "signature must be 'off' or 'require', not " + quote(v));
            break;
        case kPublicUrl: public_url(e, v); break;
        case kJournal:
            journal_line_ = e.line;
            if (v.empty())
                error(e.line, "journal is empty (leave it out for no journal)");
            else
                st.journal = beside_rules(v);
            break;
        case kSecret:
            secret_line_ = e.line;
            secret_file_ = v;
            if (v.empty()) error(e.line, "secret is empty (leave it out for menus that work unbound)");
            break;
        case kSendmail:
        case kMailFrom:
        case kNotifyState:
        case kNotifyRetry:
        case kDigestTo: mail_settings(e, k.id, v); break;
        case kState:
            state_line_ = e.line;
            if (v.empty())
                error(e.line, "state is empty (leave it out for the file switches beside the journal)");
            else
                st.switch_state = beside_rules(v);
            break;
        case kSignatureKey:
            signature_key_line_ = e.line;
            signature_key_file_ = v;
            if (v.empty()) error(e.line, "signature_key is empty (leave it out for sipgate.io's key)");
            break;
        }
    }
}

// The settings of alerts and the digest (callrouter.ini(5), NOTIFY).
void Loader::mail_settings(const IniEntry& e, int id, const std::string& v) {
    Settings& st = rs_->settings;
    std::string err;
    switch (id) {
    case kSendmail:
        if (v.empty() || v[0] != '/' ||
            std::any_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20; }))
            error(e.line, "sendmail must be the absolute path of the MTA's sendmail program, not " + quote(v));
        else
            st.sendmail = v;
        break;
    case kMailFrom:
        if (!parse_mail_address(v, &st.mail_from, &err)) error(e.line, "mail_from: " + err);
        break;
    case kNotifyState:
        if (v.empty())
            error(e.line, "notify_state is empty (leave it out for a state file beside the journal)");
        else
            st.notify_state = beside_rules(v);
        break;
    case kNotifyRetry:
        if (!parse_waits(v, &st.notify_retry, &err)) error(e.line, "notify_retry: " + err);
        break;
    case kDigestTo:
        if (!parse_mail_addresses(e.value, &st.digest_to, &err)) error(e.line, "digest_to: " + err);
        break;
    }
}

// public_url, and its path: a push that comes to another path is logged, since its
// follow-ups go to this one.
void Loader::public_url(const IniEntry& e, const std::string& v) {
    if (!is_url(v) || v.find('#') != std::string::npos) {
        error(e.line,
              "public_url must be the http:// or https:// URL sipgate.io reaches callrouter at "
              "(no #fragment), not " +
                  quote(v));
        return;
    }
    Settings& st = rs_->settings;
    st.public_url = v;
    std::size_t host = v.find("://") + 3;
    std::size_t path = v.find_first_of("/?", host);
    std::size_t query = v.find('?', host);
    st.public_path = path == std::string::npos || v[path] == '?' ? "/" : v.substr(path, query - path);
}

void Loader::country_code(const IniEntry& e) {
    std::string_view v = trim(e.value);
    if (!v.empty() && v[0] == '+') v.remove_prefix(1);
    if (v.empty() || v.size() > 3 || v[0] == '0' || !all_digits(v, 0, v.size()))
        error(e.line, "country_code must be 1 to 3 digits, not starting with 0 (e.g. 49), not " + quote(e.value));
    else
        rs_->settings.country_code = std::string(v);
}

void Loader::log_level(const IniEntry& e, const std::string& v) {
    static const char* const levels[] = {"error", "warn", "info", "debug"};
    auto it = std::find(std::begin(levels), std::end(levels), v);
    if (it == std::end(levels))
        error(e.line, "log must be error, warn, info or debug, not " + quote(v));
    else
        rs_->settings.log = static_cast<LogLevel>(it - std::begin(levels));
}

// The zone of [settings] timezone (the system's when unset), for [hours].
void Loader::time_zone() {
    std::string err;
    bool transient = false;
    if (!rs_->tz.load(rs_->settings.timezone, &err, &transient)) {
        if (transient) report_->transient = true;
        error(timezone_line_ ? timezone_line_ : 1, err);
    }
}

// The key of signature_key (read and checked whether or not signature = require, so
// that --check finds a bad one before it is turned on), else sipgate.io's own when
// signature = require.
void Loader::signature_key() {
    Settings& st = rs_->settings;
    std::string err;
    if (signature_key_file_.empty()) {
        if (st.signature_required && !signature_key_line_) {
            if (!PublicKey::sipgate(&st.signature_key, &err)) {
                error(signature_line_, "the built-in sipgate.io key: " + err);
                return;
            }
            st.signature_key_name = "sipgate.io's key";
        }
        return;
    }
    std::string path = beside_rules(signature_key_file_), pem;
    if (!read_named(path, kMaxKeyFile, "signature_key", signature_key_line_, &pem)) return;
    if (!PublicKey::from_pem(pem, &st.signature_key, &err)) {
        error(signature_key_line_, "signature_key " + path + ": " + err);
        return;
    }
    st.signature_key_name = path;
    if (!st.signature_required)
        warning(signature_key_line_, "signature_key has no effect while signature = off" +
                                         std::string(signature_line_ ? "" : " (the default)"));
}

// The secret of secret = FILE (callrouter(8), TOKENS): read, checked to be kept from
// other users, and at least Secret::kMinBytes long.
void Loader::secret() {
    if (secret_file_.empty()) return;
    std::string path = beside_rules(secret_file_), text;
    if (!read_named(path, kMaxKeyFile, "secret", secret_line_, &text)) return;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH))) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        const char* may = !(st.st_mode & S_IWOTH) ? "read" : !(st.st_mode & S_IROTH) ? "write" : "read and write";
        error(secret_line_,
              "secret " + path + ": every user may " + may + " it (mode " + mode + "); chmod o-rwx " + path);
        return;
    }
    std::string err;
    if (!Secret::from_text(text, &rs_->settings.secret, &err)) error(secret_line_, "secret " + path + ": " + err);
}

}  // namespace cr::loader
