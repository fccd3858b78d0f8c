// file_alert_sink.cc — alerts as JSON Lines appended to a file.
#include <cstdio>
#include <cstring>

#include "newsflow/pipeline/alert_sink.h"
#include "newsflow/pipeline/kafka_producer.h"
#include "newsflow/pipeline/kafka_uri.h"
#include "newsflow/pipeline/record_json.h"

namespace newsflow::pipeline {

namespace {

class FileAlertSink : public AlertSink {
 public:
  explicit FileAlertSink(std::FILE* f) : f_(f) {}
  ~FileAlertSink() override { std::fclose(f_); }
  std::string Publish(const storage::Record& r) override {
    std::string line = RecordToJson(r);
    line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), f_) != line.size()) return "alerts: write failed";
    return "";
  }
  std::string Flush() override { return std::fflush(f_) == 0 ? "" : "alerts: flush failed"; }

 private:
  std::FILE* f_;
};

}  // namespace

std::unique_ptr<AlertSink> OpenAlertSink(const std::string& spec, std::string* error) {
  if (spec.rfind("file:", 0) == 0) {
    const std::string path = spec.substr(5);
    std::FILE* f = std::fopen(path.c_str(), "ab");
    if (!f) {
      *error = "cannot open alerts file " + path + ": " + std::strerror(errno);
      return nullptr;
    }
    return std::make_unique<FileAlertSink>(f);
  }
  if (IsKafkaUri(spec)) return OpenKafkaAlertSink(spec, error);
  *error = "unknown alerts destination '" + spec + "' (expected file:PATH or kafka://HOST:PORT/TOPIC)";
  return nullptr;
}

}  // namespace newsflow::pipeline
