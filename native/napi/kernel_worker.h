// Runs a C ABI call on libuv's thread pool behind a Promise.
#ifndef MODELPRESS_NAPI_KERNEL_WORKER_H
#define MODELPRESS_NAPI_KERNEL_WORKER_H

#include <napi.h>

#include <functional>
#include <utility>
#include <vector>

#include "args.h"

namespace mp_napi {

// Runs a kernel on the libuv thread pool. The typed arrays are held by references
// (so they cannot be collected) and the outputs were allocated by the caller before
// queueing; the promise resolves with result() or rejects with the status.
class KernelWorker : public Napi::AsyncWorker {
 public:
  // run: on the thread pool; returns the status and may fill its result.
  // result: back on the JS thread, turns that into the promise's value.
  using Run = std::function<mp_status()>;
  using Result = std::function<Napi::Value(Napi::Env)>;

  KernelWorker(Napi::Env env, const char* fn, const std::vector<Napi::Object>& pinned, Run run, Result result)
      : Napi::AsyncWorker(env, fn),
        deferred_(Napi::Promise::Deferred::New(env)),
        fn_(fn),
        run_(std::move(run)),
        result_(std::move(result)) {
    for (const Napi::Object& o : pinned) pinned_.push_back(Napi::Persistent(o));
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { status_ = run_(); }
  void OnOK() override {
    Napi::Env env = Env();
    if (status_ != MP_OK) deferred_.Reject(status_error(env, fn_, status_));
    else deferred_.Resolve(result_(env));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  const char* fn_;
  Run run_;
  Result result_;
  std::vector<Napi::ObjectReference> pinned_;
  mp_status status_ = MP_OK;
};

// Queues a worker and returns its promise.
inline Napi::Value queue(KernelWorker* w) {
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace mp_napi

#endif
