/* fuzz_smtp.c - the SMTP parser and its MIME decoder (app_smtp.c, app_mime.c), both directions in fuzzer-chosen segments and gaps.
 * Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("smtp"), data, size, 0);
}
