// alert_sink.cc — picks the alert sink for a destination.
#include "pipeline/sink/alert_sink.h"

#include "pipeline/sink/file_alert_sink.h"
#include "pipeline/sink/kafka_sinks.h"
#include "pipeline/sink/record_json.h"
#include "pipeline/source/kafka_uri.h"

namespace newsflow::pipeline {

Status AlertSink::Publish(const storage::Record& record) { return PublishJson(record.key, RecordToJson(record)); }

Status OpenAlertSink(const std::string& spec, std::unique_ptr<AlertSink>* out, const std::atomic<bool>* stop) {
  if (spec.rfind("file:", 0) == 0) return OpenFileAlertSink(spec.substr(5), out, stop);
  if (IsKafkaUri(spec)) return OpenKafkaAlertSink(spec, out);
  return Status::InvalidArgument("unknown alerts destination '" + spec +
                                 "' (expected file:PATH or kafka://HOST:PORT/TOPIC)");
}

}  // namespace newsflow::pipeline
