// nats_handles.h: owning handles for libnats objects, and one way to turn a failed call into
// an error. libnats (3.4.1, Debian 12) is a C library whose objects are freed by a
// *_Destroy() each; these unique_ptrs do it on every path. Nothing here runs on the reactor
// thread: libnats' connect, fetch and publish-with-ack block (see jetstream_input.h).
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lull::daemon::nats {

template <class T, void (*Destroy)(T*)>
struct Destroyer {
  void operator()(T* object) const {
    if (object != nullptr) Destroy(object);
  }
};

using Options = std::unique_ptr<natsOptions, Destroyer<natsOptions, natsOptions_Destroy>>;
using Connection =
    std::unique_ptr<natsConnection, Destroyer<natsConnection, natsConnection_Destroy>>;
using JetStream = std::unique_ptr<jsCtx, Destroyer<jsCtx, jsCtx_Destroy>>;
using Subscription =
    std::unique_ptr<natsSubscription, Destroyer<natsSubscription, natsSubscription_Destroy>>;
using Message = std::unique_ptr<natsMsg, Destroyer<natsMsg, natsMsg_Destroy>>;
using MessageMetadata =
    std::unique_ptr<jsMsgMetaData, Destroyer<jsMsgMetaData, jsMsgMetaData_Destroy>>;
using StreamInfo = std::unique_ptr<jsStreamInfo, Destroyer<jsStreamInfo, jsStreamInfo_Destroy>>;
using PubAck = std::unique_ptr<jsPubAck, Destroyer<jsPubAck, jsPubAck_Destroy>>;
using KeyValue = std::unique_ptr<kvStore, Destroyer<kvStore, kvStore_Destroy>>;
using KeyValueEntry = std::unique_ptr<kvEntry, Destroyer<kvEntry, kvEntry_Destroy>>;

// A libnats call that failed: what was being done, the status, and the JetStream error
// code when the server sent one (jsErrCode; 0 if none).
class Error : public std::runtime_error {
 public:
  Error(std::string_view what, natsStatus status, jsErrCode code = static_cast<jsErrCode>(0));
  natsStatus status() const { return status_; }
  jsErrCode code() const { return code_; }

 private:
  natsStatus status_;
  jsErrCode code_;
};

// Throws Error unless `status` is NATS_OK.
inline void check(natsStatus status, std::string_view what,
                  jsErrCode code = static_cast<jsErrCode>(0)) {
  if (status != NATS_OK) throw Error(what, status, code);
}

// A connection to `servers` (nats://host:port, ...) that reconnects forever on its own
// (libnats' reconnect thread), named `name` in the server's connection list. Blocks until
// connected or `timeout_ms` has passed; throws Error if no server answered.
Connection connect(const std::vector<std::string>& servers, const std::string& name,
                   int timeout_ms = 2000);
// How many times libnats has reconnected `connection` since it was made.
std::uint64_t reconnects(natsConnection& connection);
// The JetStream context of `connection`; API calls time out after `timeout_ms`.
JetStream jetstream(natsConnection& connection, int timeout_ms = 5000);

}  // namespace lull::daemon::nats
