// kafka_settings_check.cc — see kafka_settings_check.h.
#include "pipeline/source/kafka_settings_check.h"

#include <string>

namespace newsflow::pipeline {

Status CheckSettingsByHandle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(errstr);
  }
  rd_kafka_destroy(rk);  // it took conf
  return Status::OK();
}

}  // namespace newsflow::pipeline
