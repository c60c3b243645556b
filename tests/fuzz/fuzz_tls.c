/* fuzz_tls.c - the TLS handshake parser (app_tls.c, app_x509.c), and with flags bit 3 the SSH banner parser (app_ssh.c), both directions in fuzzer-chosen segments and gaps.
 * Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* flags bit 3: SSH instead of TLS */
    return fa_one(size && (data[0] & 8) ? app_registry_id("ssh") : app_registry_id("tls"), data, size, 0);
}
