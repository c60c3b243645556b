/* fuzz_mqtt.c - the MQTT parser (app_mqtt.c): both directions in
 * fuzzer-chosen segments and gaps, end of flow or not.
 * Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("mqtt"), data, size, 0);
}
