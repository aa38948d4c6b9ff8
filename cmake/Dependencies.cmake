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

find_path(PTHREADPOOL_INCLUDE_DIR pthreadpool.h REQUIRED)
find_library(PTHREADPOOL_LIBRARY NAMES pthreadpool REQUIRED)
add_library(pthreadpool::pthreadpool UNKNOWN IMPORTED)
set_target_properties(pthreadpool::pthreadpool PROPERTIES
  IMPORTED_LOCATION "${PTHREADPOOL_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${PTHREADPOOL_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)

find_path(XNNPACK_INCLUDE_DIR xnnpack.h REQUIRED)
find_library(XNNPACK_LIBRARY NAMES XNNPACK REQUIRED)
add_library(XNNPACK::XNNPACK UNKNOWN IMPORTED)
set_target_properties(XNNPACK::XNNPACK PROPERTIES
  IMPORTED_LOCATION "${XNNPACK_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${XNNPACK_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES pthreadpool::pthreadpool)

if(TANDEM_BUILD_TESTS)
  find_package(GTest REQUIRED CONFIG)
  find_package(benchmark REQUIRED CONFIG)
endif()

# Python from Debian (torch, onnx); the pyenv python3 on PATH has neither.
set(TANDEM_PYTHON "/usr/bin/python3" CACHE FILEPATH "Python with torch/torchvision/onnx")
