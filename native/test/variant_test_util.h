// Shared by the kernel-variant tests (*_variants_test.cc): bit views of floats,
// mismatch reporting, guarded buffers and the random source. Header-only; each
// test is its own program.
#ifndef MODELPRESS_VARIANT_TEST_UTIL_H
#define MODELPRESS_VARIANT_TEST_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <memory>
#include <random>
#include <string>

inline uint32_t bits_of(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}

inline uint64_t bits_of(double d) {
  uint64_t b;
  memcpy(&b, &d, 8);
  return b;
}

inline float from_bits(uint32_t b) {
  float f;
  memcpy(&f, &b, 4);
  return f;
}

// ---------------------------------------------------------------------------
// Reporting: the first 20 mismatches are printed, all are counted.

inline long long g_checks = 0;
inline long long g_failures = 0;

inline void fail(const char* variant, const char* fn, const std::string& what) {
  if (g_failures < 20) fprintf(stderr, "MISMATCH %s.%s: %s\n", variant, fn, what.c_str());
  ++g_failures;
}

inline std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
inline std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// ---------------------------------------------------------------------------
// Buffers: exactly `off + n` elements (ASan catches reads past them) and, for
// outputs, `guard` extra elements that must come back unchanged.

template <typename T>
struct Buf {
  std::unique_ptr<T[]> p;
  size_t size;
  Buf(size_t off, size_t n, size_t guard = 0) : p(new T[off + n + guard]), size(off + n + guard) {}
  T* at(size_t off) { return p.get() + off; }
};

template <typename T>
void fill_sentinel(Buf<T>& b) {
  memset(b.p.get(), 0xA5, b.size * sizeof(T));
}

// Bytes outside elements [off, off + n) still hold the 0xA5 sentinel.
template <typename T>
bool guards_intact(Buf<T>& b, size_t off, size_t n) {
  const unsigned char* c = reinterpret_cast<const unsigned char*>(b.p.get());
  for (size_t i = 0; i < b.size * sizeof(T); ++i) {
    if (i >= off * sizeof(T) && i < (off + n) * sizeof(T)) continue;
    if (c[i] != 0xA5) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Random data, from a fixed seed so failures reproduce.

inline std::mt19937 g_rng(12345);

inline uint32_t rnd32() { return static_cast<uint32_t>(g_rng()); }
inline double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(g_rng); }
inline int rnd_int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g_rng); }

#endif
