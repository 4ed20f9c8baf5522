#include "signature/signature.h"

#include <memory>
#include <new>

#include "signature/crypto.h"

namespace cr {

namespace {

// sipgate.io's public key for X-Sipgate-Signature, as the official Node.js library
// (npm sipgateio, dist/webhook/signatureVerifier.js) and sipgate's own
// pushapi-request-verifier ship it. The vector in tests/signature/ verifies with it.
const char kSipgatePushKey[] = R"(-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAvFdlnqRfO5TmqzjtsFVC
qPz+oW+poi3lXQFvMJJMEAtlU4MbX+yuIkgnC+Qt3AQWIK+oWSEQiybg+p39wEMl
16PZxEzf9gONQvTg1XhyHnwqYUFQj/AoxPKGYC3jmdjZ224SrESiTN3CdxoOc3vk
cXiQstYE7SxnksPtzfk0aIOkicim5/tAP9izNQ18/zmX3ChjK2k72gf5dDlq+qZ8
pRiHAPZ64TySH6cLQDhaoh6Nbq8FEG3usXXPClbUMh2DZaTMPafpd+LNuTngJ/y+
KoZasVuFfXAeBqGA6l5d4Uedfr99Z6qjwDrJ8sU4z2Do9bJrbuqP+mOXEebhSI1K
vi8trEfrIt8hnDBGsBaB9NEO3kYxvDT2/PhC9fNYFocjEpZNd7/mUqTJDYlpa4UC
NDQaU+ATdXG8/P5sGAegks6MQTu+qe9XTO0CV48eswDkz6g3UbLOwmrJK59SjD3J
yAZ52sluwyDKRWw/PPTt8BTQLjvkdbiLUlc4ehJ4b1X7D7diYWHDPeFL47cAvaXh
dXVrZDeBJYibvD1jRx4ES0KlfhwzNXBYUoM/Movg9zMM2PzyHHKS//xIjwUC/FJ6
/6eykno0Hy2B1ev6s3hdY6VkN2zd7Wf+EK4DxRliwsg1U99szFE3ewLfexF+Uag5
M+TfPtOUumI/NHMTvsRW9+ECAwEAAQ==
-----END PUBLIC KEY-----
)";

constexpr int kMinBits = 2048;

EVP_PKEY* pkey_of(void* p) { return static_cast<EVP_PKEY*>(p); }

// The owners of libcrypto's objects: each frees its object with the table's function.
struct PkeyFree {
    const CryptoTable* lib;
    void operator()(EVP_PKEY* p) const { lib->EVP_PKEY_free(p); }
};
struct DecoderFree {
    const CryptoTable* lib;
    void operator()(OSSL_DECODER_CTX* p) const { lib->OSSL_DECODER_CTX_free(p); }
};
struct MdCtxFree {
    const CryptoTable* lib;
    void operator()(EVP_MD_CTX* p) const { lib->EVP_MD_CTX_free(p); }
};

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

bool base64_decode(std::string_view text, std::string* out) {
    out->clear();
    if (text.size() % 4 != 0) return false;
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    out->reserve(text.size() / 4 * 3);
    unsigned acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < text.size() - pad; ++i) {
        int v = b64_value(text[i]);
        if (v < 0) return false;  // '=' inside, white space, any other byte
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->push_back(static_cast<char>((acc >> bits) & 0xffu));
        }
    }
    return true;
}

bool PublicKey::from_pem(std::string_view pem, std::shared_ptr<const PublicKey>* out, std::string* err) {
    if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
        *err = "holds a private key; give the public key only (openssl pkey -in KEY -pubout)";
        return false;
    }
    if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
        *err = "holds a certificate; give its public key (openssl x509 -in CERT -pubkey -noout)";
        return false;
    }
    const CryptoTable* c = nullptr;
    if (!load_crypto(&c, err)) return false;
    // Both PEM forms of a public key: SubjectPublicKeyInfo and PKCS#1 "RSA PUBLIC KEY".
    EVP_PKEY* decoded = nullptr;
    std::unique_ptr<OSSL_DECODER_CTX, DecoderFree> dctx(
        c->OSSL_DECODER_CTX_new_for_pkey(&decoded, "PEM", nullptr, nullptr, OSSL_KEYMGMT_SELECT_PUBLIC_KEY, nullptr,
                                         nullptr),
        DecoderFree{c});
    if (!dctx) {
        c->ERR_clear_error();
        *err =
            "libcrypto offers no decoder for PEM public keys (with the binary of make: a broken OPENSSL_CONF or openssl.cnf?)";
        return false;
    }
    const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
    std::size_t left = pem.size();
    if (c->OSSL_DECODER_from_data(dctx.get(), &data, &left) != 1) decoded = nullptr;
    dctx.reset();
    c->ERR_clear_error();
    std::unique_ptr<EVP_PKEY, PkeyFree> pkey(decoded, PkeyFree{c});
    if (!pkey) {
        *err = "not a public key in PEM form (-----BEGIN PUBLIC KEY-----)";
        return false;
    }
    if (c->EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) {
        const char* type = c->EVP_PKEY_get0_type_name(pkey.get());
        *err = std::string("the key is ") + (type ? type : "of another kind") + ", not RSA: sipgate.io signs with RSA";
        return false;
    }
    const int bits = c->EVP_PKEY_get_bits(pkey.get());
    if (bits < kMinBits) {
        *err = "a " + std::to_string(bits) + "-bit RSA key; at least " + std::to_string(kMinBits) + " bits";
        return false;
    }
    std::unique_ptr<PublicKey> key(new PublicKey(c, pkey.get()));
    pkey.release();  // the PublicKey owns it now
    *out = std::move(key);
    return true;
}

bool PublicKey::sipgate(std::shared_ptr<const PublicKey>* out, std::string* err) {
    const CryptoTable* c = nullptr;
    if (!load_crypto(&c, err)) return false;
    std::string why;
    // The key is a good one: when a loaded libcrypto cannot read it, it is set up wrong.
    if (from_pem(kSipgatePushKey, out, &why)) return true;
    *err = "libcrypto cannot read it (is OPENSSL_CONF or openssl.cnf broken?)";
    return false;
}

PublicKey::~PublicKey() { lib_->EVP_PKEY_free(pkey_of(pkey_)); }

int PublicKey::bits() const { return lib_->EVP_PKEY_get_bits(pkey_of(pkey_)); }

bool PublicKey::verify(std::string_view body, std::string_view sig) const {
    const CryptoTable& c = *lib_;
    if (sig.size() != static_cast<std::size_t>(c.EVP_PKEY_get_size(pkey_of(pkey_)))) return false;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(c.EVP_MD_CTX_new(), MdCtxFree{&c});
    if (!ctx) throw std::bad_alloc();
    EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
    return c.EVP_DigestVerifyInit(ctx.get(), &pctx, c.EVP_sha256(), nullptr, pkey_of(pkey_)) == 1 &&
           c.EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
           c.EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                              reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1;
}

bool check_signature(const PublicKey& key, const std::string* header, std::string_view body, std::string* why) {
    if (!header) {
        *why = "no X-Sipgate-Signature header";
        return false;
    }
    if (header->empty()) {
        *why = "the X-Sipgate-Signature header is empty";
        return false;
    }
    if (header->size() > kMaxSignatureHeader) {
        *why = "the X-Sipgate-Signature header is longer than " + std::to_string(kMaxSignatureHeader) + " characters";
        return false;
    }
    std::string sig;
    if (!base64_decode(*header, &sig)) {
        *why = "the X-Sipgate-Signature header is not base64";
        return false;
    }
    std::size_t want = static_cast<std::size_t>(key.bits() + 7) / 8;
    if (sig.size() != want) {
        *why = "the X-Sipgate-Signature header holds " + std::to_string(sig.size()) + " bytes, not the " +
               std::to_string(want) + " of a signature by a " + std::to_string(key.bits()) + "-bit key";
        return false;
    }
    if (!key.verify(body, sig)) {
        *why =
            "the X-Sipgate-Signature header does not verify: the body was not signed with this key, or was "
            "changed on the way";
        return false;
    }
    return true;
}

}  // namespace cr
