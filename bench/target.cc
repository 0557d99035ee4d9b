#include "bench/target.h"

#include "absl/strings/str_cat.h"
#include "client/cpp/task_status.h"

namespace execd::bench {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // A connection of its own, not shared with other channels of the process.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

void SetDeadline(grpc::ClientContext* context, absl::Duration deadline) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
}

absl::Status CallFailed(absl::string_view call, const grpc::Status& status) {
  const absl::Status failed = FromGrpcStatus(status);
  return absl::Status(failed.code(),
                      absl::StrCat(call, ": ", failed.message()));
}

std::optional<int64_t> Target::RssBytes() const {
  if (server == nullptr) return std::nullopt;
  absl::StatusOr<int64_t> rss = server->RssBytes();
  if (!rss.ok()) return std::nullopt;
  return *rss;
}

absl::StatusOr<std::unique_ptr<Target>> AcquireTarget(
    const BenchConfig& config, const std::vector<std::string>& flags) {
  auto target = std::make_unique<Target>();
  if (config.target.empty()) {
    absl::StatusOr<std::unique_ptr<ServerLauncher>> server =
        ServerLauncher::Start(config.execd_path, flags);
    if (!server.ok()) return server.status();
    target->server = *std::move(server);
    target->address = target->server->grpc_address();
  } else {
    target->address = config.target;
  }
  target->channel = MakeChannel(target->address);
  if (!target->channel->WaitForConnected(
          absl::ToChronoTime(absl::Now() + absl::Seconds(10)))) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to execd at ", target->address));
  }
  target->stub = v1::Executor::NewStub(target->channel);
  return target;
}

bool HasProcessPool(v1::Executor::Stub* stub) {
  grpc::ClientContext context;
  SetDeadline(&context, absl::Seconds(10));
  v1::GetPoolsResponse response;
  if (!stub->GetPools(&context, v1::GetPoolsRequest(), &response).ok()) {
    return false;
  }
  for (const v1::PoolStatus& pool : response.pools()) {
    if (pool.pool() == v1::POOL_PROCESS && pool.workers() > 0) return true;
  }
  return false;
}

v1::SubmitRequest EchoRequest(v1::Pool pool) {
  v1::SubmitRequest request;
  request.set_function("echo");
  request.set_pool(pool);
  return request;
}

v1::SubmitRequest SleepRequest(double seconds) {
  v1::SubmitRequest request;
  request.set_function("sleep");
  request.add_args()->set_number_value(seconds);
  return request;
}

v1::SubmitRequest PrimesRequest(int64_t n, v1::Pool pool) {
  v1::SubmitRequest request;
  request.set_function("primes");
  request.add_args()->set_number_value(static_cast<double>(n));
  request.set_pool(pool);
  return request;
}

}  // namespace execd::bench
