// The GPU as an executors::Device, for the runtime: made here so that code above the executors
// (api/, tools/) never needs to know whether this build has CUDA.
//
// With the CUDA executor built (executors/cuda/cuda_device.cc), each segment compiles to a
// CudaExecutor; the device's allocator hands out stream-ordered device memory within its budget;
// weights stay resident for the segment's life, activations and library workspace are taken
// from the budget only while a segment runs (as the partitioner's memory model counts them); and
// copies between host and device go through pinned staging buffers on a copy stream of their own.
// Without it (no_gpu_device.cc), CreateGpuDevice fails with FailedPrecondition saying so.
#ifndef TANDEM_EXECUTORS_GPU_DEVICE_H_
#define TANDEM_EXECUTORS_GPU_DEVICE_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "executors/device.h"

namespace tandem::executors {

struct GpuDeviceOptions {
  int ordinal = 0;             // CUDA device index
  int64_t budget_bytes = -1;   // device memory the runtime may use; -1: unlimited
  // Upper bound on the library workspace (cuDNN/cuBLASLt) of any one segment: the plan counts
  // this much (partitioner::PartitionOptions::gpu_workspace_bytes) whenever a GPU segment runs.
  int64_t workspace_limit = int64_t{32} << 20;
  bool allow_tf32 = false;     // see cuda::CudaExecutorOptions
  // Size of each of the two pinned host buffers copies are staged through.
  int64_t staging_chunk_bytes = int64_t{4} << 20;
};

// FailedPrecondition when this build has no CUDA executor or the machine has no usable GPU
// (naming why); Internal for a CUDA failure while setting the device up.
absl::StatusOr<std::unique_ptr<Device>> CreateGpuDevice(const GpuDeviceOptions& options);

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_GPU_DEVICE_H_
