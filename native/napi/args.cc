#include "args.h"

#include <stdint.h>

namespace mp_napi {

namespace {

const char* type_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_int32_array: return "Int32Array";
    case napi_float32_array: return "Float32Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_float64_array: return "Float64Array";
    default: return "another typed array";
  }
}

}  // namespace

[[noreturn]] void throw_type(Napi::Env env, const std::string& fn, const std::string& what) {
  Napi::TypeError e = Napi::TypeError::New(env, "modelpress addon " + fn + ": " + what);
  e.Set("code", Napi::String::New(env, "ERR_MODELPRESS_INVALID_TYPE"));
  throw e;
}

[[noreturn]] void throw_range(Napi::Env env, const std::string& fn, const std::string& what) {
  Napi::RangeError e = Napi::RangeError::New(env, "modelpress addon " + fn + ": " + what);
  e.Set("code", Napi::String::New(env, "ERR_MODELPRESS_SHAPE_MISMATCH"));
  throw e;
}

ArrayArg typed_array(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name,
                     napi_typedarray_type want) {
  Napi::Env env = info.Env();
  Napi::Value v = info[i];
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) throw_type(env, fn, std::string(name) + " must be a " + type_name(want));
  ArrayArg a;
  napi_value buffer;
  size_t byte_offset;
  // One call gives type, length and the data pointer (already at the view's offset).
  if (napi_get_typedarray_info(env, v, &a.type, &a.length, &a.data, &buffer, &byte_offset) != napi_ok)
    throw_type(env, fn, std::string(name) + " could not be read");
  if (a.type != want)
    throw_type(env, fn, std::string(name) + " must be a " + type_name(want) + ", got " + type_name(a.type));
  if (a.data == nullptr && a.length > 0) throw_type(env, fn, std::string(name) + " is detached");
  a.object = v.As<Napi::Object>();
  return a;
}

size_t count_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw_type(info.Env(), fn, std::string(name) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= 9007199254740991.0) || d != static_cast<double>(static_cast<int64_t>(d)))
    throw_range(info.Env(), fn, std::string(name) + " must be an integer >= 1");
  return static_cast<size_t>(d);
}

Napi::Value status_error(Napi::Env env, const char* fn, mp_status s) {
  Napi::Error e = Napi::Error::New(env, std::string("modelpress addon ") + fn + ": kernel status " + std::to_string(s));
  e.Set("code", Napi::String::New(env, "ERR_MODELPRESS_NATIVE"));
  return e.Value();
}

}  // namespace mp_napi
