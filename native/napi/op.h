// One op of the addon in both forms from two functions: parse (JS arguments to a
// Call, with every length re-checked) and run (the C ABI call, yielding a number).
// define_op registers `name` (synchronous, returns the number) and `nameAsync`
// (runs on the libuv thread pool, resolves with the number). A Call lists the
// typed arrays it uses in `pinned`, so the async form keeps them alive.
#ifndef MODELPRESS_NAPI_OP_H
#define MODELPRESS_NAPI_OP_H

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "kernel_worker.h"

namespace mp_napi {

// info[i] must be an integer in [0, max].
inline size_t size_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                       double max = 9007199254740991.0) {
  if (!info[i].IsNumber()) throw_type(info.Env(), fn, std::string(name) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= max) || d != static_cast<double>(static_cast<int64_t>(d)))
    throw_range(info.Env(), fn, std::string(name) + " out of range");
  return static_cast<size_t>(d);
}

inline double number_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (!info[i].IsNumber()) throw_type(info.Env(), fn, std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

// The typed array info[i] of type `want` with exactly `length` elements.
inline ArrayArg sized_array(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                            napi_typedarray_type want, size_t length) {
  ArrayArg a = typed_array(info, i, fn, name, want);
  if (a.length != length) throw_range(info.Env(), fn, std::string(name) + " has the wrong length");
  return a;
}

inline void expect_args(const Napi::CallbackInfo& info, size_t n, const char* fn) {
  if (info.Length() != n) throw_type(info.Env(), fn, "expects " + std::to_string(n) + " arguments");
}

template <typename Call>
using Parse = Call (*)(const Napi::CallbackInfo&, const char*);
template <typename Call>
using Run = mp_status (*)(const Call&, double*);

template <typename Call>
void define_op(Napi::Env env, Napi::Object exports, const char* name, Parse<Call> parse, Run<Call> run) {
  exports.Set(name, Napi::Function::New(
                        env,
                        [name, parse, run](const Napi::CallbackInfo& info) -> Napi::Value {
                          const Call c = parse(info, name);
                          double result = 0;
                          if (mp_status s = run(c, &result)) throw Napi::Error(info.Env(), status_error(info.Env(), name, s));
                          return Napi::Number::New(info.Env(), result);
                        },
                        name));
  const std::string async_name = std::string(name) + "Async";
  exports.Set(async_name, Napi::Function::New(
                              env,
                              [async_name, parse, run](const Napi::CallbackInfo& info) -> Napi::Value {
                                const char* fn = async_name.c_str();  // lives as long as the function
                                const Call c = parse(info, fn);
                                auto result = std::make_shared<double>(0);
                                return queue(new KernelWorker(
                                    info.Env(), fn, c.pinned, [c, result, run] { return run(c, result.get()); },
                                    [result](Napi::Env e) { return Napi::Number::New(e, *result); }));
                              },
                              async_name));
}

}  // namespace mp_napi

#endif
