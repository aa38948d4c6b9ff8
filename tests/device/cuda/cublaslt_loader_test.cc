// cuBLASLt is loaded on first use only (executors/cuda/cublaslt_loader.h): a process that never
// builds a GPU executor must not pay its ~150 MiB of resident memory. Each ctest entry runs in a
// fresh process, so "not loaded yet" is observable here. No GPU needed.
#include "executors/cuda/cublaslt_loader.h"

#include <cublasLt.h>

#include <fstream>
#include <sstream>
#include <string>

#include "executors/cuda/cuda_executor.h"
#include "gtest/gtest.h"
#include "tests/device/cuda/cuda_test_util.h"

namespace tandem {
namespace {

bool CublasLtMapped() {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find("libcublasLt") != std::string::npos;
}

TEST(CublasLtLoader, NothingLoadsItUntilAnExecutorNeedsIt) {
  EXPECT_FALSE(CublasLtMapped());
  EXPECT_FALSE(executors::cuda::CublasLtLoaded());

  // The host-only support check (what the partitioner calls for every node) does not load it.
  testing::TestGraph t;
  auto a = t.Input("a", ir::DType::kFloat32, {2, 3});
  auto b = t.Input("b", ir::DType::kFloat32, {3, 4});
  t.Output(t.Add("MatMul", {a, b}, ir::DType::kFloat32, {2, 4}));
  EXPECT_EQ(executors::cuda::CudaExecutor::UnsupportedReason(t.graph(), t.graph().nodes()[0]), "");
  EXPECT_FALSE(CublasLtMapped());

  const std::string& why = executors::cuda::LoadCublasLt();
  if (why.empty()) {
    EXPECT_TRUE(CublasLtMapped());
    EXPECT_TRUE(executors::cuda::CublasLtLoaded());
    EXPECT_STREQ(cublasLtGetStatusName(CUBLAS_STATUS_NOT_SUPPORTED), "CUBLAS_STATUS_NOT_SUPPORTED");
  } else {
    // A machine with the toolkit headers but without the library: the reason names it.
    EXPECT_NE(why.find("libcublasLt.so."), std::string::npos) << why;
    EXPECT_FALSE(executors::cuda::CublasLtLoaded());
    EXPECT_EQ(cublasLtCreate(nullptr), CUBLAS_STATUS_NOT_INITIALIZED);
  }
  // A second call answers from the first attempt.
  EXPECT_EQ(&executors::cuda::LoadCublasLt(), &why);
}

}  // namespace
}  // namespace tandem
