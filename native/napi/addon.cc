// The N-API module: registers each kernel family's functions and the CPU-variant
// queries. It keeps no global JS state, so it loads in any number of worker_threads
// at once (N-API modules are context-aware).
#include <napi.h>

#include <string>

#include "../include/modelpress.h"
#include "args.h"

namespace mp_napi {
void register_quant(Napi::Env env, Napi::Object exports);
void register_cast(Napi::Env env, Napi::Object exports);
void register_stats(Napi::Env env, Napi::Object exports);
void register_qat(Napi::Env env, Napi::Object exports);
void register_block(Napi::Env env, Napi::Object exports);
void register_codebook(Napi::Env env, Napi::Object exports);
void register_sparse(Napi::Env env, Napi::Object exports);
void register_prune(Napi::Env env, Napi::Object exports);
void register_sformat(Napi::Env env, Napi::Object exports);
void register_spmm(Napi::Env env, Napi::Object exports);
void register_distill(Napi::Env env, Napi::Object exports);
}  // namespace mp_napi

namespace {

using mp_napi::throw_type;

Napi::Value CompiledVariants(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), mp_compiled_variants()); }
Napi::Value SupportedVariants(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), mp_supported_variants()); }
Napi::Value CpuVariant(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), mp_cpu_variant()); }

Napi::Value SetCpuCap(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsString()) throw_type(info.Env(), "setCpuCap", "name must be a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  return Napi::Number::New(info.Env(), mp_set_cpu_cap(name.c_str()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  mp_napi::register_quant(env, exports);
  mp_napi::register_cast(env, exports);
  mp_napi::register_stats(env, exports);
  mp_napi::register_qat(env, exports);
  mp_napi::register_block(env, exports);
  mp_napi::register_codebook(env, exports);
  mp_napi::register_sparse(env, exports);
  mp_napi::register_prune(env, exports);
  mp_napi::register_sformat(env, exports);
  mp_napi::register_spmm(env, exports);
  mp_napi::register_distill(env, exports);
  exports.Set("compiledVariants", Napi::Function::New(env, CompiledVariants, "compiledVariants"));
  exports.Set("supportedVariants", Napi::Function::New(env, SupportedVariants, "supportedVariants"));
  exports.Set("cpuVariant", Napi::Function::New(env, CpuVariant, "cpuVariant"));
  exports.Set("setCpuCap", Napi::Function::New(env, SetCpuCap, "setCpuCap"));
  return exports;
}

}  // namespace

NODE_API_MODULE(modelpress, Init)
