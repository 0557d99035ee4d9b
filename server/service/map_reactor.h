#ifndef EXECD_SERVER_SERVICE_MAP_REACTOR_H_
#define EXECD_SERVER_SERVICE_MAP_REACTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "execd/v1/execd.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/core/task_record.h"
#include "server/service/service_context.h"
#include "server/service/stream_outbox.h"

namespace execd {

// Map: one task per item; one MapResult per item, in input order (or as
// they finish with `unordered`); the stream ends after the last one. Like
// closing Python's map iterator, a cancelled call (client gone, deadline)
// cancels the items that have not finished.
class MapReactor : public grpc::ServerWriteReactor<v1::MapResult> {
 public:
  MapReactor(const ServiceContext& service, const v1::MapRequest& request,
             const std::string& owner);
  void OnWriteDone(bool ok) override { outbox_->OnWriteDone(ok); }
  void OnCancel() override;
  void OnDone() override;

 private:
  class Collector;
  void Launch();

  ServiceContext service_;
  std::shared_ptr<StreamOutbox<v1::MapResult>> outbox_;
  std::string owner_;
  std::vector<TaskPtr> tasks_;  // fixed once the constructor is done
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_MAP_REACTOR_H_
