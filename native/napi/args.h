// Argument conversion shared by the N-API glue files: typed arrays with their
// lengths re-checked, counts, and errors that carry a `code`.
#ifndef MODELPRESS_NAPI_ARGS_H
#define MODELPRESS_NAPI_ARGS_H

#include <napi.h>

#include <string>

#include "../include/modelpress.h"

namespace mp_napi {

// A typed array argument: its data pointer, element count and the object (so an
// AsyncWorker can keep it alive).
struct ArrayArg {
  void* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type = napi_int8_array;
  Napi::Object object;
};

[[noreturn]] void throw_type(Napi::Env env, const std::string& fn, const std::string& what);
[[noreturn]] void throw_range(Napi::Env env, const std::string& fn, const std::string& what);

// info[i] must be a typed array of type `want`.
ArrayArg typed_array(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                     napi_typedarray_type want);

// info[i] must be an integer >= 1.
size_t count_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name);

// The Error for a status the C ABI returned although the caller had validated the call.
Napi::Value status_error(Napi::Env env, const char* fn, mp_status s);

}  // namespace mp_napi

#endif
