// The static binary's libcrypto: the functions the signature and the call tokens take, linked in from
// libcrypto.a, so that the binary opens no shared library. `make static` links this
// file instead of src/signature/crypto.cpp (which opens libcrypto.so.3 with dlopen).
#include <openssl/crypto.h>

#include "signature/crypto.h"

namespace cr {

namespace {

const CryptoTable linked = {
    EVP_PKEY_free,
    EVP_PKEY_get_base_id,
    EVP_PKEY_get_bits,
    EVP_PKEY_get_size,
    EVP_PKEY_get0_type_name,
    EVP_MD_CTX_new,
    EVP_MD_CTX_free,
    EVP_sha256,
    EVP_DigestVerifyInit,
    EVP_DigestVerify,
    EVP_PKEY_CTX_set_rsa_padding,
    OSSL_DECODER_CTX_new_for_pkey,
    OSSL_DECODER_from_data,
    OSSL_DECODER_CTX_free,
    ERR_clear_error,
    HMAC,
};

}  // namespace

// The linked functions, with OpenSSL set up once without reading the host's
// openssl.cnf: a provider or engine it names would be a shared library, built for the
// host's libcrypto, not for the one linked in here. Returns false with *err when
// OpenSSL cannot be set up (out of memory).
bool load_crypto(const CryptoTable** table, std::string* err) {
    static const bool ready = OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) == 1;
    *table = ready ? &linked : nullptr;
    if (ready) return true;
    *err = "cannot set up OpenSSL's libcrypto (linked in)";
    return false;
}

}  // namespace cr
