// The GPU as the runtime's device (executors/gpu_device.h), on a real GPU: transfers through the
// pinned staging buffers, the budget, and the exported models partitioned across the CPU and the
// GPU at several GPU budgets, against the CPU executor alone. Where no GPU can be used (no CUDA
// in the build, no driver, no device), creating the device must fail saying why, and the GPU
// tests skip with that reason.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <random>

#include "executors/allocator.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/cpu_device.h"
#include "executors/gpu_device.h"
#include "executors/runtime.h"
#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "partitioner/partitioner.h"
#include "tests/null/test_util.h"
#include "tools/conformance/tolerance.h"

namespace tandem::executors {
namespace {

namespace fs = std::filesystem;
namespace pt = partitioner;

// The GPU device, or null with the reason to skip.
std::unique_ptr<Device> Gpu(GpuDeviceOptions options, std::string* why) {
  auto gpu = CreateGpuDevice(options);
  if (gpu.ok()) return *std::move(gpu);
  *why = std::string(gpu.status().message());
  return nullptr;
}

TEST(GpuDevice, WithoutAUsableGpuCreationFailsSayingWhy) {
  auto gpu = CreateGpuDevice({});
  if (gpu.ok()) GTEST_SKIP() << "a GPU is usable here: " << (*gpu)->name();
  EXPECT_EQ(gpu.status().code(), absl::StatusCode::kFailedPrecondition) << gpu.status();
  EXPECT_FALSE(gpu.status().message().empty());
}

TEST(GpuDevice, TransfersRoundTripEverySizeThroughTheStagingBuffers) {
  GpuDeviceOptions options;
  options.staging_chunk_bytes = 1 << 20;  // so that the larger sizes take several chunks
  std::string why;
  auto gpu = Gpu(options, &why);
  if (!gpu) GTEST_SKIP() << why;
  DataTransfer* transfer = gpu->transfer();
  ASSERT_NE(transfer, nullptr);
  EXPECT_TRUE(transfer->CanCopy(HostMemory(), gpu->space()));
  EXPECT_TRUE(transfer->CanCopy(gpu->space(), HostMemory()));
  EXPECT_FALSE(transfer->CanCopy(HostMemory(), HostMemory()));
  Allocator host(HostMemory(), "host", -1);
  std::mt19937 rng(3);
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{4097}, int64_t{1} << 20, (int64_t{3} << 20) + 5}) {
    std::vector<uint8_t> bytes(static_cast<size_t>(n));
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    ASSERT_OK_AND_ASSIGN(Buffer on_gpu, gpu->allocator().Allocate(n, "round trip"));
    EXPECT_EQ(on_gpu.space(), &gpu->space());
    ASSERT_OK(transfer->CopyBytes(bytes.data(), HostMemory(), on_gpu, n));
    ASSERT_OK_AND_ASSIGN(Buffer back, host.Allocate(n, "back"));
    ASSERT_OK(transfer->CopyBytes(on_gpu.data(), gpu->space(), back, n));
    EXPECT_EQ(n == 0 ? 0 : std::memcmp(back.data(), bytes.data(), static_cast<size_t>(n)), 0) << n << " bytes";
  }
  ASSERT_OK_AND_ASSIGN(Buffer small, host.Allocate(16, "small"));
  EXPECT_EQ(transfer->CopyBytes(small.data(), HostMemory(), small, 16).code(), absl::StatusCode::kInvalidArgument);
}

TEST(GpuDevice, StagedCopiesReachUsefulBandwidth) {
  std::string why;
  auto gpu = Gpu({}, &why);
  if (!gpu) GTEST_SKIP() << why;
  const int64_t n = int64_t{256} << 20;
  std::vector<uint8_t> host_bytes(static_cast<size_t>(n), 7);
  Allocator host(HostMemory(), "host", -1);
  ASSERT_OK_AND_ASSIGN(Buffer on_gpu, gpu->allocator().Allocate(n, "bandwidth"));
  ASSERT_OK_AND_ASSIGN(Buffer back, host.Allocate(n, "back"));
  ASSERT_OK(gpu->transfer()->CopyBytes(host_bytes.data(), HostMemory(), on_gpu, n));  // warm-up
  auto seconds = [](auto start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_OK(gpu->transfer()->CopyBytes(host_bytes.data(), HostMemory(), on_gpu, n));
  const double to_gpu = n / seconds(t0) / 1e9;
  t0 = std::chrono::steady_clock::now();
  ASSERT_OK(gpu->transfer()->CopyBytes(on_gpu.data(), gpu->space(), back, n));
  const double to_host = n / seconds(t0) / 1e9;
  std::printf("%s: 256 MiB from pageable host memory through pinned staging: host->gpu %.1f GB/s, "
              "gpu->host %.1f GB/s\n", gpu->name().c_str(), to_gpu, to_host);
  EXPECT_GT(to_gpu, 1.0);  // far below any PCIe or NVLink generation: a sanity floor, not a target
  EXPECT_GT(to_host, 1.0);
}

TEST(GpuDevice, TheBudgetRefusesWhatDoesNotFit) {
  GpuDeviceOptions options;
  options.budget_bytes = 1 << 20;
  std::string why;
  auto gpu = Gpu(options, &why);
  if (!gpu) GTEST_SKIP() << why;
  auto big = gpu->allocator().Allocate(2 << 20, "a 2 MiB tensor");
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(std::string(big.status().message()).find("a 2 MiB tensor"), std::string::npos) << big.status();
  ASSERT_OK_AND_ASSIGN(Buffer fits, gpu->allocator().Allocate(512 << 10, "half a MiB"));
  EXPECT_EQ(gpu->allocator().used_bytes(), 512 << 10);
}

std::vector<ir::Tensor> RandomInputs(const ir::Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::vector<ir::Tensor> inputs;
  for (ir::ValueId id : g.inputs()) {
    const ir::Value& v = g.value(id);
    std::vector<int64_t> dims = *v.info.shape.static_sizes();
    const int64_t n = std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
    if (v.info.dtype == ir::DType::kInt64) {
      std::vector<int64_t> x(static_cast<size_t>(n));
      for (auto& i : x) i = rng() % 8;
      inputs.push_back(ir::Tensor::FromValues(ir::DType::kInt64, dims, x));
    } else {
      std::vector<float> x(static_cast<size_t>(n));
      for (float& f : x) f = real(rng);
      inputs.push_back(ir::Tensor::FromValues(ir::DType::kFloat32, dims, x));
    }
  }
  return inputs;
}

class GpuDeviceModels : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuDeviceModels, PartitionedRunsMatchTheCpuWithinThePlansBudgets) {
  std::string why;
  if (!Gpu({}, &why)) GTEST_SKIP() << why;
  // TANDEM_MODELS_DIR in the environment: the models packed for a GPU machine
  // (scripts/gpu_check.sh), which has no build tree.
  const char* dir = std::getenv("TANDEM_MODELS_DIR");
  const std::string path = std::string(dir ? dir : TANDEM_MODELS_DIR) + "/" + GetParam() + "/model.onnx";
  if (!fs::exists(path)) GTEST_SKIP() << path << " was not exported or packed";
  ASSERT_OK_AND_ASSIGN(ir::Model model, importer::ImportModel(path));
  const ir::Graph& g = *model.graph;
  const std::vector<ir::Tensor> inputs = RandomInputs(g, 7);
  ASSERT_OK_AND_ASSIGN(auto reference, CpuExecutor::Create(g, {}));
  ASSERT_OK_AND_ASSIGN(const std::vector<ir::Tensor> want, reference->Run(inputs));

  ASSERT_OK_AND_ASSIGN(pt::MachineProfile profile, pt::BuiltinProfile("h100"));
  const pt::PartitionOptions options = pt::OptionsForProfile(profile);
  pt::CpuCapability cpu_capability;
  pt::GpuCapability gpu_capability;
  pt::RooflineCostModel cost(profile);
  ASSERT_OK_AND_ASSIGN(pt::Partitioner partitioner,
                       pt::Partitioner::Create(g, {&cpu_capability, &gpu_capability}, cost, options));
  const int64_t weights = pt::ModelWeightBytes(g);
  for (int percent : {25, 50, 100}) {
    for (pt::Strategy strategy : {pt::Strategy::kOptimal, pt::Strategy::kGreedy}) {
      const std::string what = GetParam() + " " + std::string(pt::StrategyName(strategy)) + " at " +
                               std::to_string(percent) + "%";
      ASSERT_OK_AND_ASSIGN(pt::Plan plan, partitioner.Run(strategy, profile.cpu.budget_bytes, weights * percent / 100));
      const pt::DeviceMemory& planned = *plan.Memory(pt::DeviceKind::kGpu);
      CpuDevice cpu({plan.Memory(pt::DeviceKind::kCpu)->budget_bytes, {}});
      GpuDeviceOptions gpu_options;
      gpu_options.budget_bytes = planned.budget_bytes;
      gpu_options.workspace_limit = options.gpu_workspace_bytes;
      auto gpu = Gpu(gpu_options, &why);
      ASSERT_NE(gpu, nullptr) << why;
      auto rt = Runtime::Create(g, plan, {&cpu, gpu.get()});
      ASSERT_TRUE(rt.ok()) << what << ": " << rt.status();
      ASSERT_TRUE((*rt)->Run(inputs).ok()) << what;  // warm-up: cuDNN and cuBLASLt load lazily
      RunProfile run_profile;
      auto got = (*rt)->Run(inputs, &run_profile);
      ASSERT_TRUE(got.ok()) << what << ": " << got.status();
      ASSERT_EQ(got->size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        auto cmp = conformance::CompareTensors((*got)[i], want[i], {1e-3, 1e-4});
        EXPECT_TRUE(cmp.ok) << what << " output " << i << ": " << cmp.first_mismatch;
      }
      const int64_t peak = gpu->allocator().peak_bytes();
      EXPECT_LE(peak, planned.budget_bytes) << what;
      std::printf("%-36s segments %2d transfers %3d  gpu: planned %8.2f MiB, peak %8.2f MiB, budget %8.2f MiB  "
                  "predicted %.2f ms, measured %.2f ms\n",
                  what.c_str(), (*rt)->num_segments(), (*rt)->num_transfers(), planned.total_bytes() / 1048576.0,
                  peak / 1048576.0, planned.budget_bytes / 1048576.0, plan.predicted_ms, run_profile.total_ms);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Exported, GpuDeviceModels,
                         ::testing::Values("resnet18", "mobilenet_v2", "mobilenet_v3_small", "transformer_encoder",
                                           "bert_encoder"));

}  // namespace
}  // namespace tandem::executors
