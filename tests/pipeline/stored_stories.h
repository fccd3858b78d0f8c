// stored_stories.h — the story id of every document of a store, read with
// `newsflow query --json`, for the tests of same-story assignment.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "json_util.h"
#include "test_util.h"

namespace newsflow::testing {

// key -> story of every stored document.
inline std::map<std::string, std::string> StoredStories(const std::string& db) {
  const auto q = RunShell(Newsflow() + " query --db " + db + " --limit 0 --json");
  EXPECT_EQ(q.exit_code, 0) << q.err;
  std::map<std::string, std::string> out;
  for (const JsonObject& d : JsonLines(q.out)) out[d.String("key")] = d.String("story");
  return out;
}

}  // namespace newsflow::testing
