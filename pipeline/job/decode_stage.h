// decode_stage.h — step 1 of the stage path: raw JSON line -> Document.
//
// The whole path, in order (each step has its own header in job/):
//   source -> decode -> normalize -> match -> evaluate -> prepare -> story -> store -> sinks
// decode, normalize, match, evaluate and prepare run on worker threads
// (BatchWorker); story ids on the story thread (StoryStage); store and the
// sinks on the single writer (Runner).
//
// Ownership: one DecodeStage per worker thread; it owns its simdjson parser.
// Threads: not shared. Errors: a line that cannot be decoded gets
// Item::error (the dead-letter reason); nothing is thrown. A run whose
// first object looks like another feed than --format names is said once,
// as a warning (Decoder::FirstObjectMismatch).
#pragma once

#include <simdjson.h>

#include "pipeline/decode/decoder.h"
#include "pipeline/job/batch.h"

namespace newsflow::pipeline {

class DecodeStage {
 public:
  DecodeStage(const FormatSpec& spec, const DecoderOptions& options)
      : decoder_(spec, options), tagged_(spec.kind == FormatSpec::Kind::kTagged) {}
  // Decodes it.raw into it.doc unless the item already has an error; a
  // tagged document (--format tagged) also into it.tagged.
  void Run(Item& it);

 private:
  void RunTagged(Item& it);

  Decoder decoder_;
  const bool tagged_;
  bool warned_ = false;  // this worker's decoder's mismatch was looked at (Decoder::FirstObjectMismatch)
  simdjson::dom::parser parser_;  // tagged documents
};

}  // namespace newsflow::pipeline
