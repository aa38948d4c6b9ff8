# Third-party packages, all from Debian 12 (see scripts/setup.sh and shared/TOOLCHAIN.md).

# Protobuf must come first: ONNX's exported targets name protobuf::libprotobuf without finding it.
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED CONFIG)
find_package(absl REQUIRED CONFIG)
find_package(nlohmann_json 3.11 REQUIRED CONFIG)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
# cpuinfo's CMake config in Debian is broken; its pkg-config file works.
pkg_check_modules(CPUINFO REQUIRED IMPORTED_TARGET libcpuinfo)

# pthreadpool: the header only. tandem implements its C API (kernels/cpu/pthreadpool_api.cc, and
# kernels/cpu/work_pool.h says why) and never links libpthreadpool, so that XNNPACK's calls bind
# to that implementation.
find_path(PTHREADPOOL_INCLUDE_DIR pthreadpool.h REQUIRED)
add_library(pthreadpool::headers INTERFACE IMPORTED)
set_target_properties(pthreadpool::headers PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${PTHREADPOOL_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)

find_path(XNNPACK_INCLUDE_DIR xnnpack.h REQUIRED)
find_library(XNNPACK_LIBRARY NAMES XNNPACK REQUIRED)
add_library(XNNPACK::XNNPACK UNKNOWN IMPORTED)
set_target_properties(XNNPACK::XNNPACK PROPERTIES
  IMPORTED_LOCATION "${XNNPACK_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${XNNPACK_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES pthreadpool::headers)

if(TANDEM_BUILD_TESTS)
  find_package(GTest REQUIRED CONFIG)
  find_package(benchmark REQUIRED CONFIG)
endif()

# Python from Debian (torch, onnx); the pyenv python3 on PATH has neither.
set(TANDEM_PYTHON "/usr/bin/python3" CACHE FILEPATH "Python with torch/torchvision/onnx")

# oneDNN (libdnnl-dev), only for the by-hand benchmark that compared it with tandem's Conv
# kernels (docs/cpu_executor.md, "Why not oneDNN"). The kernel under test sets OpenMP's thread
# count per call, so it needs oneDNN's OpenMP build, which is Debian's.
option(TANDEM_CONV_BENCH_ONEDNN "Build tandem-conv-backend-bench (needs libdnnl-dev)" OFF)
if(TANDEM_CONV_BENCH_ONEDNN)
  find_package(dnnl CONFIG REQUIRED)
  find_package(OpenMP REQUIRED COMPONENTS CXX)
  if(NOT DNNL_CPU_RUNTIME STREQUAL "OMP")
    message(FATAL_ERROR "tandem-conv-backend-bench needs oneDNN's OpenMP build, found '${DNNL_CPU_RUNTIME}'")
  endif()
endif()
