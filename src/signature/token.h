// The tokens that bind a menu's keys and an announcement's follow-up to their call
// (callrouter(8), TOKENS): every onData URL callrouter writes carries
// t=HMAC-SHA256(secret, callId "\n" what), cut to 128 bits, in hex; the dtmf push that
// comes back to it must carry the same. A signed push replayed from another call or
// another sipgate.io account, or a URL made up, does not.
#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace cr {

struct CryptoTable;

// The installation's secret ([settings] secret = FILE), loaded once per rule file and
// shared by every request.
class Secret {
public:
    // The shortest secret taken, in bytes.
    static constexpr std::size_t kMinBytes = 32;
    // The secret in the text of its file (trailing white space and newlines are not
    // part of it) into *out. Returns false with *err when it is shorter than kMinBytes,
    // or libcrypto cannot be loaded or make a token.
    static bool from_text(std::string_view text, std::shared_ptr<const Secret>* out, std::string* err);

    // The token for the call `call_id` and what the URL continues, `what` (as
    // "menu=main" or "then=rule.closed"): 32 lowercase hex digits; empty when
    // libcrypto fails (a URL without a token is then refused, and the call goes on as
    // the account is set up).
    std::string token(std::string_view call_id, std::string_view what) const;
    // Whether `given` is that token (compared in constant time); false when none can be made.
    bool matches(std::string_view call_id, std::string_view what, std::string_view given) const;

private:
    Secret(const CryptoTable* lib, std::string key) : lib_(lib), key_(std::move(key)) {}
    const CryptoTable* lib_;
    std::string key_;
};

}  // namespace cr
