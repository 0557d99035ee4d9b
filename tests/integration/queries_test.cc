// ListTasks, ListFunctions, GetPools and result retention against a real
// server.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace execd::integration {
namespace {

class QueriesTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags = {"--threads=3"}) {
    auto server = StartThreadServer(std::move(flags));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
  }

  grpc::Status List(const v1::ListTasksRequest& request,
                    v1::ListTasksResponse* response) {
    auto context = Context();
    return stub_->ListTasks(context.get(), request, response);
  }

  // Ids of every task matching `request`, following next_page_token.
  std::vector<std::string> ListAll(v1::ListTasksRequest request,
                                   int* pages = nullptr) {
    std::vector<std::string> ids;
    int count = 0;
    do {
      v1::ListTasksResponse response;
      grpc::Status status = List(request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      ++count;
      if (request.page_size() > 0) {
        EXPECT_LE(response.tasks_size(), request.page_size());
      }
      for (const v1::Task& task : response.tasks()) {
        ids.push_back(task.task_id());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty() && count < 100);
    if (pages != nullptr) *pages = count;
    return ids;
  }

  bool Exists(const std::string& id) {
    v1::Task task;
    grpc::Status status = GetTask(*stub_, id, &task);
    EXPECT_TRUE(status.ok() ||
                status.error_code() == grpc::StatusCode::NOT_FOUND)
        << status.error_message();
    return status.ok();
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(QueriesTest, ListTasksFiltersByStateFunctionAndLabels) {
  StartServer();
  std::vector<std::string> echoes;
  for (int i = 0; i < 3; ++i) {
    v1::SubmitRequest request = MakeSubmit("echo", {Number(i)});
    (*request.mutable_labels())["batch"] = i < 2 ? "a" : "b";
    (*request.mutable_labels())["owner"] = "me";
    echoes.push_back(SubmitOk(*stub_, request));
  }
  const std::string failed = SubmitOk(*stub_, MakeSubmit("fail", {Str("x")}));
  v1::SubmitRequest sleep = MakeSleep(30);
  (*sleep.mutable_labels())["batch"] = "a";
  const std::string running = SubmitOk(*stub_, sleep);
  for (const std::string& id : echoes) AwaitTerminal(*stub_, id);
  AwaitTerminal(*stub_, failed);
  ASSERT_TRUE(WaitForState(*stub_, running, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));

  v1::ListTasksRequest all;
  EXPECT_EQ(ListAll(all).size(), 5u);

  v1::ListTasksRequest by_state;
  by_state.set_state(v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(ListAll(by_state), echoes);
  by_state.set_state(v1::TASK_STATE_FAILED);
  EXPECT_EQ(ListAll(by_state), std::vector<std::string>{failed});
  by_state.set_state(v1::TASK_STATE_RUNNING);
  EXPECT_EQ(ListAll(by_state), std::vector<std::string>{running});
  by_state.set_state(v1::TASK_STATE_CANCELLED);
  EXPECT_TRUE(ListAll(by_state).empty());

  v1::ListTasksRequest by_function;
  by_function.set_function("echo");
  EXPECT_EQ(ListAll(by_function), echoes);
  by_function.set_function("primes");
  EXPECT_TRUE(ListAll(by_function).empty());

  v1::ListTasksRequest by_label;
  (*by_label.mutable_labels())["batch"] = "a";
  EXPECT_EQ(ListAll(by_label),
            (std::vector<std::string>{echoes[0], echoes[1], running}));
  (*by_label.mutable_labels())["owner"] = "me";  // all labels must match
  EXPECT_EQ(ListAll(by_label),
            (std::vector<std::string>{echoes[0], echoes[1]}));
  by_label.set_state(v1::TASK_STATE_SUCCEEDED);
  by_label.set_function("echo");
  EXPECT_EQ(ListAll(by_label).size(), 2u);
  (*by_label.mutable_labels())["owner"] = "you";
  EXPECT_TRUE(ListAll(by_label).empty());

  // Listed tasks carry their fields.
  v1::ListTasksResponse response;
  v1::ListTasksRequest one;
  one.set_state(v1::TASK_STATE_FAILED);
  ASSERT_TRUE(List(one, &response).ok());
  ASSERT_EQ(response.tasks_size(), 1);
  EXPECT_EQ(response.tasks(0).function(), "fail");
  EXPECT_EQ(response.tasks(0).error().reason(), "TASK_ERROR");
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_F(QueriesTest, ListTasksPages) {
  StartServer();
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(SubmitOk(*stub_, MakeSubmit("echo", {Number(i)})));
  }
  v1::ListTasksRequest request;
  request.set_page_size(3);
  int pages = 0;
  EXPECT_EQ(ListAll(request, &pages), ids);  // every task once, in order
  EXPECT_EQ(pages, 3);

  v1::ListTasksResponse first;
  ASSERT_TRUE(List(request, &first).ok());
  EXPECT_EQ(first.tasks_size(), 3);
  EXPECT_FALSE(first.next_page_token().empty());

  // Paging with a filter: only matching tasks count towards the page.
  for (int i = 0; i < 3; ++i) SubmitOk(*stub_, MakeSubmit("fail"));
  v1::ListTasksRequest failed;
  failed.set_function("fail");
  failed.set_page_size(2);
  EXPECT_EQ(ListAll(failed, &pages).size(), 3u);
  EXPECT_EQ(pages, 2);

  v1::ListTasksRequest bad_token;
  bad_token.set_page_token("not-a-token");
  v1::ListTasksResponse response;
  EXPECT_EQ(List(bad_token, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListTasksRequest negative;
  negative.set_page_size(-1);
  EXPECT_EQ(List(negative, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(QueriesTest, ListFunctionsDescribesEveryBuiltin) {
  StartServer();
  auto context = Context();
  v1::ListFunctionsResponse response;
  ASSERT_TRUE(stub_->ListFunctions(context.get(), v1::ListFunctionsRequest(),
                                   &response)
                  .ok());
  std::map<std::string, v1::FunctionInfo> functions;
  for (const v1::FunctionInfo& info : response.functions()) {
    EXPECT_FALSE(info.description().empty()) << info.name();
    EXPECT_FALSE(info.signature().empty()) << info.name();
    EXPECT_GT(info.pools_size(), 0) << info.name();
    functions[info.name()] = info;
  }
  auto pools = [&](const std::string& name) {
    std::set<int> result;
    for (int pool : functions[name].pools()) result.insert(pool);
    return result;
  };
  const std::set<int> both = {v1::POOL_THREAD, v1::POOL_PROCESS};
  const std::set<int> process_only = {v1::POOL_PROCESS};
  for (const char* name :
       {"echo", "noop", "sleep", "primes", "fail", "crash", "exec"}) {
    ASSERT_TRUE(functions.count(name)) << name << " missing";
  }
  EXPECT_EQ(functions["echo"].default_pool(), v1::POOL_THREAD);
  EXPECT_EQ(pools("echo"), both);
  EXPECT_EQ(functions["noop"].default_pool(), v1::POOL_THREAD);
  EXPECT_EQ(pools("noop"), both);
  EXPECT_EQ(functions["sleep"].default_pool(), v1::POOL_THREAD);
  EXPECT_EQ(pools("sleep"), both);
  EXPECT_EQ(functions["fail"].default_pool(), v1::POOL_THREAD);
  EXPECT_EQ(pools("fail"), both);
  EXPECT_EQ(functions["primes"].default_pool(), v1::POOL_PROCESS);
  EXPECT_EQ(pools("primes"), both);
  EXPECT_EQ(functions["crash"].default_pool(), v1::POOL_PROCESS);
  EXPECT_EQ(pools("crash"), process_only);
  EXPECT_EQ(functions["exec"].default_pool(), v1::POOL_PROCESS);
  EXPECT_EQ(pools("exec"), process_only);
}

TEST_F(QueriesTest, GetPoolsReportsWorkersQueueAndCounters) {
  StartServer({"--threads=2", "--queue_capacity=50"});
  v1::PoolStatus pool = ThreadPoolStatus(*stub_);
  EXPECT_EQ(pool.workers(), 2);
  EXPECT_EQ(pool.idle(), 2);
  EXPECT_EQ(pool.busy(), 0);
  EXPECT_EQ(pool.queue_depth(), 0);
  EXPECT_EQ(pool.queue_capacity(), 50);
  EXPECT_EQ(pool.delayed(), 0);

  const std::string a = SubmitOk(*stub_, MakeSleep(30));
  const std::string b = SubmitOk(*stub_, MakeSleep(30));
  ASSERT_TRUE(WaitForState(*stub_, a, v1::TASK_STATE_RUNNING, absl::Seconds(5)));
  ASSERT_TRUE(WaitForState(*stub_, b, v1::TASK_STATE_RUNNING, absl::Seconds(5)));
  const std::string queued1 = SubmitOk(*stub_, MakeSubmit("echo"));
  const std::string queued2 = SubmitOk(*stub_, MakeSubmit("fail"));
  v1::SubmitRequest delayed = MakeSubmit("echo");
  *delayed.mutable_delay() = Millis(60000);
  const std::string later = SubmitOk(*stub_, delayed);
  pool = ThreadPoolStatus(*stub_);
  EXPECT_EQ(pool.busy(), 2);
  EXPECT_EQ(pool.idle(), 0);
  EXPECT_EQ(pool.queue_depth(), 2);
  EXPECT_EQ(pool.delayed(), 1);

  v1::CancelResponse cancelled;
  ASSERT_TRUE(Cancel(*stub_, a, &cancelled).ok());
  ASSERT_TRUE(Cancel(*stub_, later, &cancelled).ok());
  AwaitTerminal(*stub_, queued1);
  AwaitTerminal(*stub_, queued2);
  pool = ThreadPoolStatus(*stub_);
  EXPECT_EQ(pool.queue_depth(), 0);
  EXPECT_EQ(pool.delayed(), 0);
  EXPECT_EQ(pool.succeeded(), 1);
  EXPECT_EQ(pool.failed(), 1);
  EXPECT_EQ(pool.cancelled(), 2);
  EXPECT_TRUE(PollUntil([&] { return ThreadPoolStatus(*stub_).busy() == 1; },
                        absl::Seconds(2)));
  EXPECT_EQ(ThreadPoolStatus(*stub_).worker_restarts(), 0);
}

TEST_F(QueriesTest, FinishedTasksExpireAfterResultTtl) {
  StartServer({"--threads=2", "--result_ttl=1s"});
  const std::string done = SubmitOk(*stub_, MakeSubmit("echo"));
  AwaitTerminal(*stub_, done);
  EXPECT_TRUE(Exists(done));
  const std::string running = SubmitOk(*stub_, MakeSleep(30));
  v1::SubmitRequest delayed = MakeSubmit("echo");
  *delayed.mutable_delay() = Millis(30000);
  const std::string pending = SubmitOk(*stub_, delayed);
  const absl::Time start = absl::Now();
  EXPECT_TRUE(PollUntil([&] { return !Exists(done); }, absl::Seconds(6)))
      << "finished task still retained long after --result_ttl=1s";
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(500));
  v1::Task task;
  EXPECT_EQ(Result(*stub_, done, absl::Milliseconds(10), &task).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Pending and running tasks are never evicted.
  absl::SleepFor(absl::Milliseconds(1200));
  ASSERT_TRUE(GetTask(*stub_, running, &task).ok());
  EXPECT_EQ(task.state(), v1::TASK_STATE_RUNNING);
  ASSERT_TRUE(GetTask(*stub_, pending, &task).ok());
  EXPECT_EQ(task.state(), v1::TASK_STATE_PENDING);
}

TEST_F(QueriesTest, MaxRetainedEvictsOldestFinishedFirst) {
  StartServer({"--threads=2", "--max_retained_tasks=4"});
  const std::string running = SubmitOk(*stub_, MakeSleep(30));
  ASSERT_TRUE(WaitForState(*stub_, running, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  std::vector<std::string> done;
  for (int i = 0; i < 6; ++i) {
    v1::SubmitRequest request = MakeSubmit("echo", {Number(i)});
    request.set_request_id(absl::StrCat("keep-", i));
    done.push_back(SubmitOk(*stub_, request));
    AwaitTerminal(*stub_, done.back());
  }
  // 4 retained: the running sleep plus the 3 newest finished.
  EXPECT_TRUE(Exists(running));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(Exists(done[i])) << i;
  for (int i = 3; i < 6; ++i) EXPECT_TRUE(Exists(done[i])) << i;
  EXPECT_EQ(ListAll(v1::ListTasksRequest()).size(), 4u);

  // An evicted request id no longer deduplicates.
  v1::SubmitRequest again = MakeSubmit("echo", {Number(0)});
  again.set_request_id("keep-0");
  v1::SubmitResponse response;
  ASSERT_TRUE(Submit(*stub_, again, &response).ok());
  EXPECT_FALSE(response.duplicate());
  EXPECT_NE(response.task_id(), done[0]);
  // A retained one still does.
  again.set_request_id("keep-5");
  ASSERT_TRUE(Submit(*stub_, again, &response).ok());
  EXPECT_TRUE(response.duplicate());
  EXPECT_EQ(response.task_id(), done[5]);
}

}  // namespace
}  // namespace execd::integration
