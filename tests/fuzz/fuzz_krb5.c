/* fuzz_krb5.c - the Kerberos parser (app_krb5.c): TCP record marks in both
 * directions in fuzzer-chosen segments and gaps, and each segment also as
 * a UDP datagram. Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("krb5"), data, size, 1);
}
