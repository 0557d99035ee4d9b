#include "server/core/log.h"

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace execd {
namespace {

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};

constexpr const char* kLevelNames[] = {"debug", "info", "warning", "error"};

std::string Quote(absl::string_view value) {
  if (!value.empty() && value.find_first_of(" \"=\t\n") == value.npos) {
    return std::string(value);
  }
  return absl::StrCat(
      "\"",
      absl::StrReplaceAll(value,
                          {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}}),
      "\"");
}

}  // namespace

void SetLogLevel(LogLevel level) { min_level.store(static_cast<int>(level)); }

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  for (int i = 0; i < 4; ++i) {
    if (text == kLevelNames[i]) {
      *level = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

void Log(
    LogLevel level, absl::string_view event,
    std::initializer_list<std::pair<absl::string_view, std::string>> fields) {
  if (static_cast<int>(level) < min_level.load()) return;
  std::string line = absl::StrCat(
      "ts=",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                       absl::UTCTimeZone()),
      " level=", kLevelNames[static_cast<int>(level)], " event=", event);
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&line, " ", key, "=", Quote(value));
  }
  line.push_back('\n');
  // One write per line keeps lines whole when threads log at once.
  fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace execd
