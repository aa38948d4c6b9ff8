# Optional GPU executor: TANDEM_CUDA = AUTO (default) | ON | OFF.
# AUTO builds it whenever nvcc, the CUDA toolkit, cuBLAS and cuDNN are all found.
set(TANDEM_CUDA "AUTO" CACHE STRING "GPU executor: AUTO, ON, OFF")
set_property(CACHE TANDEM_CUDA PROPERTY STRINGS AUTO ON OFF)
set(TANDEM_HAVE_CUDA OFF)
if(NOT TANDEM_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  find_package(CUDAToolkit QUIET)
  if(CMAKE_CUDA_COMPILER AND CUDAToolkit_FOUND AND TARGET CUDA::cublas)
    find_library(CUDNN_LIBRARY NAMES cudnn HINTS ${CUDAToolkit_LIBRARY_DIR})
    find_path(CUDNN_INCLUDE_DIR NAMES cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
    if(CUDNN_LIBRARY AND CUDNN_INCLUDE_DIR)
      set(TANDEM_HAVE_CUDA ON)
    endif()
  endif()
  if(TANDEM_CUDA STREQUAL "ON" AND NOT TANDEM_HAVE_CUDA)
    message(FATAL_ERROR "TANDEM_CUDA=ON but nvcc, the CUDA toolkit, cuBLAS or cuDNN was not found")
  endif()
endif()

if(TANDEM_HAVE_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    # 'native' cannot work on a machine without a GPU; cover Ampere, Ada and Hopper.
    set(CMAKE_CUDA_ARCHITECTURES 80 86 89 90)
  endif()
  # The default static runtime would link cudart_static and libcudart.so together.
  set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  add_library(cudnn::cudnn UNKNOWN IMPORTED)
  set_target_properties(cudnn::cudnn PROPERTIES
    IMPORTED_LOCATION "${CUDNN_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${CUDNN_INCLUDE_DIR}")
endif()
