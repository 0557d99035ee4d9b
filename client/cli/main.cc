// execctl: the command-line client of execd. See `execctl --help`.
#include <iostream>
#include <string>
#include <vector>

#include "client/cli/commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return execd::cli::RunExecctl(args, std::cout, std::cerr);
}
