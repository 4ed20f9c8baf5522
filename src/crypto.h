/* What the signature takes from OpenSSL's libcrypto, as a table of its functions.
 * The binary of `make` opens libcrypto.so.3 only when a rule file asks for a key
 * (signature = require, or signature_key), so that a CGI process that verifies
 * nothing neither loads nor relocates it (callrouter(8), SIGNATURE); the binary of
 * `make static` links the table in (src/static/crypto-linked.c). C, for that file. */
#ifndef CALLROUTER_CRYPTO_H
#define CALLROUTER_CRYPTO_H

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cr_crypto_table {
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
};

/* The table linked into the static binary; absent (null) elsewhere. */
extern const struct cr_crypto_table cr_crypto_linked __attribute__((weak));

#ifdef __cplusplus
}

#include <string>

namespace cr {

// libcrypto's functions: the linked table, else libcrypto.so.3 opened on the first
// call that finds it (from any thread; a failure is tried again at the next call).
// Returns null with *err ("cannot load libcrypto.so.3 ...") when it cannot be opened
// or lacks a function.
const cr_crypto_table* crypto(std::string* err);

}  // namespace cr
#endif

#endif
