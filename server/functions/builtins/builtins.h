#ifndef EXECD_SERVER_FUNCTIONS_BUILTINS_BUILTINS_H_
#define EXECD_SERVER_FUNCTIONS_BUILTINS_BUILTINS_H_

#include "server/functions/function.h"

namespace execd {

// The built-in functions of API.md, one file each (echo.cc has noop too).
FunctionSpec EchoFunction();
FunctionSpec NoopFunction();  // added; in echo.cc
FunctionSpec SleepFunction();
FunctionSpec PrimesFunction();
FunctionSpec FailFunction();
FunctionSpec CrashFunction();
FunctionSpec ExecFunction();
FunctionSpec AllocateFunction();  // process pool only; for memory limits

}  // namespace execd

#endif  // EXECD_SERVER_FUNCTIONS_BUILTINS_BUILTINS_H_
