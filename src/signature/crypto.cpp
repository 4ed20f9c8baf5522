#include "signature/crypto.h"

#include <atomic>
#include <mutex>
#include <type_traits>

#include "base/library.h"

namespace cr {

namespace {

CryptoTable g_table;
std::atomic<const CryptoTable*> g_loaded{nullptr};
std::string g_error;

// Opens libcrypto.so.3 and fills g_table; sets g_loaded or g_error (and closes it again).
void open_libcrypto() {
    Library lib;
    if (!lib.open("libcrypto.so.3", "OpenSSL 3, Debian's libssl3", &g_error)) return;
#define CR_GET(f) lib.get(&g_table.f, #f)
    CR_GET(EVP_PKEY_free);
    CR_GET(EVP_PKEY_get_base_id);
    CR_GET(EVP_PKEY_get_bits);
    CR_GET(EVP_PKEY_get_size);
    CR_GET(EVP_PKEY_get0_type_name);
    CR_GET(EVP_MD_CTX_new);
    CR_GET(EVP_MD_CTX_free);
    CR_GET(EVP_sha256);
    CR_GET(EVP_DigestVerifyInit);
    CR_GET(EVP_DigestVerify);
    CR_GET(EVP_PKEY_CTX_set_rsa_padding);
    CR_GET(OSSL_DECODER_CTX_new_for_pkey);
    CR_GET(OSSL_DECODER_from_data);
    CR_GET(OSSL_DECODER_CTX_free);
    CR_GET(ERR_clear_error);
    CR_GET(HMAC);
#undef CR_GET
    if (lib.done(&g_error)) g_loaded.store(&g_table, std::memory_order_release);
}

}  // namespace

bool load_crypto(const CryptoTable** table, std::string* err) {
    if ((*table = g_loaded.load(std::memory_order_acquire))) return true;
    // Tried again at each load of a rule file while it fails: libssl3 may be
    // installed after the process started.
    static std::mutex m;
    std::lock_guard<std::mutex> lock(m);
    if (!g_loaded.load()) open_libcrypto();
    if ((*table = g_loaded.load())) return true;
    *err = g_error;
    return false;
}

}  // namespace cr
