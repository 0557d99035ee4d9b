#ifndef EXECD_SERVER_APP_SERVER_MAIN_H_
#define EXECD_SERVER_APP_SERVER_MAIN_H_

#include "server/app/flags.h"

namespace execd {

// Runs the server until SIGTERM or SIGINT, then drains. Returns the exit code.
int RunServer(const ServerConfig& config);

}  // namespace execd

#endif  // EXECD_SERVER_APP_SERVER_MAIN_H_
