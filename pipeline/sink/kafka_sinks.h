// kafka_sinks.h — the alert and dead-letter sinks that publish to a Kafka
// topic (alert_sink.h and dead_letter_sink.h give the message formats).
//
//   --alerts      kafka://HOST:PORT/TOPIC[?rdkafka.NAME=V...]
//   --dead-letter kafka://HOST:PORT/TOPIC[?rdkafka.NAME=V...]
//   --tagged      kafka://HOST:PORT/TOPIC[?rdkafka.NAME=V...]  every stored
//                 document, key = its key, value = its `query --json` object
//                 with body (read back with --format tagged)
//
// Flush() (once per batch) waits for the broker's delivery reports, so a
// batch's alerts and dead letters are acknowledged by Kafka before its offsets
// go to Kafka and before the writer moves on. A crash between the store write
// and the acknowledgement: the runner publishes the batch's alerts (the
// outbox) and tagged documents (their keys, stored with the batch) again at
// the next start; its dead letters stay in RocksDB (`newsflow dead-letter`).
// No alert is ever published for a document that is not stored.
//
// Ownership: each sink owns its producer. Threads: the writer thread only.
// Errors: InvalidArgument for a bad address or setting (Check*, Open*);
// publishing and Flush() return Unavailable when the broker refuses a
// message or did not acknowledge every one (the batch is then not
// committed), NotFound for a topic that does not exist.
#pragma once

#include <memory>
#include <string>

#include "pipeline/sink/alert_sink.h"
#include "pipeline/sink/dead_letter_sink.h"

namespace newsflow::pipeline {

// Checks a sink's address and its rdkafka.* settings without a broker (and
// without a producer that is used): InvalidArgument naming the mistake,
// prefixed with `what`.
Status CheckKafkaSinkUri(const std::string& spec, const std::string& what);
Status OpenKafkaAlertSink(const std::string& spec, std::unique_ptr<AlertSink>* out);
// The tagged-documents sink has the alert sink's shape: PublishJson(key, json).
Status OpenKafkaTaggedSink(const std::string& spec, std::unique_ptr<AlertSink>* out);
Status OpenKafkaDeadLetterSink(const std::string& spec, std::unique_ptr<DeadLetterSink>* out);

}  // namespace newsflow::pipeline
