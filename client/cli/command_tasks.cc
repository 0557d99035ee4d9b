// execctl result, cancel, watch and list: commands about existing tasks.

#include "absl/strings/str_cat.h"
#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "client/cli/values_parsing.h"
#include "client/cpp/task_status.h"

namespace execd::cli {
namespace {

bool EndedBadly(const v1::Task& task) {
  return task.state() == v1::TASK_STATE_FAILED ||
         task.state() == v1::TASK_STATE_CANCELLED;
}

int RunResult(const Command& command, const CommandContext& context,
              const ParsedArguments& arguments) {
  if (arguments.positionals().size() != 1) {
    return ReportUsageError(context, command,
                            absl::InvalidArgumentError("expected one task ID"));
  }
  absl::Duration timeout = absl::InfiniteDuration();
  if (auto text = arguments.Get("timeout")) {
    absl::StatusOr<absl::Duration> parsed = ParseDurationText(*text);
    if (!parsed.ok())
      return ReportUsageError(context, command, parsed.status());
    timeout = *parsed;
  }
  absl::StatusOr<v1::Task> task = context.client()
                                      .FutureFor(arguments.positionals()[0])
                                      .FinishedTask(timeout);
  if (!task.ok()) return ReportRpcError(context, task.status());
  return PrintTaskOutcome(context, *task);
}

int RunCancel(const Command& command, const CommandContext& context,
              const ParsedArguments& arguments) {
  if (arguments.positionals().size() != 1) {
    return ReportUsageError(context, command,
                            absl::InvalidArgumentError("expected one task ID"));
  }
  const std::string& task_id = arguments.positionals()[0];
  absl::StatusOr<v1::CancelResponse> response =
      context.client().Cancel(task_id);
  if (!response.ok()) return ReportRpcError(context, response.status());
  const bool cancelled = response->cancelled() ||
                         response->task().state() == v1::TASK_STATE_CANCELLED;
  if (context.json) {
    *context.out << ToJson(*response) << "\n";
  } else if (cancelled) {
    *context.out << "cancelled " << task_id << "\n";
  } else {
    *context.out << "not cancelled: " << task_id << " is "
                 << StateName(response->task().state()) << "\n";
  }
  return cancelled ? kExitOk : kExitTaskFailed;
}

std::string DescribeEvent(const v1::TaskEvent& event) {
  const v1::Task& task = event.task();
  std::string kind = v1::TaskEvent::Kind_Name(event.kind());
  constexpr absl::string_view kPrefix = "KIND_";
  if (kind.size() > kPrefix.size()) kind = kind.substr(kPrefix.size());
  return absl::StrCat(kind, "  ", task.task_id(), "  ", task.function(), "  ",
                      StateName(task.state()), "  ", TaskSummary(task));
}

int RunWatch(const Command& command, const CommandContext& context,
             const ParsedArguments& arguments) {
  v1::CallbackRequest request;
  for (const std::string& task_id : arguments.positionals()) {
    request.add_task_ids(task_id);
  }
  request.set_all_tasks(request.task_ids().empty());
  request.set_include_started(arguments.Has("started"));
  int max_events = -1;
  if (auto count = arguments.Get("count")) {
    absl::StatusOr<int> parsed = ParseInt("count", *count);
    if (!parsed.ok())
      return ReportUsageError(context, command, parsed.status());
    max_events = *parsed;
  }
  int events = 0;
  bool any_failed = false;
  absl::Status status =
      context.client().Watch(request, [&](const v1::TaskEvent& event) {
        if (event.kind() == v1::TaskEvent::KIND_FINISHED) {
          any_failed |= EndedBadly(event.task());
        }
        *context.out << (context.json ? ToJson(event) : DescribeEvent(event))
                     << std::endl;  // flushed: people and pipes watch live
        return max_events < 0 || ++events < max_events;
      });
  if (!status.ok()) return ReportRpcError(context, status);
  return any_failed && !request.all_tasks() ? kExitTaskFailed : kExitOk;
}

int RunList(const Command& command, const CommandContext& context,
            const ParsedArguments& arguments) {
  v1::ListTasksRequest request;
  if (auto state = arguments.Get("state")) {
    absl::StatusOr<v1::TaskState> parsed = ParseTaskState(*state);
    if (!parsed.ok())
      return ReportUsageError(context, command, parsed.status());
    request.set_state(*parsed);
  }
  if (auto function = arguments.Get("function")) {
    request.set_function(*function);
  }
  for (const std::string& label : arguments.GetAll("label")) {
    auto key_value = ParseKeyValue(label);
    if (!key_value.ok()) {
      return ReportUsageError(context, command, key_value.status());
    }
    (*request.mutable_labels())[key_value->first] = key_value->second;
  }
  int limit = 100;
  if (auto text = arguments.Get("limit")) {
    absl::StatusOr<int> parsed = ParseInt("limit", *text);
    if (!parsed.ok())
      return ReportUsageError(context, command, parsed.status());
    limit = *parsed;
  }
  v1::ListTasksResponse all;
  do {
    request.set_page_size(std::min(100, limit - all.tasks_size()));
    absl::StatusOr<v1::ListTasksResponse> page =
        context.client().ListTasks(request);
    if (!page.ok()) return ReportRpcError(context, page.status());
    for (v1::Task& task : *page->mutable_tasks()) {
      if (all.tasks_size() < limit) *all.add_tasks() = std::move(task);
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() && all.tasks_size() < limit);

  if (context.json) {
    *context.out << ToJson(all) << "\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"TASK", "FUNCTION", "POOL", "STATE", "ATTEMPTS", "SUBMITTED", "RUN TIME",
       "OUTCOME"}};
  for (const v1::Task& task : all.tasks()) {
    rows.push_back({task.task_id(), task.function(), PoolName(task.pool()),
                    StateName(task.state()), absl::StrCat(task.attempts()),
                    FormatTimestamp(task.submit_time()), RunTime(task),
                    TaskSummary(task)});
  }
  *context.out << FormatTable(rows);
  return kExitOk;
}

}  // namespace

int PrintTaskOutcome(const CommandContext& context, const v1::Task& task) {
  *context.out << (context.json ? ToJson(task) + "\n" : DescribeTask(task));
  return EndedBadly(task) ? kExitTaskFailed : kExitOk;
}

Command ResultCommand() {
  Command command;
  command.name = "result";
  command.usage = "result ID [--timeout DURATION]";
  command.summary = "wait for a task and print it (exit 1 if it failed)";
  command.details =
      "Without --timeout waits until the task ends. If the timeout passes\n"
      "first, exits 3 (DEADLINE_EXCEEDED).\n";
  command.flags = {{"timeout", "DURATION", "wait at most this long"}};
  command.run = [command](const CommandContext& context,
                          const ParsedArguments& arguments) {
    return RunResult(command, context, arguments);
  };
  return command;
}

Command CancelCommand() {
  Command command;
  command.name = "cancel";
  command.usage = "cancel ID";
  command.summary = "cancel a pending or running task";
  command.details =
      "Exits 0 when the task is cancelled (now or before), 1 when it had\n"
      "already ended otherwise.\n";
  command.run = [command](const CommandContext& context,
                          const ParsedArguments& arguments) {
    return RunCancel(command, context, arguments);
  };
  return command;
}

Command WatchCommand() {
  Command command;
  command.name = "watch";
  command.usage = "watch [ID...] [--started] [--count N]";
  command.summary = "stream task events (all tasks when no ID is given)";
  command.details =
      "With IDs, ends once all of them finished (exit 1 if any failed or\n"
      "was cancelled); without, runs until interrupted or --count events.\n";
  command.flags = {
      {"started", "", "also report tasks starting"},
      {"count", "N", "stop after N events"},
  };
  command.run = [command](const CommandContext& context,
                          const ParsedArguments& arguments) {
    return RunWatch(command, context, arguments);
  };
  return command;
}

Command ListCommand() {
  Command command;
  command.name = "list";
  command.usage = "list [--state STATE] [--function NAME] [--label K=V]";
  command.summary = "list tasks the server remembers";
  command.flags = {
      {"state", "STATE", "pending, running, succeeded, failed or cancelled"},
      {"function", "NAME", "only tasks of this function"},
      {"label", "KEY=VALUE", "only tasks with this label (repeatable)"},
      {"limit", "N", "at most N tasks (default 100)"},
  };
  command.run = [command](const CommandContext& context,
                          const ParsedArguments& arguments) {
    return RunList(command, context, arguments);
  };
  return command;
}

}  // namespace execd::cli
