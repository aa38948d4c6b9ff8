// The embedding API: sessions from a path or bytes, named inputs and outputs, borrowed and owned
// tensors, errors, the CPU fallback and its one warning, and many threads on one session. The
// partitioned cases put the CheckedHostDevice test double in the GPU's place.
#include "tandem/session.h"

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "api/session_internal.h"
#include "executors/fake/checked_host_device.h"
#include "gtest/gtest.h"
#include "importer/onnx_importer.h"
#include "tests/null/test_util.h"

namespace tandem {
namespace {

std::string ModelPath(const std::string& name) {
  return std::string(TANDEM_MODELS_DIR) + "/" + name + "/model.onnx";
}

// Seeded inputs for every model input (unknown dims: 1), owning their bytes.
std::map<std::string, Tensor> Inputs(const Session& s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::map<std::string, Tensor> inputs;
  for (const TensorSpec& spec : s.inputs()) {
    std::vector<int64_t> shape = spec.shape;
    int64_t n = 1;
    for (int64_t& d : shape) n *= (d = d < 0 ? 1 : d);
    if (spec.dtype == DType::kInt64) {  // token ids
      std::vector<int64_t> ids(n);
      for (int64_t& id : ids) id = rng() % 8;
      inputs[spec.name] = *Tensor::FromVector(DType::kInt64, shape, ids);
      continue;
    }
    std::vector<float> v(n);
    for (float& f : v) f = real(rng);
    inputs[spec.name] = *Tensor::FromVector(DType::kFloat32, shape, v);
  }
  return inputs;
}

bool SameBits(const std::map<std::string, Tensor>& a, const std::map<std::string, Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    auto it = b.find(name);
    if (it == b.end() || it->second.shape() != t.shape() || it->second.byte_size() != t.byte_size() ||
        std::memcmp(it->second.data(), t.data(), t.byte_size()) != 0) {
      return false;
    }
  }
  return true;
}

// A session whose GPU is the checked test double.
StatusOr<std::unique_ptr<Session>> CheckedSession(const std::string& model, SessionOptions options) {
  auto imported = importer::ImportModel(ModelPath(model));
  if (!imported.ok()) return imported.status();
  return SessionFactory::Create(*std::move(imported), options, [](const executors::GpuDeviceOptions& request, std::string*) {
    return std::make_unique<executors::CheckedHostDevice>(
        executors::CheckedHostDeviceOptions{request.budget_bytes, {}});
  });
}

TEST(Session, WithoutAGpuRunsOnTheCpuAndSaysSoOnce) {
  SessionOptions options;
  options.gpu_memory = "50%";
  ASSERT_OK_AND_ASSIGN(auto session, SessionFactory::Create(
                                         *importer::ImportModel(ModelPath("transformer_encoder")), options,
                                         [](const executors::GpuDeviceOptions&, std::string* why) {
                                           *why = "no GPU found";
                                           return nullptr;
                                         }));
  ASSERT_EQ(session->warnings().size(), 1u);
  EXPECT_EQ(session->warnings()[0], "warning: no usable GPU (no GPU found); running every node on the CPU");
  EXPECT_FALSE(session->uses_gpu());
  EXPECT_EQ(session->devices(), std::vector<std::string>{"cpu"});
  ASSERT_OK(session->Run(Inputs(*session, 1)).status());
}

TEST(Session, StrictRefusesToFallBackToTheCpu) {
  SessionOptions options;
  options.strict = true;
  auto s = SessionFactory::Create(*importer::ImportModel(ModelPath("transformer_encoder")), options,
                                  [](const executors::GpuDeviceOptions&, std::string* why) {
                                    *why = "no GPU found";
                                    return nullptr;
                                  });
  EXPECT_THAT(s.status(), StatusIs(absl::StatusCode::kFailedPrecondition, "no GPU is usable (no GPU found)"));
}

TEST(Session, ZeroGpuMemoryMeansCpuOnlyWithoutWarning) {
  SessionOptions options;
  options.gpu_memory = "0";
  ASSERT_OK_AND_ASSIGN(auto session, Session::Create(ModelPath("transformer_encoder"), options));
  EXPECT_TRUE(session->warnings().empty());
  EXPECT_FALSE(session->uses_gpu());
}

TEST(Session, PartitionedRunMatchesCpuOnlyBitForBit) {
  SessionOptions cpu_only;
  cpu_only.gpu_memory = "0";
  ASSERT_OK_AND_ASSIGN(auto reference, Session::Create(ModelPath("mobilenet_v2"), cpu_only));
  SessionOptions options;
  options.gpu_memory = "50%";
  ASSERT_OK_AND_ASSIGN(auto session, CheckedSession("mobilenet_v2", options));
  EXPECT_TRUE(session->uses_gpu());
  EXPECT_EQ(session->devices(), (std::vector<std::string>{"cpu", "checked-host (test double)"}));
  EXPECT_EQ(session->plan().rfind("tandem-plan 1\n", 0), 0u);
  auto inputs = Inputs(*session, 3);
  RunStats stats;
  ASSERT_OK_AND_ASSIGN(auto got, session->Run(inputs, &stats));
  ASSERT_OK_AND_ASSIGN(auto want, reference->Run(inputs));
  EXPECT_TRUE(SameBits(got, want));
  int transfers = 0;
  for (const StepStats& s : stats.steps) transfers += s.kind == "transfer";
  EXPECT_GT(transfers, 0);
  EXPECT_GT(stats.predicted_ms, 0);
}

TEST(Session, RunsAGivenPlan) {
  SessionOptions options;
  options.gpu_memory = "50%";
  ASSERT_OK_AND_ASSIGN(auto planned, CheckedSession("mobilenet_v2", options));
  options.plan_text = planned->plan();
  options.strategy = "no such strategy";  // ignored: the plan is given
  ASSERT_OK_AND_ASSIGN(auto session, CheckedSession("mobilenet_v2", options));
  EXPECT_EQ(session->plan(), planned->plan());
  auto inputs = Inputs(*session, 4);
  ASSERT_OK_AND_ASSIGN(auto a, session->Run(inputs));
  ASSERT_OK_AND_ASSIGN(auto b, planned->Run(inputs));
  EXPECT_TRUE(SameBits(a, b));
}

TEST(Session, ManyThreadsRunOneSession) {
  SessionOptions options;
  options.gpu_memory = "50%";
  ASSERT_OK_AND_ASSIGN(auto session, CheckedSession("mobilenet_v2", options));
  constexpr int kThreads = 6, kRuns = 3;
  std::vector<std::map<std::string, Tensor>> inputs, want;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(Inputs(*session, 100 + t));
    want.push_back(*session->Run(inputs.back()));
  }
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRuns; ++r) {
        auto got = session->Run(inputs[t]);
        if (!got.ok() || !SameBits(*got, want[t])) mismatches[t]++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(kThreads, 0));
}

TEST(Session, BorrowedInputsAreReadInPlace) {
  SessionOptions options;
  options.gpu_memory = "0";
  ASSERT_OK_AND_ASSIGN(auto session, Session::Create(ModelPath("transformer_encoder"), options));
  auto owned = Inputs(*session, 5);
  std::map<std::string, Tensor> borrowed;
  std::vector<std::vector<uint8_t>> memory;
  for (const auto& [name, t] : owned) {
    memory.emplace_back(static_cast<const uint8_t*>(t.data()), static_cast<const uint8_t*>(t.data()) + t.byte_size());
    ASSERT_OK_AND_ASSIGN(borrowed[name], Tensor::Borrow(t.dtype(), t.shape(), memory.back().data(), memory.back().size()));
    EXPECT_TRUE(borrowed[name].borrowed());
    EXPECT_EQ(borrowed[name].mutable_data(), nullptr);
  }
  ASSERT_OK_AND_ASSIGN(auto a, session->Run(owned));
  ASSERT_OK_AND_ASSIGN(auto b, session->Run(borrowed));
  EXPECT_TRUE(SameBits(a, b));
  // Outputs own their bytes and outlive the session.
  session.reset();
  EXPECT_FALSE(a.begin()->second.borrowed());
  EXPECT_GT(a.begin()->second.byte_size(), 0u);
}

TEST(Session, CreateFromBytesMatchesCreateFromPath) {
  std::ifstream f(ModelPath("transformer_encoder"), std::ios::binary);
  std::stringstream bytes;
  bytes << f.rdbuf();
  SessionOptions options;
  options.gpu_memory = "0";
  ASSERT_OK_AND_ASSIGN(auto from_bytes, Session::CreateFromBytes(bytes.str(), options));
  ASSERT_OK_AND_ASSIGN(auto from_path, Session::Create(ModelPath("transformer_encoder"), options));
  ASSERT_EQ(from_bytes->inputs().size(), from_path->inputs().size());
  EXPECT_EQ(from_bytes->inputs()[0].name, from_path->inputs()[0].name);
  auto inputs = Inputs(*from_path, 6);
  EXPECT_TRUE(SameBits(*from_bytes->Run(inputs), *from_path->Run(inputs)));
}

TEST(Session, ReportsBadInputsAndOptionsByName) {
  SessionOptions options;
  options.gpu_memory = "0";
  ASSERT_OK_AND_ASSIGN(auto session, Session::Create(ModelPath("transformer_encoder"), options));
  const std::string input = session->inputs()[0].name;
  EXPECT_THAT(session->Run({}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "input '" + input + "' is missing"));
  auto inputs = Inputs(*session, 7);
  inputs["bogus"] = *Tensor::Allocate(DType::kFloat32, {1});
  EXPECT_THAT(session->Run(inputs).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "'bogus' is not an input of the model"));
  inputs.erase("bogus");
  inputs[input] = *Tensor::Allocate(DType::kFloat32, session->inputs()[0].shape);
  EXPECT_THAT(session->Run(inputs).status(), StatusIs(absl::StatusCode::kInvalidArgument, input));

  EXPECT_THAT(Tensor::Borrow(DType::kFloat32, {2, 2}, inputs.begin()->second.data(), 15).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs 16 bytes, got 15"));
  EXPECT_THAT(Session::Create("/no/such/model.onnx").status(), StatusIs(absl::StatusCode::kNotFound, "model.onnx"));
  options.gpu_memory = "lots";
  EXPECT_THAT(Session::Create(ModelPath("transformer_encoder"), options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "gpu_memory"));
  options.gpu_memory = "";
  options.strategy = "fastest";
  EXPECT_THAT(Session::Create(ModelPath("transformer_encoder"), options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "strategy 'fastest'"));
}

}  // namespace
}  // namespace tandem
