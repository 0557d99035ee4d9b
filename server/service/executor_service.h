#ifndef EXECD_SERVER_SERVICE_EXECUTOR_SERVICE_H_
#define EXECD_SERVER_SERVICE_EXECUTOR_SERVICE_H_

#include "execd/v1/execd.grpc.pb.h"
#include "server/service/map_reactor.h"
#include "server/service/service_context.h"

namespace execd {

// execd.v1.Executor on gRPC's callback API. Unary calls answer at once on
// the gRPC thread; waits and streams are reactors fed by task events, so no
// handler ever blocks a thread. The streams that carry task events work on
// raw bytes (see SubmittingReactor and MapReactor), so the base is
// v1::Executor::CallbackService spelled out with those methods raw.
using ExecutorCallbackBase = v1::Executor::WithCallbackMethod_Submit<
    v1::Executor::WithCallbackMethod_Result<
        v1::Executor::WithCallbackMethod_Cancel<
            v1::Executor::WithCallbackMethod_Callback<
                v1::Executor::WithRawCallbackMethod_SubmitStream<
                    v1::Executor::WithRawCallbackMethod_Map<
                        v1::Executor::WithCallbackMethod_GetTask<
                            v1::Executor::WithCallbackMethod_ListTasks<
                                v1::Executor::WithCallbackMethod_ListFunctions<
                                    v1::Executor::WithCallbackMethod_GetPools<
                                        v1::Executor::
                                            WithRawCallbackMethod_SubmitBatchStream<
                                                v1::Executor::
                                                    WithRawCallbackMethod_MapBatchStream<
                                                        v1::Executor::
                                                            Service>>>>>>>>>>>>;

class ExecutorService final : public ExecutorCallbackBase {
 public:
  explicit ExecutorService(ServiceContext context) : context_(context) {}

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const v1::SubmitRequest* request,
                                   v1::SubmitResponse* response) override;
  grpc::ServerUnaryReactor* Result(grpc::CallbackServerContext* context,
                                   const v1::ResultRequest* request,
                                   v1::Task* response) override;
  grpc::ServerUnaryReactor* Cancel(grpc::CallbackServerContext* context,
                                   const v1::CancelRequest* request,
                                   v1::CancelResponse* response) override;
  grpc::ServerWriteReactor<v1::TaskEvent>* Callback(
      grpc::CallbackServerContext* context,
      const v1::CallbackRequest* request) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* SubmitStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
  SubmitBatchStream(grpc::CallbackServerContext* context) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Map(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* MapBatchStream(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext* context,
                                    const v1::GetTaskRequest* request,
                                    v1::Task* response) override;
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* context,
                                      const v1::ListTasksRequest* request,
                                      v1::ListTasksResponse* response) override;
  grpc::ServerUnaryReactor* ListFunctions(
      grpc::CallbackServerContext* context,
      const v1::ListFunctionsRequest* request,
      v1::ListFunctionsResponse* response) override;
  grpc::ServerUnaryReactor* GetPools(grpc::CallbackServerContext* context,
                                     const v1::GetPoolsRequest* request,
                                     v1::GetPoolsResponse* response) override;

 private:
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StartMap(
      grpc::CallbackServerContext& context, const grpc::ByteBuffer& request,
      MapReactor::Framing framing);

  ServiceContext context_;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_EXECUTOR_SERVICE_H_
