#ifndef EXECD_SERVER_CORE_LOG_H_
#define EXECD_SERVER_CORE_LOG_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace execd {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lifecycle events as one logfmt line each on stderr:
//   ts=2026-11-21T14:20:00.123Z level=info event=worker_exit pid=4711 ...
// Values with spaces or quotes are quoted. Lines below the level are dropped.
void SetLogLevel(LogLevel level);
bool ParseLogLevel(absl::string_view text, LogLevel* level);
void Log(LogLevel level, absl::string_view event,
         std::initializer_list<std::pair<absl::string_view, std::string>>
             fields = {});

}  // namespace execd

#endif  // EXECD_SERVER_CORE_LOG_H_
