// What the signature and the call tokens take from OpenSSL's libcrypto, as a table of
// its functions. The binary of `make` opens libcrypto.so.3 only when a rule file asks
// for a key or a secret (signature = require, signature_key, or secret;
// signature/crypto.cpp), so that a CGI process
// that verifies nothing neither loads nor relocates it (callrouter(8), SIGNATURE); the
// binary of `make static` links src/static/crypto-linked.cpp instead, with the
// functions from libcrypto.a.
#pragma once

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <string>

namespace cr {

struct CryptoTable {
    void (*EVP_PKEY_free)(EVP_PKEY*);
    int (*EVP_PKEY_get_base_id)(const EVP_PKEY*);
    int (*EVP_PKEY_get_bits)(const EVP_PKEY*);
    int (*EVP_PKEY_get_size)(const EVP_PKEY*);
    const char* (*EVP_PKEY_get0_type_name)(const EVP_PKEY*);
    EVP_MD_CTX* (*EVP_MD_CTX_new)(void);
    void (*EVP_MD_CTX_free)(EVP_MD_CTX*);
    const EVP_MD* (*EVP_sha256)(void);
    int (*EVP_DigestVerifyInit)(EVP_MD_CTX*, EVP_PKEY_CTX**, const EVP_MD*, ENGINE*, EVP_PKEY*);
    int (*EVP_DigestVerify)(EVP_MD_CTX*, const unsigned char*, size_t, const unsigned char*, size_t);
    int (*EVP_PKEY_CTX_set_rsa_padding)(EVP_PKEY_CTX*, int);
    OSSL_DECODER_CTX* (*OSSL_DECODER_CTX_new_for_pkey)(EVP_PKEY**, const char*, const char*, const char*, int,
                                                       OSSL_LIB_CTX*, const char*);
    int (*OSSL_DECODER_from_data)(OSSL_DECODER_CTX*, const unsigned char**, size_t*);
    void (*OSSL_DECODER_CTX_free)(OSSL_DECODER_CTX*);
    void (*ERR_clear_error)(void);
    unsigned char* (*HMAC)(const EVP_MD*, const void*, int, const unsigned char*, size_t, unsigned char*,
                           unsigned int*);
};

// libcrypto's functions into *table: libcrypto.so.3 opened on the first call (from any
// thread; a failure is tried again at the next call), or in the static binary the
// linked ones. Returns false with *err ("cannot load libcrypto.so.3 ...") when it cannot
// be opened or lacks a function.
bool load_crypto(const CryptoTable** table, std::string* err);

}  // namespace cr
