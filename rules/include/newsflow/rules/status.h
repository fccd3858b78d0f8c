// status.h — result of a fallible rules call: ok, or a message that names the
// rule file, line and rule that caused it.
#pragma once

#include <string>

namespace newsflow::rules {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string msg) {
    Status s;
    s.ok_ = false;
    s.msg_ = std::move(msg);
    return s;
  }
  bool ok() const { return ok_; }
  const std::string& message() const { return msg_; }

 private:
  bool ok_ = true;
  std::string msg_;
};

}  // namespace newsflow::rules
