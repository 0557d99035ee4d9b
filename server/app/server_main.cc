#include "server/app/server_main.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/app/pools.h"
#include "server/app/server_credentials.h"
#include "server/core/executor.h"
#include "server/core/log.h"
#include "server/functions/registry.h"
#include "server/metrics/prometheus_metrics.h"
#include "server/service/executor_service.h"
#include "server/service/open_streams.h"
#include "server/service/token_authenticator.h"

namespace execd {
namespace {

constexpr char kServiceName[] = "execd.v1.Executor";
// Stays SERVING while the process lives, also during a drain: the liveness
// probe's service name. "" and kServiceName are readiness.
constexpr char kLivenessName[] = "liveness";
// After the drain, how long open streams get to flush their last events.
constexpr absl::Duration kStreamFlushTime = absl::Seconds(2);

std::string HostOf(const std::string& address) {
  return address.substr(0, address.rfind(':'));
}

bool WriteReadyFile(const std::string& path, const std::string& grpc_address,
                    const std::string& metrics_address) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << "grpc=" << grpc_address << "\nmetrics=" << metrics_address << "\n";
    if (!out) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

void SetReady(grpc::Server& server, bool ready) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  health->SetServingStatus("", ready);
  health->SetServingStatus(kServiceName, ready);
}

int64_t ToChannelArgMs(absl::Duration duration) {
  return std::min<int64_t>(absl::ToInt64Milliseconds(duration), INT32_MAX);
}

// Re-reads the token file; on error the tokens in use stay.
void ReloadTokens(TokenAuthenticator* authenticator) {
  if (authenticator == nullptr) {
    Log(LogLevel::kInfo, "auth_reload", {{"skipped", "no --auth_token_file"}});
    return;
  }
  absl::StatusOr<size_t> tokens = authenticator->Reload();
  if (tokens.ok()) {
    Log(LogLevel::kInfo, "auth_reload", {{"tokens", absl::StrCat(*tokens)}});
  } else {
    Log(LogLevel::kError, "auth_reload_failed",
        {{"error", std::string(tokens.status().message())},
         {"kept", "previous tokens"}});
  }
}

// Serves SIGHUP (token reload) until SIGTERM or SIGINT, which it returns.
int WaitForStopSignal(const sigset_t& signals,
                      TokenAuthenticator* authenticator) {
  while (true) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number != SIGHUP) return signal_number;
    ReloadTokens(authenticator);
  }
}

// Flag errors found only when reading the files named: one line, exit 2.
int FlagFileError(const absl::Status& status) {
  std::fprintf(stderr, "execd: %s\n", std::string(status.message()).c_str());
  return 2;
}

}  // namespace

int RunServer(const ServerConfig& config) {
  SetLogLevel(config.log_level);
  // Block the stop and reload signals in every thread; main takes them with
  // sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<TokenAuthenticator> authenticator;
  if (!config.auth_token_file.empty()) {
    absl::StatusOr<std::unique_ptr<TokenAuthenticator>> loaded =
        TokenAuthenticator::FromFile(config.auth_token_file);
    if (!loaded.ok()) return FlagFileError(loaded.status());
    authenticator = *std::move(loaded);
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(config);
  if (!credentials.ok()) return FlagFileError(credentials.status());

  const FunctionRegistry registry = FunctionRegistry::WithBuiltins();
  PrometheusMetrics metrics(registry);
  ExecutorOptions options;
  options.queue_capacity = config.queue_capacity;
  options.result_ttl = config.result_ttl;
  options.max_retained_tasks = config.max_retained_tasks;
  options.default_task_timeout = config.default_task_timeout;
  options.limits.exec_allow = config.exec_allow;
  options.limits.max_output_bytes = config.max_message_bytes;
  Executor executor(options, &registry, &metrics);
  absl::StatusOr<Pools> pools = MakePools(config, registry, executor);
  if (!pools.ok()) {
    Log(LogLevel::kError, "start_failed",
        {{"error", std::string(pools.status().message())}});
    return 1;
  }
  // Whatever way this function returns, /metrics stops reading the executor
  // and the executor stops (closing queues, stopping workers) before the
  // executor and the pools it points to are destroyed.
  absl::Cleanup stop_executor = [&metrics, &executor] {
    metrics.StopServing();
    executor.Shutdown();
  };

  OpenStreams streams;
  ExecutorService service(ServiceContext{
      &executor, &streams, static_cast<size_t>(config.max_stream_buffer),
      authenticator.get()});
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(config.grpc_address, *credentials, &grpc_port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(config.max_message_bytes));
  if (config.max_connection_age != absl::InfiniteDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               ToChannelArgMs(config.max_connection_age));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               ToChannelArgMs(config.max_connection_age_grace));
  }
  builder.RegisterService(&service);
  builder.experimental().SetInterceptorCreators(
      metrics.GrpcInterceptorCreators());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || grpc_port == 0) {
    Log(LogLevel::kError, "start_failed",
        {{"error", absl::StrCat("cannot listen on ", config.grpc_address)}});
    return 1;
  }
  if (absl::Status status =
          metrics.Serve(config.metrics_address, &executor, streams.count());
      !status.ok()) {
    Log(LogLevel::kError, "start_failed",
        {{"error", std::string(status.message())}});
    return 1;
  }
  executor.Start();
  server->GetHealthCheckService()->SetServingStatus(kLivenessName, true);
  SetReady(*server, true);

  const std::string grpc_address =
      absl::StrCat(HostOf(config.grpc_address), ":", grpc_port);
  const std::string metrics_address =
      absl::StrCat(HostOf(config.metrics_address), ":", metrics.port());
  Log(LogLevel::kInfo, "config",
      {{"threads", absl::StrCat(config.threads)},
       {"processes", absl::StrCat(config.processes)},
       {"queue_capacity", absl::StrCat(config.queue_capacity)},
       {"result_ttl", absl::FormatDuration(config.result_ttl)},
       {"max_retained_tasks", absl::StrCat(config.max_retained_tasks)},
       {"shutdown_grace", absl::FormatDuration(config.shutdown_grace)},
       {"exec_allow", absl::StrJoin(config.exec_allow, ",")},
       {"auth", authenticator != nullptr ? "token" : "none"},
       {"tls", config.tls_cert_file.empty()        ? "off"
               : config.tls_client_ca_file.empty() ? "on"
                                                   : "mutual"}});
  Log(LogLevel::kInfo, "start",
      {{"grpc", grpc_address}, {"metrics", metrics_address}});
  if (!config.ready_file.empty() &&
      !WriteReadyFile(config.ready_file, grpc_address, metrics_address)) {
    Log(LogLevel::kError, "start_failed",
        {{"error", absl::StrCat("cannot write ", config.ready_file)}});
    return 1;
  }

  const int signal_number =
      WaitForStopSignal(stop_signals, authenticator.get());
  Log(LogLevel::kInfo, "drain",
      {{"signal", absl::StrCat(signal_number)},
       {"unfinished", absl::StrCat(executor.store().unfinished())},
       {"grace", absl::FormatDuration(config.shutdown_grace)}});
  SetReady(*server, false);
  executor.BeginDrain();
  const bool idle = executor.WaitIdle(absl::Now() + config.shutdown_grace);
  const int64_t abandoned = executor.store().unfinished();
  executor.Shutdown();  // the rest ends CANCELLED/SHUTDOWN, streams told
  streams.CloseAll(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shut down"));
  const absl::Time flush_deadline = absl::Now() + kStreamFlushTime;
  while (streams.count()->load() > 0 && absl::Now() < flush_deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  server->Wait();
  Log(LogLevel::kInfo, "stop",
      {{"drained", idle ? "true" : "false"},
       {"cancelled_at_shutdown", absl::StrCat(abandoned)}});
  return 0;
}

}  // namespace execd
