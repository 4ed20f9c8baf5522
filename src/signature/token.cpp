#include "signature/token.h"

#include "signature/crypto.h"

namespace cr {

bool Secret::from_text(std::string_view text, std::shared_ptr<const Secret>* out, std::string* err) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    if (text.size() < kMinBytes) {
        *err = "the secret is " + std::to_string(text.size()) + " bytes; it needs at least " +
               std::to_string(kMinBytes) + " (make one with: head -c 32 /dev/urandom | base64)";
        return false;
    }
    const CryptoTable* lib = nullptr;
    if (!load_crypto(&lib, err)) return false;
    std::shared_ptr<const Secret> s(new Secret(lib, std::string(text)));
    if (s->token("", "").empty()) {  // libcrypto that cannot make one refuses the rules, not a call
        *err = "libcrypto cannot compute HMAC-SHA256";
        return false;
    }
    *out = std::move(s);
    return true;
}

std::string Secret::token(std::string_view call_id, std::string_view what) const {
    std::string data;
    data.reserve(call_id.size() + 1 + what.size());
    data.append(call_id).append(1, '\n').append(what);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const EVP_MD* md = lib_->EVP_sha256();
    if (!md ||
        !lib_->HMAC(md, key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), mac, &len) ||
        len < 16) {
        lib_->ERR_clear_error();
        return std::string();
    }
    static const char hex[] = "0123456789abcdef";
    std::string out(32, '0');
    for (int i = 0; i < 16; ++i) {
        out[static_cast<std::size_t>(2 * i)] = hex[mac[i] >> 4];
        out[static_cast<std::size_t>(2 * i + 1)] = hex[mac[i] & 15];
    }
    return out;
}

bool Secret::matches(std::string_view call_id, std::string_view what, std::string_view given) const {
    const std::string want = token(call_id, what);
    if (want.empty() || given.size() != want.size()) return false;
    unsigned diff = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        diff |= static_cast<unsigned>(static_cast<unsigned char>(want[i]) ^ static_cast<unsigned char>(given[i]));
    return diff == 0;
}

}  // namespace cr
