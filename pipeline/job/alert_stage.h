// alert_stage.h — the writer's step that raises subscription alerts: one per
// (subscription, story), when the first member of the story that matches
// the subscription is stored.
//
// Decided from the store itself, before the batch is written: a document D
// of story S that matches subscription X raises X's alert for S unless the
// store's alert log holds the id X/S (written in the same WriteBatch as the
// documents that raised it) or X/S' for the story S' that D's own earlier
// version was filed under (its key with story ids off), or an item of S
// taken before it in the same batch (in Batch::story_order) raised it. So a
// restart, a re-ingest of the same input, or a feed re-publishing a key
// raises nothing new, and a story whose earlier members (or D's earlier
// version) match X only since a retag (or since X was added) alerts with its
// next matching member. D stored again unchanged (the same title, body and
// time as its stored copy: a replay, a Kafka group reset) is no new member
// and raises nothing, whatever it matches now; a feed's correction of it
// (other text or time) is. The
// alert is handed to the sink after the batch is durably stored (runner.cc).
//
// An alert is one JSON object: the document as `query --json` prints it
// (key, source, time, time_ms, title, tags, scores, spans, story, ...) with
// and its body, `id` = "<subscription>/<story>" (stable: consumers de-duplicate by it),
// `subscription`, and `also`: the story's other members stored so far.
//
// Ownership: borrows the Store; owns the matcher. Threads: the single writer
// thread; the reloader thread reads subscriptions() under the runner's lock
// against the writer replacing the stage (runner.cc, subscriptions_mu_).
// Errors: Status from the store's reads.
#pragma once

#include <string>
#include <vector>

#include "newsflow/storage/store.h"
#include "pipeline/job/batch.h"
#include "pipeline/subscribe/subscription_matcher.h"

namespace newsflow::pipeline {

struct SubscriptionAlert {
  std::string id;    // "<subscription>/<story>"
  std::string json;  // the alert object
  int64_t time_ms = 0;  // the document's (the alert log's retention goes by it)
};

class AlertStage {
 public:
  AlertStage(storage::Store* store, std::vector<Subscription> subscriptions);

  // The alerts the batch raises, in the order the story step took the items
  // (Batch::story_order: a file's batch by event time, so a story's alert
  // carries its earliest member), then subscription order.
  // Call after the story step (items carry their story) and before the
  // batch is written.
  Status Decide(const Batch& batch, std::vector<SubscriptionAlert>* out);

  const std::vector<Subscription>& subscriptions() const { return matcher_.subscriptions(); }

 private:
  storage::Store* store_;
  SubscriptionMatcher matcher_;
  std::vector<DocTag> doc_tags_;      // scratch
  std::vector<uint32_t> matched_;     // scratch
};

}  // namespace newsflow::pipeline
