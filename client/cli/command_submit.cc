// execctl submit: one task, optionally waiting for its outcome.
#include "absl/strings/str_cat.h"
#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "client/cli/values_parsing.h"

namespace execd::cli {
namespace {

// Builds the request from the command line; INVALID_ARGUMENT on bad input.
absl::StatusOr<v1::SubmitRequest> BuildRequest(
    const ParsedArguments& arguments) {
  const auto& positionals = arguments.positionals();
  if (positionals.empty()) {
    return absl::InvalidArgumentError("missing FUNCTION");
  }
  v1::SubmitRequest request;
  request.set_function(positionals[0]);
  for (size_t i = 1; i < positionals.size(); ++i) {
    *request.add_args() = ParseArgumentValue(positionals[i]);
  }
  for (const std::string& kw : arguments.GetAll("kw")) {
    auto key_value = ParseKeyValue(kw);
    if (!key_value.ok()) return key_value.status();
    (*request.mutable_kwargs()->mutable_fields())[key_value->first] =
        ParseArgumentValue(key_value->second);
  }
  for (const std::string& label : arguments.GetAll("label")) {
    auto key_value = ParseKeyValue(label);
    if (!key_value.ok()) return key_value.status();
    (*request.mutable_labels())[key_value->first] = key_value->second;
  }
  if (auto pool = arguments.Get("pool")) {
    absl::StatusOr<v1::Pool> parsed = ParsePool(*pool);
    if (!parsed.ok()) return parsed.status();
    request.set_pool(*parsed);
  }
  if (auto priority = arguments.Get("priority")) {
    absl::StatusOr<int> parsed = ParseInt("priority", *priority);
    if (!parsed.ok()) return parsed.status();
    request.set_priority(*parsed);
  }
  if (auto retries = arguments.Get("retries")) {
    absl::StatusOr<int> parsed = ParseInt("retries", *retries);
    if (!parsed.ok()) return parsed.status();
    request.set_max_retries(*parsed);
  }
  if (auto timeout = arguments.Get("timeout")) {
    absl::StatusOr<absl::Duration> parsed = ParseDurationText(*timeout);
    if (!parsed.ok()) return parsed.status();
    *request.mutable_timeout() = ToProtoDuration(*parsed);
  }
  if (auto delay = arguments.Get("delay")) {
    absl::StatusOr<absl::Duration> parsed = ParseDurationText(*delay);
    if (!parsed.ok()) return parsed.status();
    *request.mutable_delay() = ToProtoDuration(*parsed);
  }
  if (auto input = arguments.Get("input")) request.set_input(*input);
  if (auto id = arguments.Get("request-id")) request.set_request_id(*id);
  return request;
}

int RunSubmit(const Command& command, const CommandContext& context,
              const ParsedArguments& arguments) {
  absl::StatusOr<v1::SubmitRequest> request = BuildRequest(arguments);
  if (!request.ok())
    return ReportUsageError(context, command, request.status());
  absl::StatusOr<v1::SubmitResponse> response =
      context.client().SubmitRequest(*std::move(request));
  if (!response.ok()) return ReportRpcError(context, response.status());
  if (!arguments.Has("wait")) {
    *context.out << (context.json ? ToJson(*response) : response->task_id())
                 << "\n";
    return kExitOk;
  }
  absl::StatusOr<v1::Task> task =
      context.client().FutureFor(response->task_id()).FinishedTask();
  if (!task.ok()) return ReportRpcError(context, task.status());
  return PrintTaskOutcome(context, *task);
}

}  // namespace

Command SubmitCommand() {
  Command command;
  command.name = "submit";
  command.usage = "submit FUNCTION [ARGS...] [flags]";
  command.summary = "submit a task; prints its id (or its outcome with --wait)";
  command.details =
      "ARGS and --kw values are JSON when they parse as JSON, else strings:\n"
      "`submit sleep 2` sends the number 2, `submit fail boom` the string "
      "\"boom\".\nDurations: 2s, 500ms, 1m or plain seconds (1.5).\n";
  command.flags = {
      {"kw", "KEY=VALUE", "keyword argument (repeatable)"},
      {"pool", "POOL", "thread or process (default: the function's)"},
      {"priority", "N", "lower runs first (default 0)"},
      {"timeout", "DURATION", "run-time limit"},
      {"delay", "DURATION", "do not start before this much time passed"},
      {"input", "TEXT", "raw input (stdin of exec; echo copies it)"},
      {"label", "KEY=VALUE", "label the task (repeatable)"},
      {"retries", "N", "re-run up to N times after a failure"},
      {"request-id", "ID", "idempotency key (default: a random one)"},
      {"wait", "", "wait for the task and print its outcome"},
  };
  command.run = [command](const CommandContext& context,
                          const ParsedArguments& arguments) {
    return RunSubmit(command, context, arguments);
  };
  return command;
}

}  // namespace execd::cli
