{
  "targets": [
    {
      "target_name": "modelpress",
      "sources": [
        "native/napi/addon.cc",
        "native/napi/args.cc",
        "native/napi/quant.cc",
        "native/napi/cast.cc",
        "native/napi/stats.cc",
        "native/napi/qat.cc",
        "native/napi/block.cc",
        "native/napi/codebook.cc",
        "native/napi/output_pages.cc",
        "native/dispatch/cpu_features.cc",
        "native/dispatch/variants.cc",
        "native/dispatch/quant_abi.cc",
        "native/dispatch/cast_abi.cc",
        "native/dispatch/stats_abi.cc",
        "native/dispatch/qat_abi.cc",
        "native/dispatch/block_abi.cc",
        "native/dispatch/codebook_abi.cc",
        "native/dispatch/kmeans.cc",
        "native/kernels/cast/ref.cc",
        "native/kernels/cast/avx2.cc",
        "native/kernels/cast/avx512.cc",
        "native/kernels/cast/neon.cc",
        "native/kernels/stats/ref.cc",
        "native/kernels/stats/avx2.cc",
        "native/kernels/stats/avx512.cc",
        "native/kernels/stats/neon.cc",
        "native/kernels/qat/ref.cc",
        "native/kernels/qat/avx2.cc",
        "native/kernels/qat/avx512.cc",
        "native/kernels/qat/neon.cc",
        "native/kernels/quant/ref.cc",
        "native/kernels/quant/avx2.cc",
        "native/kernels/quant/avx512.cc",
        "native/kernels/quant/neon.cc",
        "native/kernels/int4/ref.cc",
        "native/kernels/int4/avx2.cc",
        "native/kernels/int4/avx512.cc",
        "native/kernels/int4/neon.cc",
        "native/kernels/codebook/ref.cc",
        "native/kernels/codebook/avx2.cc",
        "native/kernels/codebook/avx512.cc",
        "native/kernels/codebook/neon.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-strict-aliasing", "-fvisibility=hidden"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=off", "-fno-strict-aliasing"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/fp:precise"] }
      }
    }
  ]
}
