/* For `make static`: stands in for the ICU functions that libxml2.a calls,
 * so that build/callrouter-static does not carry ICU and its 30 MB of data.
 *
 * libxml2 uses ICU only to convert documents in encodings that iconv does not
 * know. callrouter writes UTF-8 and parses no XML, so it never converts; should
 * libxml2 ever ask, ucnv_open fails and libxml2 treats the encoding as
 * unsupported, as a libxml2 built without ICU does. `make static STATIC_ICU=full`
 * links the real ICU instead. ICU's header renames each function to its
 * versioned symbol (ucnv_open_72 on Debian 12). */
#include <stddef.h>
#include <unicode/ucnv.h>

UConverter* ucnv_open(const char* name, UErrorCode* err) {
    (void)name;
    if (err) *err = U_UNSUPPORTED_ERROR;
    return NULL;
}

void ucnv_close(UConverter* conv) { (void)conv; }

void ucnv_convertEx(UConverter* to, UConverter* from, char** target, const char* target_limit,
                    const char** source, const char* source_limit, UChar* pivot_start, UChar** pivot_source,
                    UChar** pivot_target, const UChar* pivot_limit, UBool reset, UBool flush, UErrorCode* err) {
    (void)to; (void)from; (void)target; (void)target_limit; (void)source; (void)source_limit;
    (void)pivot_start; (void)pivot_source; (void)pivot_target; (void)pivot_limit; (void)reset; (void)flush;
    if (err) *err = U_UNSUPPORTED_ERROR;
}

void ucnv_setFromUCallBack(UConverter* conv, UConverterFromUCallback action, const void* context,
                           UConverterFromUCallback* old_action, const void** old_context, UErrorCode* err) {
    (void)conv; (void)action; (void)context; (void)old_action; (void)old_context;
    if (err) *err = U_UNSUPPORTED_ERROR;
}

void ucnv_setToUCallBack(UConverter* conv, UConverterToUCallback action, const void* context,
                         UConverterToUCallback* old_action, const void** old_context, UErrorCode* err) {
    (void)conv; (void)action; (void)context; (void)old_action; (void)old_context;
    if (err) *err = U_UNSUPPORTED_ERROR;
}

/* The callbacks libxml2 installs on a converter: never called, as no converter opens. */
#include <unicode/ucnv_err.h>

void UCNV_FROM_U_CALLBACK_STOP(const void* context, UConverterFromUnicodeArgs* args, const UChar* units,
                               int32_t length, UChar32 cp, UConverterCallbackReason reason, UErrorCode* err) {
    (void)context; (void)args; (void)units; (void)length; (void)cp; (void)reason; (void)err;
}

void UCNV_TO_U_CALLBACK_STOP(const void* context, UConverterToUnicodeArgs* args, const char* units,
                             int32_t length, UConverterCallbackReason reason, UErrorCode* err) {
    (void)context; (void)args; (void)units; (void)length; (void)reason; (void)err;
}
