#ifndef EXECD_BENCH_PYTHON_MAP_PEER_H_
#define EXECD_BENCH_PYTHON_MAP_PEER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace execd::bench {

// Python's ProcessPoolExecutor.map in a process of its own
// (bench/python_map_peer.py), one call at a time over a pair of pipes, so
// that the bench can alternate it with execd's Map calls.
class PythonMapPeer {
 public:
  // Starts `python script` and waits until its pool is up.
  static absl::StatusOr<std::unique_ptr<PythonMapPeer>> Start(
      const std::string& python, const std::string& script);
  PythonMapPeer() = default;  // use Start
  // Ends its input and waits for it; SIGKILL by its pid if it lingers.
  ~PythonMapPeer();
  PythonMapPeer(const PythonMapPeer&) = delete;
  PythonMapPeer& operator=(const PythonMapPeer&) = delete;

  pid_t pid() const { return pid_; }

  // One map(function, range(items), chunksize=chunksize): items per
  // second. `function` is one of python_baseline.py's MAP_FUNCTIONS: "noop"
  // returns its arguments' tuple, "echo_result" what execd's echo returns.
  absl::StatusOr<double> Map(int64_t items, int chunksize,
                             absl::string_view function = "noop");

 private:
  // The next line it writes, without the newline; DEADLINE_EXCEEDED after
  // a minute of silence.
  absl::StatusOr<std::string> ReadLine();

  pid_t pid_ = -1;
  int to_peer_ = -1;
  int from_peer_ = -1;
  std::string pending_;  // read, not yet returned
};

}  // namespace execd::bench

#endif  // EXECD_BENCH_PYTHON_MAP_PEER_H_
