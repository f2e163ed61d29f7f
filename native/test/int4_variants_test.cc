// Checks every SIMD 4-bit packing table this CPU can run against the scalar
// reference (native/kernels/int4/ref.cc), bit for bit:
//   pack   -> the out-of-range result and, when in range, the packed bytes
//   unpack -> the values
// for signed and unsigned nibbles, over lengths 0..130 and some larger ones
// (100003 among them), element offsets 0..3 of every pointer, every alignment of
// pack's input modulo 64, random and extreme in-range data, every pair of nibbles,
// every byte value as a packed byte, and every byte value as an input of pack.
// Out-of-range detection is checked with one bad value at every position for
// n <= 130 (and at the block edges, the tail and random places for the larger n),
// for every bad value at some position, and for data with no bad value at all.
// Every call gets freshly allocated buffers of exactly the size it may touch (so
// AddressSanitizer sees overruns) plus guard bytes around each output that must
// stay untouched, also when pack reports an error. Finally unpack(pack(v)) must give
// v back. Exits 1 on any mismatch.
//
// Build and run: native/test/run.sh
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "../dispatch/cpu_features.h"
#include "variant_test_util.h"
#include "../kernels/int4/int4_kernels.h"

namespace {

using mp::Int4Kernels;

struct Table {
  const char* name;
  const Int4Kernels* k;
};

std::vector<Table> runnable_tables() {
  std::vector<Table> t;
  const mp::CpuFeatures& f = mp::cpu_features();
  (void)f;
#if defined(__x86_64__) || defined(_M_X64)
  if (f.avx2) t.push_back({"avx2", &mp::int4_avx2});
  if (f.avx512) t.push_back({"avx512", &mp::int4_avx512});
#endif
#if defined(__aarch64__)
  if (f.neon) t.push_back({"neon", &mp::int4_neon});
#endif
#if defined(__wasm_simd128__)
  t.push_back({"simd128", &mp::int4_simd128});
#endif
  return t;
}

constexpr size_t kGuard = 64;

const char* sign_name(bool is_signed) { return is_signed ? "int4" : "uint4"; }

// ---------------------------------------------------------------------------
// Data

// The specification of the range, independent of ref.cc.
bool in_range(uint8_t b, bool is_signed) {
  return is_signed ? (b <= 7 || b >= 0xF8) : b <= 15;
}

// A random in-range value; `kind` 0: uniform, 1: the extremes and their neighbours
// of the other sign (-8, 7, -1, 0 signed; 0, 15, 8, 7 unsigned).
uint8_t good_value(bool is_signed, int kind) {
  static const uint8_t kSignedEdges[] = {0xF8, 0x07, 0xFF, 0x00};
  static const uint8_t kUnsignedEdges[] = {0x00, 0x0F, 0x08, 0x07};
  if (kind == 1) return is_signed ? kSignedEdges[rnd_int(0, 3)] : kUnsignedEdges[rnd_int(0, 3)];
  const int v = is_signed ? rnd_int(-8, 7) : rnd_int(0, 15);
  return static_cast<uint8_t>(v);
}

// A random out-of-range value, often one just past the edges.
uint8_t bad_value(bool is_signed) {
  static const uint8_t kSignedBad[] = {0x08, 0xF7, 0x7F, 0x80, 0x10, 0xEF, 0x0F, 0xF0};
  static const uint8_t kUnsignedBad[] = {0x10, 0xFF, 0x80, 0x7F, 0x1F, 0xF0, 0x11, 0xF8};
  if (rnd_int(0, 1)) return is_signed ? kSignedBad[rnd_int(0, 7)] : kUnsignedBad[rnd_int(0, 7)];
  for (;;) {
    const uint8_t b = static_cast<uint8_t>(rnd32());
    if (!in_range(b, is_signed)) return b;
  }
}

std::vector<size_t> test_lengths() {
  std::vector<size_t> v;
  for (size_t n = 0; n <= 130; ++n) v.push_back(n);
  for (size_t n : {191, 192, 193, 255, 256, 257, 383, 384, 511, 512, 513, 1023, 1024, 1025, 4096 + 7,
                   65536 + 13, 100000, 100003})
    v.push_back(n);
  return v;
}

// ---------------------------------------------------------------------------
// pack

// One pack call on a copy of `vals` at offset vo, into a guarded buffer at offset
// oo, checked against the reference (and, for the result, against in_range). With
// align >= 0, vo is instead chosen so that the values start at an address that is
// align modulo 64 (the input buffer then has up to 63 bytes of slack after them).
void run_pack(const Table& t, bool is_signed, const std::vector<uint8_t>& vals, size_t vo, size_t oo,
              const char* what, int align = -1) {
  const size_t n = vals.size(), bytes = (n + 1) / 2;
  Buf<uint8_t> v(align < 0 ? vo : 63, n);
  if (align >= 0)
    vo = (static_cast<size_t>(align) - reinterpret_cast<uintptr_t>(v.p.get()) % 64 + 64) % 64;
  for (size_t i = 0; i < v.size; ++i) v.p[i] = static_cast<uint8_t>(rnd32());
  if (n) memcpy(v.at(vo), vals.data(), n);
  bool want_bad = false;
  size_t first_bad = 0;
  for (size_t i = 0; i < n && !want_bad; ++i)
    if (!in_range(vals[i], is_signed)) want_bad = true, first_bad = i;
  Buf<uint8_t> want(0, bytes), got(oo, bytes, kGuard);
  fill_sentinel(got);
  const bool ref_bad = mp::int4_scalar.pack(v.at(vo), want.at(0), n, is_signed);
  const bool got_bad = t.k->pack(v.at(vo), got.at(oo), n, is_signed);
  ++g_checks;
  const char* sn = sign_name(is_signed);
  if (ref_bad != want_bad) {
    fail("scalar", "pack", fmt("%s %s n=%zu: reference says out_of_range=%d, expected %d", sn, what, n,
                               ref_bad, want_bad));
    return;
  }
  if (got_bad != want_bad) {
    fail(t.name, "pack",
         fmt("%s %s n=%zu v_off=%zu: want out_of_range=%d (first bad i=%zu v=0x%02x), got %d", sn, what, n,
             vo, want_bad, first_bad, want_bad ? vals[first_bad] : 0, got_bad));
    return;
  }
  if (!guards_intact(got, oo, bytes)) {
    fail(t.name, "pack", fmt("%s %s n=%zu v_off=%zu out_off=%zu out_of_range=%d: wrote outside [0, %zu)",
                             sn, what, n, vo, oo, want_bad, bytes));
    return;
  }
  if (want_bad) return;  // the output is unspecified
  for (size_t j = 0; j < bytes; ++j) {
    if (got.at(oo)[j] != want.p[j]) {
      fail(t.name, "pack",
           fmt("%s %s n=%zu v_off=%zu out_off=%zu j=%zu v=(0x%02x, 0x%02x): want 0x%02x got 0x%02x", sn,
               what, n, vo, oo, j, vals[2 * j], 2 * j + 1 < n ? vals[2 * j + 1] : 0, want.p[j],
               got.at(oo)[j]));
      return;
    }
  }
}

std::vector<uint8_t> good_values(size_t n, bool is_signed, int kind) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = good_value(is_signed, kind);
  return v;
}

void check_pack(const Table& t, bool is_signed, const std::vector<size_t>& lengths) {
  for (int kind = 0; kind < 2; ++kind) {
    for (int rep = 0; rep < 4; ++rep) {
      for (size_t li = 0; li < lengths.size(); ++li) {
        const size_t n = lengths[li];
        run_pack(t, is_signed, good_values(n, is_signed, kind), (li + rep) % 4, (li / 4 + rep + kind) % 4,
                 kind ? "extremes" : "random");
      }
    }
  }
  // Every pair of in-range values, at every offset.
  std::vector<uint8_t> pairs;
  for (int a = 0; a < 16; ++a)
    for (int b = 0; b < 16; ++b) {
      pairs.push_back(static_cast<uint8_t>(is_signed ? a - 8 : a));
      pairs.push_back(static_cast<uint8_t>(is_signed ? b - 8 : b));
    }
  // Every alignment of the input modulo 64 (variants may align their loads with a
  // head), in range and with a bad value in the head, the middle or the tail.
  for (int align = 0; align < 64; ++align) {
    static const size_t kLengths[] = {1, 2, 33, 63, 64, 65, 127, 128, 129, 191, 255, 256, 257, 300, 1001};
    for (size_t n : kLengths) {
      std::vector<uint8_t> v = good_values(n, is_signed, align % 2);
      run_pack(t, is_signed, v, 0, n % 4, "aligned", align);
      for (size_t pos : {static_cast<size_t>(align) % n, n / 2, n - 1}) {
        const uint8_t keep = v[pos];
        v[pos] = bad_value(is_signed);
        run_pack(t, is_signed, v, 0, n % 4, "aligned-one-bad", align);
        v[pos] = keep;
      }
    }
  }
  for (size_t off = 0; off < 16; ++off) {
    run_pack(t, is_signed, pairs, off % 4, off / 4, "all-pairs");
    run_pack(t, is_signed, std::vector<uint8_t>(pairs.begin(), pairs.end() - 1), off / 4, off % 4,
             "all-pairs-odd");
  }
}

// One bad value at position `pos` of the otherwise good values v (restored after).
void check_bad_at(const Table& t, bool is_signed, std::vector<uint8_t>& v, size_t pos, size_t salt) {
  const uint8_t keep = v[pos];
  v[pos] = bad_value(is_signed);
  run_pack(t, is_signed, v, salt % 4, (salt / 4) % 4, "one-bad");
  v[pos] = keep;
}

void check_pack_range(const Table& t, bool is_signed, const std::vector<size_t>& lengths) {
  size_t salt = 0;
  for (size_t n : lengths) {
    if (n == 0) continue;
    std::vector<uint8_t> base = good_values(n, is_signed, static_cast<int>(n % 2));
    if (n <= 130) {
      for (size_t pos = 0; pos < n; ++pos) check_bad_at(t, is_signed, base, pos, salt++);
    } else {
      std::vector<size_t> positions = {0, 1, 2, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 129};
      for (size_t p = (n > 130 ? n - 130 : 0); p < n; ++p) positions.push_back(p);
      for (int r = 0; r < 16; ++r) positions.push_back(static_cast<size_t>(rnd32()) % n);
      for (size_t pos : positions)
        if (pos < n) check_bad_at(t, is_signed, base, pos, salt++);
    }
    // Several bad values at once, including one in the tail.
    std::vector<uint8_t> v = good_values(n, is_signed, 0);
    for (int r = 0; r < 3; ++r) v[static_cast<size_t>(rnd32()) % n] = bad_value(is_signed);
    v[n - 1] = bad_value(is_signed);
    run_pack(t, is_signed, v, salt % 4, (salt / 4) % 4, "several-bad");
    ++salt;
  }
  // Every byte value, as the only non-trivial value of an array, at the start, in
  // the middle and at the end (all in the tail of some variant for these lengths).
  for (int b = 0; b < 256; ++b) {
    for (size_t n : {size_t{1}, size_t{2}, size_t{7}, size_t{64}, size_t{95}, size_t{129}, size_t{300}}) {
      for (size_t pos : {size_t{0}, n / 2, n - 1}) {
        std::vector<uint8_t> v = good_values(n, is_signed, 1);
        v[pos] = static_cast<uint8_t>(b);
        run_pack(t, is_signed, v, pos % 4, n % 4, "every-byte");
      }
    }
  }
}

// ---------------------------------------------------------------------------
// unpack

// One unpack call on a copy of `packed` at offset po, writing n values into a
// guarded buffer at offset oo, checked against the reference.
void run_unpack(const Table& t, bool is_signed, const std::vector<uint8_t>& packed, size_t n, size_t po,
                size_t oo, const char* what) {
  const size_t bytes = (n + 1) / 2;
  Buf<uint8_t> p(po, bytes);
  for (size_t i = 0; i < po; ++i) p.p[i] = static_cast<uint8_t>(rnd32());
  if (bytes) memcpy(p.at(po), packed.data(), bytes);
  Buf<uint8_t> want(0, n), got(oo, n, kGuard);
  fill_sentinel(got);
  mp::int4_scalar.unpack(p.at(po), want.at(0), n, is_signed);
  t.k->unpack(p.at(po), got.at(oo), n, is_signed);
  ++g_checks;
  const char* sn = sign_name(is_signed);
  if (!guards_intact(got, oo, n)) {
    fail(t.name, "unpack", fmt("%s %s n=%zu p_off=%zu out_off=%zu: wrote outside [0, n)", sn, what, n, po, oo));
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    if (got.at(oo)[i] != want.p[i]) {
      fail(t.name, "unpack",
           fmt("%s %s n=%zu p_off=%zu out_off=%zu i=%zu byte=0x%02x: want 0x%02x got 0x%02x", sn, what, n,
               po, oo, i, packed[i / 2], want.p[i], got.at(oo)[i]));
      return;
    }
  }
}

void check_unpack(const Table& t, bool is_signed, const std::vector<size_t>& lengths) {
  for (int rep = 0; rep < 6; ++rep) {
    for (size_t li = 0; li < lengths.size(); ++li) {
      const size_t n = lengths[li];
      std::vector<uint8_t> packed((n + 1) / 2);
      for (uint8_t& b : packed) b = static_cast<uint8_t>(rnd32());
      run_unpack(t, is_signed, packed, n, (li + rep) % 4, (li / 4 + rep) % 4, "random");
    }
  }
}

// Every byte value as a packed byte, checked against the nibble definition itself
// as well as the reference: at every position of a block, every offset, even n and
// odd n (where the high nibble of the last byte must be ignored).
void check_unpack_every_byte(const Table& t, bool is_signed) {
  for (size_t rot = 0; rot < 64; rot += 7) {
    std::vector<uint8_t> packed(256);
    for (size_t i = 0; i < 256; ++i) packed[i] = static_cast<uint8_t>(i + rot);
    for (size_t off = 0; off < 16; ++off) {
      for (size_t n : {size_t{512}, size_t{511}}) {
        run_unpack(t, is_signed, packed, n, off % 4, off / 4, "every-byte");
        // Independently of ref.cc.
        Buf<uint8_t> out(0, n);
        t.k->unpack(packed.data(), out.at(0), n, is_signed);
        ++g_checks;
        for (size_t i = 0; i < n; ++i) {
          const uint8_t nib = i % 2 ? packed[i / 2] >> 4 : packed[i / 2] & 0xF;
          const uint8_t want = static_cast<uint8_t>(is_signed && nib >= 8 ? nib - 16 : nib);
          if (out.p[i] != want) {
            fail(t.name, "unpack", fmt("%s every-byte n=%zu i=%zu byte=0x%02x: want 0x%02x got 0x%02x",
                                       sign_name(is_signed), n, i, packed[i / 2], want, out.p[i]));
            break;
          }
        }
      }
    }
  }
  // Each byte value alone in a short array, so it lands in every tail path.
  for (int b = 0; b < 256; ++b)
    for (size_t n = 1; n <= 130; n += 1 + static_cast<size_t>(b % 3)) {
      std::vector<uint8_t> packed((n + 1) / 2);
      for (uint8_t& x : packed) x = static_cast<uint8_t>(rnd32());
      packed[(n - 1) / 2] = static_cast<uint8_t>(b);
      run_unpack(t, is_signed, packed, n, n % 4, (n / 4) % 4, "every-byte-tail");
    }
}

// ---------------------------------------------------------------------------
// Round trip: unpack(pack(v)) == v.

void check_round_trip(const Table& t, bool is_signed, const std::vector<size_t>& lengths) {
  for (size_t n : lengths) {
    const std::vector<uint8_t> v = good_values(n, is_signed, 0);
    std::vector<uint8_t> packed((n + 1) / 2 + 1), back(n + 1);
    ++g_checks;
    if (t.k->pack(v.data(), packed.data(), n, is_signed)) {
      fail(t.name, "pack", fmt("%s round-trip n=%zu: reported out of range", sign_name(is_signed), n));
      continue;
    }
    t.k->unpack(packed.data(), back.data(), n, is_signed);
    if (n && memcmp(back.data(), v.data(), n) != 0)
      fail(t.name, "unpack", fmt("%s round-trip n=%zu: values differ", sign_name(is_signed), n));
  }
}

}  // namespace

int main() {
  const std::vector<Table> tables = runnable_tables();
  const std::vector<size_t> lengths = test_lengths();
  std::string names;
  for (const Table& t : tables) {
    names += names.empty() ? "" : ",";
    names += t.name;
    for (bool is_signed : {true, false}) {
      check_pack(t, is_signed, lengths);
      check_pack_range(t, is_signed, lengths);
      check_unpack(t, is_signed, lengths);
      check_unpack_every_byte(t, is_signed);
      check_round_trip(t, is_signed, lengths);
    }
  }
  if (tables.empty()) names = "none";
  printf("int4_variants_test: %s  variants=%s  calls=%lld  mismatches=%lld\n", g_failures ? "FAIL" : "PASS",
         names.c_str(), g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
