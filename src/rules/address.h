// The addresses alerts go to ([notify NAME] mail and webhook, [settings] mail_from and
// digest_to; callrouter.ini(5), NOTIFY), checked when the rules load so that --notify
// never meets one it cannot use.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "rules/model.h"

namespace cr {

// Reads "Anna Schmidt <anna@example.com>, office@example.com" (commas or lines between
// them) into *out. An address is local@domain in ASCII (no blanks, quotes or control
// characters); a name is UTF-8 without control characters, '<', '>', '"', '\\' or ','.
// Returns false with *err naming the first bad one.
bool parse_mail_addresses(std::string_view value, std::vector<MailAddress>* out, std::string* err);
bool parse_mail_address(std::string_view one, MailAddress* out, std::string* err);

// A webhook's URL: https://HOST[:PORT][/PATH], or http:// to a loopback address
// (127.0.0.0/8, [::1], localhost), for a relay on the same host and the tests. No
// blanks, control characters or #fragment. Returns false with *err saying why not.
bool check_webhook_url(std::string_view url, std::string* err);

// Whether `url` (checked as above) names a loopback host.
bool url_host_is_loopback(std::string_view url);

// A list of waits such as "10s 1m 5m 1h" (s, m or h; 1 to 20 of them, each 1 s to
// 24 h) into seconds. Returns false with *err.
bool parse_waits(std::string_view value, std::vector<int>* out, std::string* err);

}  // namespace cr
