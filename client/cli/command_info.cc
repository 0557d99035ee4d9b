// execctl functions, pools and top: what the server offers and how busy it is.
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "client/cli/values_parsing.h"

namespace execd::cli {
namespace {

// Clears the terminal and homes the cursor (ANSI).
constexpr char kClearScreen[] = "\033[H\033[2J";
constexpr int kTopRunningTasks = 10;

int RunFunctions(const CommandContext& context, const ParsedArguments&) {
  absl::StatusOr<v1::ListFunctionsResponse> response =
      context.client().ListFunctions();
  if (!response.ok()) return ReportRpcError(context, response.status());
  if (context.json) {
    *context.out << ToJson(*response) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "POOLS", "SIGNATURE", "DESCRIPTION"}};
  for (const v1::FunctionInfo& function : response->functions()) {
    std::vector<std::string> pools;
    for (int pool : function.pools()) {
      std::string name = PoolName(static_cast<v1::Pool>(pool));
      // The default pool is starred.
      if (pool == function.default_pool()) name += "*";
      pools.push_back(name);
    }
    rows.push_back({function.name(), absl::StrJoin(pools, ","),
                    function.signature(), function.description()});
  }
  *context.out << FormatTable(rows) << "(* default pool)\n";
  return kExitOk;
}

std::string PoolsTable(const v1::GetPoolsResponse& response) {
  std::vector<std::vector<std::string>> rows = {
      {"POOL", "WORKERS", "IDLE", "BUSY", "STARTING", "QUEUED", "CAPACITY",
       "DELAYED", "SUCCEEDED", "FAILED", "CANCELLED", "RESTARTS"}};
  for (const v1::PoolStatus& pool : response.pools()) {
    rows.push_back(
        {PoolName(pool.pool()), absl::StrCat(pool.workers()),
         absl::StrCat(pool.idle()), absl::StrCat(pool.busy()),
         absl::StrCat(pool.starting()), absl::StrCat(pool.queue_depth()),
         absl::StrCat(pool.queue_capacity()), absl::StrCat(pool.delayed()),
         absl::StrCat(pool.succeeded()), absl::StrCat(pool.failed()),
         absl::StrCat(pool.cancelled()), absl::StrCat(pool.worker_restarts())});
  }
  return FormatTable(rows);
}

int RunPools(const CommandContext& context, const ParsedArguments&) {
  absl::StatusOr<v1::GetPoolsResponse> response = context.client().GetPools();
  if (!response.ok()) return ReportRpcError(context, response.status());
  *context.out << (context.json ? ToJson(*response) + "\n"
                                : PoolsTable(*response));
  return kExitOk;
}

// One screen of `top`; returns the status of its calls.
absl::Status DrawTop(const CommandContext& context, bool clear) {
  absl::StatusOr<v1::GetPoolsResponse> pools = context.client().GetPools();
  if (!pools.ok()) return pools.status();
  if (context.json) {
    *context.out << ToJson(*pools) << std::endl;
    return absl::OkStatus();
  }
  v1::ListTasksRequest request;
  request.set_state(v1::TASK_STATE_RUNNING);
  request.set_page_size(kTopRunningTasks);
  absl::StatusOr<v1::ListTasksResponse> running =
      context.client().ListTasks(request);
  if (!running.ok()) return running.status();

  std::string screen = clear ? kClearScreen : "";
  absl::StrAppend(
      &screen, "execd at ", context.target, "  ",
      absl::FormatTime("%H:%M:%S", absl::Now(), absl::LocalTimeZone()), "\n\n",
      PoolsTable(*pools), "\nrunning tasks",
      running->next_page_token().empty()
          ? ""
          : absl::StrCat(" (first ", kTopRunningTasks, ")"),
      ":\n");
  std::vector<std::vector<std::string>> rows = {
      {"TASK", "FUNCTION", "POOL", "WORKER", "RUN TIME"}};
  for (const v1::Task& task : running->tasks()) {
    rows.push_back({task.task_id(), task.function(), PoolName(task.pool()),
                    task.worker(), RunTime(task)});
  }
  absl::StrAppend(&screen, FormatTable(rows));
  *context.out << screen << std::flush;
  return absl::OkStatus();
}

int RunTop(const Command& command, const CommandContext& context,
           const ParsedArguments& arguments) {
  int iterations = -1;
  if (auto text = arguments.Get("iterations")) {
    absl::StatusOr<int> parsed = ParseInt("iterations", *text);
    if (!parsed.ok())
      return ReportUsageError(context, command, parsed.status());
    iterations = *parsed;
  }
  absl::Duration interval = absl::Seconds(1);
  if (auto text = arguments.Get("interval")) {
    absl::StatusOr<absl::Duration> parsed = ParseDurationText(*text);
    if (!parsed.ok())
      return ReportUsageError(context, command, parsed.status());
    interval = *parsed;
  }
  // Redraw in place only on a terminal; pipes get one screen after another.
  const bool clear = context.out == &std::cout && isatty(STDOUT_FILENO);
  absl::Status last = absl::OkStatus();
  for (int i = 0; iterations < 0 || i < iterations; ++i) {
    if (i > 0) absl::SleepFor(interval);
    last = DrawTop(context, clear);
    // A live view outlives a restarting server: show the error and go on.
    if (!last.ok()) {
      *context.err << "execctl top: " << last.message() << std::endl;
    }
  }
  return last.ok() ? kExitOk : ReportRpcError(context, last);
}

}  // namespace

Command FunctionsCommand() {
  Command command;
  command.name = "functions";
  command.usage = "functions";
  command.summary = "list the functions the server can run";
  command.run = RunFunctions;
  return command;
}

Command PoolsCommand() {
  Command command;
  command.name = "pools";
  command.usage = "pools";
  command.summary = "show workers, queue depth and counters per pool";
  command.run = RunPools;
  return command;
}

Command TopCommand() {
  Command command;
  command.name = "top";
  command.usage = "top [--iterations N] [--interval DURATION]";
  command.summary = "live view of pools, queues, workers and running tasks";
  command.flags = {
      {"iterations", "N", "stop after N refreshes (default: never)"},
      {"interval", "DURATION", "time between refreshes (default 1s)"},
  };
  command.run = [command](const CommandContext& context,
                          const ParsedArguments& arguments) {
    return RunTop(command, context, arguments);
  };
  return command;
}

}  // namespace execd::cli
