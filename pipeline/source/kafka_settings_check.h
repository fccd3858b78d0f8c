// kafka_settings_check.h — settings librdkafka refuses only together, found
// before a run opens anything: librdkafka checks one setting when it is set,
// but some only against the others when a handle is made (acks=1 beside
// idempotence, a SASL mechanism without its keytab).
//
// Threads: any. Errors: InvalidArgument with librdkafka's reason.
#pragma once

#include <librdkafka/rdkafka.h>

#include "newsflow/base/status.h"

namespace newsflow::pipeline {

// Makes a handle of `type` from `conf` (taken: destroyed either way), with
// its logs silenced, never subscribed or produced to, and drops it. A handle
// connects to nothing before it is used.
Status CheckSettingsByHandle(rd_kafka_type_t type, rd_kafka_conf_t* conf);

}  // namespace newsflow::pipeline
