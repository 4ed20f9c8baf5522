// sipgate.io's push signature (callrouter(8), SIGNATURE): the X-Sipgate-Signature
// header holds base64 of an RSA-SHA256 signature (PKCS#1 v1.5) over the raw body.
// Verified with OpenSSL's libcrypto; everything here is safe to call from any thread.
#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace cr {

struct CryptoTable;

// An RSA public key, loaded once per rule file and shared by every request; it frees
// its EVP_PKEY when the last holder lets go.
class PublicKey {
public:
    // The key in PEM text `pem` ("-----BEGIN PUBLIC KEY-----", SubjectPublicKeyInfo, or
    // "BEGIN RSA PUBLIC KEY", PKCS#1) into *out. Returns false with *err set ("not a
    // public key in PEM form", "the key is EC, not RSA", ...) when it holds no RSA
    // public key of at least 2048 bits, or libcrypto cannot be loaded.
    static bool from_pem(std::string_view pem, std::shared_ptr<const PublicKey>* out, std::string* err);
    // sipgate.io's own key (4096 bit), built into the binary, into *out. Returns false
    // with *err only when libcrypto cannot be loaded or cannot read that key (set up
    // wrong).
    static bool sipgate(std::shared_ptr<const PublicKey>* out, std::string* err);

    ~PublicKey();
    PublicKey(const PublicKey&) = delete;
    PublicKey& operator=(const PublicKey&) = delete;

    int bits() const;
    // Whether `sig` (the raw signature, decoded) is this key's RSA-SHA256 PKCS#1 v1.5
    // signature of `body`. False for a signature of another length, another key or body.
    bool verify(std::string_view body, std::string_view sig) const;

private:
    PublicKey(const CryptoTable* lib, void* pkey) : lib_(lib), pkey_(pkey) {}
    const CryptoTable* lib_;  // libcrypto, loaded before any key is made
    void* pkey_;              // EVP_PKEY*, kept out of this header
};

// The longest header value taken: base64 of a 16384-bit signature is 2732 characters.
constexpr std::size_t kMaxSignatureHeader = 4096;

// Strict base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding to a multiple of 4,
// no white space, no other character). Returns false when `text` is not that.
bool base64_decode(std::string_view text, std::string* out);

// Checks `header` (the value of X-Sipgate-Signature, null when the request had none)
// against the exact bytes of `body` with `key`. Returns true when it verifies; else
// false with *why, one line for the 403 ("no X-Sipgate-Signature header", "the
// X-Sipgate-Signature header is not base64", "... does not verify: ..."). Throws
// std::bad_alloc when libcrypto has no memory for the check.
bool check_signature(const PublicKey& key, const std::string* header, std::string_view body, std::string* why);

}  // namespace cr
