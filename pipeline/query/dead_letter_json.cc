// dead_letter_json.cc — see dead_letter_json.h.
#include "pipeline/query/dead_letter_json.h"

#include "pipeline/decode/invalid_utf8.h"
#include "pipeline/sink/record_json.h"

namespace newsflow::pipeline {

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const size_t left = bytes.size() - i; left > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (left == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string DeadLetterToJson(const storage::DeadLetter& d) {
  const auto invalid_at = FirstInvalidUtf8(d.raw);
  std::string out = "{\"id\":" + std::to_string(d.seq) + ",\"time\":";
  AppendJsonString(&out, FormatTime(d.time_ms));
  out += ",\"time_ms\":" + std::to_string(d.time_ms) + ",\"position\":";
  AppendJsonString(&out, d.position);
  out += ",\"reason\":";
  AppendJsonString(&out, d.reason);
  out += ",\"size\":" + std::to_string(d.raw.size()) + ",\"raw\":";
  if (invalid_at) out += "null";
  else AppendJsonString(&out, d.raw);
  out += ",\"raw_base64\":\"" + Base64(d.raw) + "\",\"invalid_utf8_offset\":";
  out += invalid_at ? std::to_string(*invalid_at) : "null";
  out += '}';
  return out;
}

}  // namespace newsflow::pipeline
