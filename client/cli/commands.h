#ifndef EXECD_CLIENT_CLI_COMMANDS_H_
#define EXECD_CLIENT_CLI_COMMANDS_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/cli/arguments.h"
#include "client/cpp/client.h"

namespace execd::cli {

// Process exit codes, part of execctl's contract.
enum ExitCode {
  kExitOk = 0,
  kExitTaskFailed = 1,  // the task failed or was cancelled
  kExitUsage = 2,
  kExitRpcError = 3,
};

// What a command runs with.
struct CommandContext {
  std::string target;
  bool json = false;
  std::ostream* out;
  std::ostream* err;
  // Connects on first use, so --help and usage errors need no server.
  std::function<Client&()> client;
};

struct Command {
  std::string name;
  std::string usage;    // e.g. "submit FUNCTION [ARGS...] [flags]"
  std::string summary;  // one line for the command list
  std::string details;  // more text for --help
  std::vector<FlagSpec> flags;
  std::function<int(const CommandContext& context,
                    const ParsedArguments& arguments)>
      run;
};

// Flags every command accepts.
std::vector<FlagSpec> GlobalFlags();

std::vector<Command> AllCommands();
Command SubmitCommand();
Command ResultCommand();
Command CancelCommand();
Command WatchCommand();
Command ListCommand();
Command FunctionsCommand();
Command PoolsCommand();
Command TopCommand();

std::string CommandHelp(const Command& command);

// Prints "execctl: <message>" and returns the code fitting `status`: usage
// for INVALID_ARGUMENT raised by the CLI itself, else an RPC error.
int ReportRpcError(const CommandContext& context, const absl::Status& status);
int ReportUsageError(const CommandContext& context, const Command& command,
                     const absl::Status& status);

// Prints a task (JSON or for people) and returns 0, or 1 when it FAILED or
// was CANCELLED.
int PrintTaskOutcome(const CommandContext& context, const v1::Task& task);

// Runs execctl with `args` (without the program name).
int RunExecctl(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace execd::cli

#endif  // EXECD_CLIENT_CLI_COMMANDS_H_
