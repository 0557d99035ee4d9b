// Soak: a bounded run of mixed load on both pools of one real server
// (127.0.0.1) with cancels, timeouts, worker crashes, exec'd children and
// slow Callback readers, then the checks a long-lived server needs:
//   - every accepted task ended (terminal, or evicted which only happens to
//     terminal tasks) and nothing is pending or running;
//   - the server's RSS stopped growing once retention was full;
//   - its open file descriptors are back to the baseline;
//   - no worker process (nor exec'd child) outlives the server.
// EXECD_SOAK_SECONDS sets the load duration (default 150).

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/support/server_process.h"

namespace execd {
namespace {

using ::execd::integration::Millis;
using ::execd::integration::Number;
using ::execd::integration::Str;
using ::execd::testing::ServerProcess;

constexpr int kMaxRetained = 2000;
// A unique argument of the exec'd children, to find leftovers in /proc.
constexpr char kExecMarker[] = "31.4159";

absl::Duration SoakDuration() {
  const char* env = std::getenv("EXECD_SOAK_SECONDS");
  int seconds = 0;
  if (env != nullptr && absl::SimpleAtoi(env, &seconds) && seconds > 0) {
    return absl::Seconds(seconds);
  }
  return absl::Seconds(150);
}

int64_t RssKb(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      std::istringstream fields(line.substr(6));
      int64_t kb = 0;
      fields >> kb;
      return kb;
    }
  }
  return -1;
}

int OpenFds(pid_t pid) {
  std::error_code error;
  int count = 0;
  for (auto it = std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/fd"), error);
       !error && it != std::filesystem::directory_iterator();
       it.increment(error)) {
    ++count;
  }
  return error ? -1 : count;
}

// Alive and not a zombie (a zombie has exited; only its parent's reaping is
// left, and after the server exits that parent is init).
bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return errno != ESRCH;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string content((std::istreambuf_iterator<char>(stat)),
                      std::istreambuf_iterator<char>());
  const size_t paren = content.rfind(')');
  return paren == std::string::npos || paren + 2 >= content.size() ||
         content[paren + 2] != 'Z';
}

// Pids of live processes whose command line contains `marker`.
std::vector<pid_t> ProcessesWith(const std::string& marker) {
  std::vector<pid_t> found;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc", error)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream file(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(file)),
                        std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (absl::StrContains(cmdline, marker) && ProcessAlive(pid)) {
      found.push_back(pid);
    }
  }
  return found;
}

bool Terminal(v1::TaskState state) {
  return state == v1::TASK_STATE_SUCCEEDED || state == v1::TASK_STATE_FAILED ||
         state == v1::TASK_STATE_CANCELLED;
}

// What the run saw, shared by the load threads.
struct Observed {
  std::mutex mu;
  std::vector<std::string> task_ids;
  std::set<pid_t> worker_pids;
  std::map<std::string, int> outcomes;  // "function:STATE:reason" -> count
  std::vector<std::string> problems;

  void Problem(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    if (problems.size() < 20) problems.push_back(what);
  }
};

std::unique_ptr<grpc::ClientContext> Deadline(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

v1::SubmitRequest Request(const std::string& function, v1::Pool pool,
                          std::vector<google::protobuf::Value> args) {
  v1::SubmitRequest request;
  request.set_function(function);
  request.set_pool(pool);
  for (auto& arg : args) *request.add_args() = std::move(arg);
  return request;
}

// One load thread: submits a random mix and follows each task to its end.
void LoadLoop(v1::Executor::Stub& stub, absl::Time until, int seed,
              Observed* observed) {
  std::mt19937 random(seed);
  while (absl::Now() < until) {
    const int pick = static_cast<int>(random() % 100);
    v1::SubmitRequest request;
    enum { kNone, kCancelSoon } action = kNone;
    if (pick < 30) {
      request = Request("echo", v1::POOL_THREAD, {Number(pick), Str("x")});
      request.set_input(std::string(random() % 2048, 'i'));
    } else if (pick < 45) {
      request = Request("echo", v1::POOL_PROCESS, {Str("p")});
    } else if (pick < 60) {
      request = Request("primes", v1::POOL_PROCESS, {Number(20000)});
    } else if (pick < 67) {
      request = Request("sleep", v1::POOL_THREAD, {Number(5)});  // timeout
      *request.mutable_timeout() = Millis(30);
    } else if (pick < 73) {
      request = Request("primes", v1::POOL_PROCESS, {Number(1e9)});  // timeout
      *request.mutable_timeout() = Millis(50);
    } else if (pick < 80) {
      request = Request("sleep", v1::POOL_THREAD, {Number(5)});
      action = kCancelSoon;
    } else if (pick < 85) {
      request = Request("sleep", v1::POOL_PROCESS, {Number(5)});
      action = kCancelSoon;
    } else if (pick < 89) {
      request = Request("exec", v1::POOL_PROCESS,
                        {Str("/bin/sleep"), Str(kExecMarker)});
      action = kCancelSoon;
    } else if (pick < 91) {
      request = Request("crash", v1::POOL_PROCESS,
                        {Str(pick % 2 == 0 ? "abort" : "segv")});
    } else if (pick < 96) {
      request = Request("fail", v1::POOL_THREAD, {Str("soak")});
      request.set_max_retries(pick % 3 == 0 ? 1 : 0);
    } else {
      request = Request("echo", v1::POOL_THREAD, {});
      *request.mutable_delay() = Millis(100);
    }
    request.set_priority(static_cast<int32_t>(random() % 5));
    (*request.mutable_labels())["soak"] = "1";

    v1::SubmitResponse response;
    grpc::Status status =
        stub.Submit(Deadline(absl::Seconds(20)).get(), request, &response);
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      absl::SleepFor(absl::Milliseconds(20));
      continue;
    }
    if (!status.ok()) {
      observed->Problem(absl::StrCat("Submit ", request.function(), ": ",
                                     status.error_message()));
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(observed->mu);
      observed->task_ids.push_back(response.task_id());
    }
    if (action == kCancelSoon) {
      absl::SleepFor(absl::Milliseconds(random() % 60));
      v1::CancelRequest cancel;
      cancel.set_task_id(response.task_id());
      v1::CancelResponse cancelled;
      grpc::Status cancel_status = stub.Cancel(
          Deadline(absl::Seconds(20)).get(), cancel, &cancelled);
      if (!cancel_status.ok()) {
        observed->Problem(absl::StrCat("Cancel: ", cancel_status.error_message()));
      }
    }
    v1::ResultRequest result_request;
    result_request.set_task_id(response.task_id());
    *result_request.mutable_timeout() = Millis(60000);
    v1::Task task;
    grpc::Status result = stub.Result(Deadline(absl::Seconds(90)).get(),
                                      result_request, &task);
    if (!result.ok() || !Terminal(task.state())) {
      observed->Problem(absl::StrCat("Result ", response.task_id(), " (",
                                     request.function(), "): ",
                                     result.error_message(), " state ",
                                     v1::TaskState_Name(task.state())));
      continue;
    }
    std::lock_guard<std::mutex> lock(observed->mu);
    ++observed->outcomes[absl::StrCat(task.function(), ":",
                                      v1::TaskState_Name(task.state()), ":",
                                      task.error().reason())];
    const size_t at = task.worker().find("/pid-");
    pid_t pid = 0;
    if (at != std::string::npos &&
        absl::SimpleAtoi(task.worker().substr(at + 5), &pid)) {
      observed->worker_pids.insert(pid);
    }
  }
}

// Slow readers: each opens its own channel, watches every task's events,
// reads a few and then stops reading for a while, so the server must end
// (not buffer without bound) the stream at --max_stream_buffer events.
void SlowReaders(const std::string& target, absl::Time until,
                 std::atomic<int>* ended_by_server) {
  while (absl::Now() + absl::Seconds(20) < until) {
    // A small, fixed HTTP/2 window so the stall soon reaches the server.
    grpc::ChannelArguments args;
    args.SetInt("grpc.use_local_subchannel_pool", 1);
    args.SetInt("grpc.http2.bdp_probe", 0);
    args.SetInt("grpc.http2.lookahead_bytes", 16384);
    auto channel = grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args);
    auto stub = v1::Executor::NewStub(channel);
    grpc::ClientContext context;
    // Bounds the whole stream: the stall, then draining what was buffered.
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::CallbackRequest request;
    request.set_all_tasks(true);
    request.set_include_started(true);
    auto reader = stub->Callback(&context, request);
    v1::TaskEvent event;
    for (int i = 0; i < 3 && reader->Read(&event); ++i) {
    }
    absl::SleepFor(absl::Seconds(10));  // the reader stops reading
    // Reading again drains what the transport held; a server that ended the
    // stream meanwhile then shows its status (RESOURCE_EXHAUSTED), one that
    // did not keeps streaming until the deadline.
    while (reader->Read(&event)) {
    }
    grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++*ended_by_server;
    }
  }
}

v1::PoolStatus Pool(v1::Executor::Stub& stub, v1::Pool pool) {
  v1::GetPoolsResponse response;
  stub.GetPools(Deadline(absl::Seconds(10)).get(), v1::GetPoolsRequest(),
                &response);
  for (const auto& status : response.pools()) {
    if (status.pool() == pool) return status;
  }
  return v1::PoolStatus();
}

bool Quiet(v1::Executor::Stub& stub) {
  for (v1::Pool pool : {v1::POOL_THREAD, v1::POOL_PROCESS}) {
    v1::PoolStatus status = Pool(stub, pool);
    if (status.busy() != 0 || status.queue_depth() != 0 ||
        status.delayed() != 0 || status.starting() != 0 ||
        status.workers() != status.idle()) {
      return false;
    }
  }
  return true;
}

TEST(SoakTest, MixedLoadLeavesNoLeaks) {
  const absl::Duration duration = SoakDuration();
  absl::StatusOr<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start({"--threads=8", "--processes=3",
                            absl::StrCat("--max_retained_tasks=", kMaxRetained),
                            "--max_stream_buffer=32", "--queue_capacity=2000",
                            "--exec_allow=/bin/sleep", "--shutdown_grace=10s",
                            "--log_level=warning"});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<ServerProcess> server = std::move(*started);
  const pid_t server_pid = server->pid();
  auto stub = server->NewStub();

  // Warm up both pools so the baseline has its workers and connection.
  ASSERT_TRUE(integration::PollUntil([&] { return Quiet(*stub); },
                                     absl::Seconds(30)));
  Observed observed;
  LoadLoop(*stub, absl::Now() + absl::Seconds(1), 1, &observed);
  ASSERT_TRUE(integration::PollUntil([&] { return Quiet(*stub); },
                                     absl::Seconds(30)));
  const int baseline_fds = OpenFds(server_pid);
  ASSERT_GT(baseline_fds, 0);

  const absl::Time start = absl::Now();
  const absl::Time until = start + duration;
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back(LoadLoop, std::ref(*stub), until, 100 + i, &observed);
  }
  std::atomic<int> ended_by_server{0};
  threads.emplace_back(SlowReaders, server->target(), until, &ended_by_server);
  threads.emplace_back(SlowReaders, server->target(), until, &ended_by_server);

  // RSS every second, by third of the run.
  std::vector<int64_t> rss_by_third[3];
  while (absl::Now() < until) {
    absl::SleepFor(absl::Seconds(1));
    const double fraction = absl::FDivDuration(absl::Now() - start, duration);
    rss_by_third[std::min(2, static_cast<int>(fraction * 3))].push_back(
        RssKb(server_pid));
  }
  for (std::thread& thread : threads) thread.join();

  for (const std::string& problem : observed.problems) {
    ADD_FAILURE() << problem;
  }
  std::string outcomes;
  for (const auto& [key, count] : observed.outcomes) {
    absl::StrAppend(&outcomes, "  ", key, " x", count, "\n");
  }
  std::cout << observed.task_ids.size() << " tasks, "
            << observed.worker_pids.size() << " worker pids, "
            << ended_by_server.load() << " slow streams ended by the server\n"
            << outcomes;
  EXPECT_GT(observed.task_ids.size(), 5u * kMaxRetained)
      << "too little load to fill retention several times";
  EXPECT_GT(observed.outcomes["crash:TASK_STATE_FAILED:WORKER_LOST"], 0);
  EXPECT_GT(observed.outcomes["sleep:TASK_STATE_FAILED:TIMEOUT"], 0);
  EXPECT_GT(observed.outcomes["primes:TASK_STATE_FAILED:TIMEOUT"], 0);
  EXPECT_GT(observed.outcomes["sleep:TASK_STATE_CANCELLED:CANCELLED"], 0);
  EXPECT_GT(observed.outcomes["exec:TASK_STATE_CANCELLED:CANCELLED"], 0);
  EXPECT_GT(ended_by_server.load(), 0) << "no slow reader was cut off";

  // Every accepted task is terminal or evicted (only terminal tasks are).
  ASSERT_TRUE(integration::PollUntil([&] { return Quiet(*stub); },
                                     absl::Seconds(30)));
  int not_terminal = 0;
  int evicted = 0;
  for (const std::string& id : observed.task_ids) {
    v1::GetTaskRequest request;
    request.set_task_id(id);
    v1::Task task;
    grpc::Status status =
        stub->GetTask(Deadline(absl::Seconds(10)).get(), request, &task);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      ++evicted;
    } else if (!status.ok() || !Terminal(task.state())) {
      if (++not_terminal <= 5) {
        ADD_FAILURE() << id << ": " << status.error_message() << " "
                      << v1::TaskState_Name(task.state());
      }
    }
  }
  EXPECT_EQ(not_terminal, 0);
  EXPECT_GE(evicted, static_cast<int>(observed.task_ids.size()) - kMaxRetained);

  // RSS: once retention is full (well within the first third), the last
  // third must not grow past the middle third's peak (10% + 16 MiB slack for
  // allocator noise).
  ASSERT_FALSE(rss_by_third[1].empty());
  ASSERT_FALSE(rss_by_third[2].empty());
  const int64_t middle_peak =
      *std::max_element(rss_by_third[1].begin(), rss_by_third[1].end());
  const int64_t last_peak =
      *std::max_element(rss_by_third[2].begin(), rss_by_third[2].end());
  std::cout << "RSS peak (KiB): first third "
            << *std::max_element(rss_by_third[0].begin(),
                                 rss_by_third[0].end())
            << ", middle " << middle_peak << ", last " << last_peak << "\n";
  EXPECT_LE(last_peak, middle_peak + middle_peak / 10 + 16 * 1024);

  // File descriptors: back to the baseline once the slow readers' channels
  // are gone (connections close asynchronously, hence the poll).
  int fds = 0;
  integration::PollUntil(
      [&] {
        fds = OpenFds(server_pid);
        return fds <= baseline_fds;
      },
      absl::Seconds(15));
  EXPECT_LE(fds, baseline_fds) << "server fds grew from " << baseline_fds;

  // Shutdown: no worker process and no exec'd child outlives the server.
  stub.reset();
  server->Signal(SIGTERM);
  absl::StatusOr<int> exit = server->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(*exit, 0) << server->Log();
  std::vector<pid_t> alive;
  integration::PollUntil(
      [&] {
        alive.clear();
        for (pid_t pid : observed.worker_pids) {
          if (ProcessAlive(pid)) alive.push_back(pid);
        }
        return alive.empty();
      },
      absl::Seconds(5));
  EXPECT_TRUE(alive.empty()) << alive.size() << " worker(s) left, e.g. pid "
                             << (alive.empty() ? 0 : alive[0]);
  EXPECT_GE(observed.worker_pids.size(), 3u);
  EXPECT_TRUE(ProcessesWith(kExecMarker).empty())
      << "an exec'd /bin/sleep outlived its task";
}

}  // namespace
}  // namespace execd
