// sipgate.io's push signature (callrouter.ini(5), SIGNATURE): the X-Sipgate-Signature
// header holds base64 of an RSA-SHA256 signature (PKCS#1 v1.5) over the raw body.
// Verified with OpenSSL's libcrypto; everything here is safe to call from any thread.
#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace cr {

// An RSA public key, loaded once per rule file and shared by every request.
class PublicKey {
public:
    // The key in PEM text `pem` ("-----BEGIN PUBLIC KEY-----", SubjectPublicKeyInfo, or
    // "BEGIN RSA PUBLIC KEY", PKCS#1). Returns null with *err set ("not a PEM public
    // key", "an EC key, not RSA", ...) when it holds no RSA public key.
    static std::shared_ptr<const PublicKey> from_pem(std::string_view pem, std::string* err);
    // sipgate.io's own key (4096 bit), built into the binary. Returns null with *err
    // only when libcrypto cannot be loaded or cannot read that key (set up wrong).
    static std::shared_ptr<const PublicKey> sipgate(std::string* err);

    ~PublicKey();
    PublicKey(const PublicKey&) = delete;
    PublicKey& operator=(const PublicKey&) = delete;

    int bits() const;
    // Whether `sig` (the raw signature, decoded) is this key's RSA-SHA256 PKCS#1 v1.5
    // signature of `body`. False for a signature of another length, another key or body.
    bool verify(std::string_view body, std::string_view sig) const;

private:
    explicit PublicKey(void* pkey) : pkey_(pkey) {}
    void* pkey_;  // EVP_PKEY*, kept out of this header
};

// The longest header value taken: base64 of a 16384-bit signature is 2732 characters.
constexpr std::size_t kMaxSignatureHeader = 4096;

// Strict base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding to a multiple of 4,
// no white space, no other character). Returns false when `text` is not that.
bool base64_decode(std::string_view text, std::string* out);

// The outcome of checking a request's header against the body, for the log line
// (signature=ok|missing|bad) and the 403's one line.
struct SignatureCheck {
    enum Result { Ok, Missing, Bad } result = Missing;
    std::string reason;  // for a 403: "no X-Sipgate-Signature header", ...
    const char* word() const { return result == Ok ? "ok" : result == Missing ? "missing" : "bad"; }
};

// Checks `header` (the value of X-Sipgate-Signature, null when the request had none)
// against the exact bytes of `body` with `key`.
SignatureCheck check_signature(const PublicKey& key, const std::string* header, std::string_view body);

}  // namespace cr
