#include "server/functions/function.h"

#include <algorithm>

namespace execd {

bool FunctionSpec::AllowsPool(v1::Pool pool) const {
  return std::find(pools.begin(), pools.end(), pool) != pools.end();
}

}  // namespace execd
