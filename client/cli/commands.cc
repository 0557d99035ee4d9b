#include "client/cli/commands.h"

#include <cstdlib>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/connection_flags.h"

namespace execd::cli {
namespace {

constexpr char kDefaultTarget[] = "localhost:50051";

std::string ProgramHelp() {
  std::string help =
      "execctl: command-line client of the execd executor service.\n\n"
      "usage: execctl [--target HOST:PORT] [--json] COMMAND [ARGS...]\n\n"
      "commands:\n";
  for (const Command& command : AllCommands()) {
    absl::StrAppendFormat(&help, "  %-10s %s\n", command.name, command.summary);
  }
  absl::StrAppend(
      &help,
      "\nglobal flags:\n"
      "  --target HOST:PORT  server address (default $EXECD_TARGET or ",
      kDefaultTarget,
      ")\n"
      "  --json              machine-readable JSON output\n"
      "  --token TOKEN, --token_file PATH   bearer token (or $EXECD_TOKEN)\n"
      "  --tls, --tls_ca_file PATH, --tls_cert_file PATH, --tls_key_file "
      "PATH,\n"
      "  --tls_server_name NAME             TLS and mutual TLS\n\n"
      "exit codes: 0 ok, 1 task failed or cancelled, 2 usage error, 3 RPC "
      "error.\n"
      "Run `execctl COMMAND --help` for a command's flags.\n");
  return help;
}

std::string DefaultTarget() {
  const char* from_env = std::getenv("EXECD_TARGET");
  return from_env != nullptr && *from_env != '\0' ? from_env : kDefaultTarget;
}

bool IsGlobalFlagWithValue(const std::string& arg) {
  for (const FlagSpec& flag : GlobalFlags()) {
    if (!flag.value_name.empty() && arg == "--" + flag.name) return true;
  }
  return false;
}

// Finds the command word: the first argument that is not a flag or the
// value of a global flag.
std::optional<size_t> FindCommandIndex(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (IsGlobalFlagWithValue(args[i])) {
      ++i;
      continue;
    }
    if (args[i].empty() || args[i][0] != '-') return i;
  }
  return std::nullopt;
}

}  // namespace

std::vector<FlagSpec> GlobalFlags() {
  std::vector<FlagSpec> flags = {
      {"target", "HOST:PORT", "server address"},
      {"json", "", "machine-readable JSON output"},
      {"help", "", "show this help"},
  };
  for (FlagSpec& flag : ConnectionFlags()) flags.push_back(std::move(flag));
  return flags;
}

std::vector<Command> AllCommands() {
  return {SubmitCommand(), ResultCommand(),    CancelCommand(), WatchCommand(),
          ListCommand(),   FunctionsCommand(), PoolsCommand(),  TopCommand()};
}

std::string CommandHelp(const Command& command) {
  std::string help = absl::StrCat("usage: execctl ", command.usage, "\n\n",
                                  command.summary, "\n");
  if (!command.details.empty()) absl::StrAppend(&help, "\n", command.details);
  absl::StrAppend(&help, "\nflags:\n");
  std::vector<FlagSpec> flags = command.flags;
  for (FlagSpec& global : GlobalFlags()) flags.push_back(std::move(global));
  for (const FlagSpec& flag : flags) {
    std::string left = absl::StrCat("--", flag.name);
    if (!flag.value_name.empty()) absl::StrAppend(&left, " ", flag.value_name);
    absl::StrAppendFormat(&help, "  %-22s %s\n", left, flag.help);
  }
  return help;
}

int ReportRpcError(const CommandContext& context, const absl::Status& status) {
  *context.err << "execctl: " << absl::StatusCodeToString(status.code()) << ": "
               << status.message() << "\n";
  return kExitRpcError;
}

int ReportUsageError(const CommandContext& context, const Command& command,
                     const absl::Status& status) {
  *context.err << "execctl " << command.name << ": " << status.message()
               << "\nusage: execctl " << command.usage << "\n(see execctl "
               << command.name << " --help)\n";
  return kExitUsage;
}

int RunExecctl(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  std::optional<size_t> command_index = FindCommandIndex(args);
  if (!command_index.has_value() || args[*command_index] == "help") {
    bool asked = command_index.has_value();
    for (const std::string& arg : args) asked |= arg == "--help" || arg == "-h";
    (asked ? out : err) << ProgramHelp();
    return asked ? kExitOk : kExitUsage;
  }
  const std::string& name = args[*command_index];
  std::optional<Command> command;
  for (Command& candidate : AllCommands()) {
    if (candidate.name == name) command = std::move(candidate);
  }
  if (!command.has_value()) {
    err << "execctl: unknown command \"" << name << "\"\n\n" << ProgramHelp();
    return kExitUsage;
  }
  std::vector<std::string> rest = args;
  rest.erase(rest.begin() + *command_index);
  std::vector<FlagSpec> specs = command->flags;
  for (FlagSpec& global : GlobalFlags()) specs.push_back(std::move(global));

  CommandContext context;
  context.out = &out;
  context.err = &err;
  absl::StatusOr<ParsedArguments> arguments = ParseArguments(rest, specs);
  if (!arguments.ok()) {
    return ReportUsageError(context, *command, arguments.status());
  }
  if (arguments->Has("help")) {
    out << CommandHelp(*command);
    return kExitOk;
  }
  context.target = arguments->Get("target").value_or(DefaultTarget());
  context.json = arguments->Has("json");
  absl::StatusOr<ChannelSecurity> security =
      ChannelSecurityFromFlags(*arguments);
  if (!security.ok()) {
    return ReportUsageError(context, *command, security.status());
  }
  std::unique_ptr<Client> client;
  context.client = [&]() -> Client& {
    if (client == nullptr) {
      client =
          std::make_unique<Client>(CreateChannel(context.target, *security));
    }
    return *client;
  };
  return command->run(context, *arguments);
}

}  // namespace execd::cli
