/* The static binary's libcrypto: the functions the signature takes, linked in
 * (libcrypto.a), so that it needs no shared library but the C library. */
#include "../crypto.h"

const struct cr_crypto_table cr_crypto_linked = {
    EVP_PKEY_free,          EVP_PKEY_get_base_id,   EVP_PKEY_get_bits,
    EVP_PKEY_get_size,      EVP_PKEY_get0_type_name, EVP_MD_CTX_new,
    EVP_MD_CTX_free,        EVP_sha256,             EVP_DigestVerifyInit,
    EVP_DigestVerify,       EVP_PKEY_CTX_set_rsa_padding, OSSL_DECODER_CTX_new_for_pkey,
    OSSL_DECODER_from_data, OSSL_DECODER_CTX_free,  ERR_clear_error,
};
