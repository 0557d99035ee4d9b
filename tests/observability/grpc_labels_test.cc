// The grpc_server_* label tables without a server: every Executor method is
// known with its go-grpc-prometheus type, codes are spelled like grpc-go, and
// unknown methods share one fixed set of series.
#include <string>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "server/metrics/grpc_method_labels.h"
#include "server/metrics/grpc_server_metrics.h"

namespace execd {
namespace {

using RpcType = grpc::experimental::ServerRpcInfo::Type;

std::string TypeOf(const std::string& service, const std::string& method) {
  for (const GrpcMethodLabels& known : KnownGrpcMethods()) {
    if (known.service == service && known.method == method) return known.type;
  }
  return "missing";
}

TEST(GrpcLabelsTest, ExecutorMethodsHaveTheirStreamingType) {
  const std::string service = "execd.v1.Executor";
  EXPECT_EQ(TypeOf(service, "Submit"), "unary");
  EXPECT_EQ(TypeOf(service, "Result"), "unary");
  EXPECT_EQ(TypeOf(service, "Cancel"), "unary");
  EXPECT_EQ(TypeOf(service, "Callback"), "server_stream");
  EXPECT_EQ(TypeOf(service, "SubmitStream"), "bidi_stream");
  EXPECT_EQ(TypeOf(service, "Map"), "server_stream");
  EXPECT_EQ(TypeOf(service, "GetTask"), "unary");
  EXPECT_EQ(TypeOf(service, "ListTasks"), "unary");
  EXPECT_EQ(TypeOf(service, "ListFunctions"), "unary");
  EXPECT_EQ(TypeOf(service, "GetPools"), "unary");
  EXPECT_EQ(TypeOf("grpc.health.v1.Health", "Check"), "unary");
  EXPECT_EQ(TypeOf("grpc.health.v1.Health", "Watch"), "server_stream");
}

TEST(GrpcLabelsTest, CodesAreSpelledLikeGrpcGo) {
  EXPECT_STREQ(GrpcCodeLabel(grpc::StatusCode::OK), "OK");
  EXPECT_STREQ(GrpcCodeLabel(grpc::StatusCode::CANCELLED), "Canceled");
  EXPECT_STREQ(GrpcCodeLabel(grpc::StatusCode::NOT_FOUND), "NotFound");
  EXPECT_STREQ(GrpcCodeLabel(grpc::StatusCode::RESOURCE_EXHAUSTED),
               "ResourceExhausted");
  EXPECT_STREQ(GrpcCodeLabel(grpc::StatusCode::UNAUTHENTICATED),
               "Unauthenticated");
  EXPECT_STREQ(GrpcCodeLabel(static_cast<grpc::StatusCode>(99)), "Unknown");
}

TEST(GrpcLabelsTest, UnknownMethodsShareFixedSeries) {
  prometheus::Registry registry;
  GrpcServerMetrics metrics(registry);
  const GrpcMethodSeries* submit =
      metrics.Find("/execd.v1.Executor/Submit", RpcType::UNARY);
  const GrpcMethodSeries* bogus =
      metrics.Find("/evil.Service/Random123", RpcType::UNARY);
  EXPECT_NE(submit, bogus);
  EXPECT_EQ(bogus, metrics.Find("/other/Name", RpcType::UNARY));
  EXPECT_EQ(bogus, metrics.Find(nullptr, RpcType::UNARY));
  EXPECT_NE(bogus, metrics.Find("/x/y", RpcType::BIDI_STREAMING));

  const size_t families_before = registry.Collect().size();
  bogus->Handled(grpc::StatusCode::UNIMPLEMENTED, 0.001);
  submit->started->Increment();
  submit->Handled(grpc::StatusCode::NOT_FOUND, 0.002);
  const std::string text =
      prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_EQ(registry.Collect().size(), families_before);
  EXPECT_NE(text.find("grpc_server_handled_total{grpc_code=\"Unimplemented\","
                      "grpc_method=\"unknown\",grpc_service=\"unknown\","
                      "grpc_type=\"unary\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("grpc_server_handled_total{grpc_code=\"NotFound\","
                      "grpc_method=\"Submit\",grpc_service=\"execd.v1."
                      "Executor\",grpc_type=\"unary\"} 1"),
            std::string::npos);
  EXPECT_NE(
      text.find("grpc_server_handling_seconds_count{grpc_method=\"Submit\""
                ",grpc_service=\"execd.v1.Executor\",grpc_type=\"unary\"}"
                " 1"),
      std::string::npos);
  // Every known method x every code exists from the start.
  size_t handled = 0;
  for (size_t at = text.find("\ngrpc_server_handled_total{");
       at != std::string::npos;
       at = text.find("\ngrpc_server_handled_total{", at + 1)) {
    ++handled;
  }
  EXPECT_EQ(handled, (KnownGrpcMethods().size() + 4) * kGrpcCodeCount);
}

}  // namespace
}  // namespace execd
