// tandem-run MODEL.onnx [--inputs DIR] [--outputs DIR] [--expected DIR --rtol R --atol A]
//                       [--device cpu|gpu|auto] [--threads N] [--warmup W] [--iters K]
//                       [--cuda_graphs] [--tf32]
//
// Runs a model and reports latency (min, median, p90) and peak memory, as text and as one JSON
// line. Inputs come from DIR/input_<i>.pb (ONNX TensorProto, graph-input order) or are seeded
// random values. With --expected, compares with DIR/output_<i>.pb and prints PASSED or FAILED.
// --device gpu runs the whole model on the GPU executor; without a usable GPU it says why on one
// line and exits with 77. --device auto takes the GPU when it can run the whole model.
// The JSON's cpu_ms is the median CPU time of the process per run (all threads): on a busy
// machine it moves far less than wall time for 1-thread runs, so benchmarks compare it too.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/float16.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/device_registry.h"
#include "importer/node_inference.h"
#include "importer/onnx_importer.h"
#include "importer/tensor_proto.h"
#include "nlohmann/json.hpp"
#include "tools/conformance/tolerance.h"
#include "tools/run/partitioned_run.h"

ABSL_FLAG(std::string, inputs, "", "folder with input_<i>.pb files (default: seeded random inputs)");
ABSL_FLAG(std::string, outputs, "", "folder to write output_<i>.pb into");
ABSL_FLAG(std::string, expected, "", "folder with output_<i>.pb to compare against");
ABSL_FLAG(double, rtol, -1, "relative tolerance (default: per dtype, see tolerance.h)");
ABSL_FLAG(double, atol, -1, "absolute tolerance (default: per dtype)");
ABSL_FLAG(std::string, device, "cpu", "cpu | gpu | auto");
ABSL_FLAG(int, threads, 1, "CPU kernel threads");
ABSL_FLAG(int, warmup, 1, "untimed runs first");
ABSL_FLAG(int, iters, 10, "timed runs");
ABSL_FLAG(uint32_t, seed, 0, "seed for random inputs");
// Partitioned mode (tools/run/partitioned_run.h): any of these runs the model across the GPU and
// the CPU through tandem::Session.
ABSL_FLAG(std::string, gpu_mem, "", "partitioned: GPU budget (6GiB, 512MiB, 25% of the weights; 0: none)");
ABSL_FLAG(std::string, cpu_mem, "", "partitioned: CPU budget");
ABSL_FLAG(std::string, profile, "", "partitioned: machine profile, built-in name or JSON file (default laptop-6gb)");
ABSL_FLAG(std::string, strategy, "", "partitioned: optimal | greedy | gpu | cpu (default optimal)");
ABSL_FLAG(std::string, plan, "", "partitioned: run this plan (partition-tool --format plan) instead of planning");
ABSL_FLAG(bool, strict, false, "partitioned: fail (exit 3) instead of running on the CPU when no GPU is usable");
ABSL_FLAG(bool, json, false, "partitioned: per segment and per transfer times in the JSON line");
ABSL_FLAG(bool, cuda_graphs, false, "gpu: capture the run into a CUDA graph and replay it");
ABSL_FLAG(bool, tf32, false, "gpu: let float32 Conv/Gemm/MatMul use TF32 tensor cores");
ABSL_FLAG(bool, fuse, true, "fuse Relu/Clip into the Conv or Add before it, and Sigmoid + Mul into one SiLU step (--nofuse to compare)");
ABSL_FLAG(bool, channels_last, true,
          "keep activations NHWC between XNNPACK kernels (--nochannels_last to compare)");

namespace {

namespace fs = std::filesystem;
using tandem::ir::DType;

// Exit code of --device gpu when this build or this machine has no usable GPU: ctest's
// SKIP_RETURN_CODE, so GPU model tests skip on CPU-only machines.
constexpr int kNoGpuExitCode = 77;

tandem::ir::Tensor RandomTensor(const tandem::ir::Value& v, std::mt19937& rng) {
  std::vector<int64_t> dims = *v.info.shape.static_sizes();
  int64_t n = tandem::ir::CheckedNumElements(dims).value_or(0);
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::uniform_int_distribution<int> small(0, 9);
  switch (v.info.dtype) {
    case DType::kFloat32: {
      std::vector<float> x(n);
      for (float& f : x) f = real(rng);
      return tandem::ir::Tensor::FromValues(DType::kFloat32, dims, x);
    }
    case DType::kFloat16: {
      std::vector<uint16_t> x(n);
      for (auto& h : x) h = tandem::FloatToHalfBits(real(rng));
      return tandem::ir::Tensor::FromValues(DType::kFloat16, dims, x);
    }
    case DType::kInt64: {
      std::vector<int64_t> x(n);
      for (auto& i : x) i = small(rng);
      return tandem::ir::Tensor::FromValues(DType::kInt64, dims, x);
    }
    case DType::kInt32: {
      std::vector<int32_t> x(n);
      for (auto& i : x) i = small(rng);
      return tandem::ir::Tensor::FromValues(DType::kInt32, dims, x);
    }
    default: {  // bool and the rest: random bytes reduced to {0,1}
      std::vector<uint8_t> x(n * tandem::ir::DTypeSize(v.info.dtype));
      for (auto& b : x) b = small(rng) & 1;
      return tandem::ir::Tensor::FromValues(v.info.dtype, dims, x);
    }
  }
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// CPU time of the whole process (every thread), in milliseconds.
double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

int Fail(const std::string& msg) {
  std::cerr << "tandem-run: " << msg << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tandem-run MODEL.onnx [--inputs DIR] [--outputs DIR] [--expected DIR --rtol R --atol A] "
      "[--device cpu|gpu|auto] [--threads N] [--warmup W --iters K]");
  // --gpu-mem and --cpu-mem are spelled as partition-tool spells them; absl flags use '_'.
  std::vector<std::string> spelled(argv, argv + argc);
  for (std::string& a : spelled) {
    for (const char* dashed : {"--gpu-mem", "--cpu-mem"}) {
      if (a.rfind(dashed, 0) == 0 && (a.size() == 9 || a[9] == '=')) a[5] = '_';
    }
  }
  std::vector<char*> argv_flags;
  for (std::string& a : spelled) argv_flags.push_back(a.data());
  std::vector<char*> args = absl::ParseCommandLine(argc, argv_flags.data());
  if (args.size() != 2) return Fail("give exactly one model (see --help)");
  std::string path = args[1];
  std::string device = absl::GetFlag(FLAGS_device);
  if (device != "cpu" && device != "gpu" && device != "auto") return Fail("--device must be cpu, gpu or auto");
  const bool partitioned = !absl::GetFlag(FLAGS_gpu_mem).empty() || !absl::GetFlag(FLAGS_cpu_mem).empty() ||
                           !absl::GetFlag(FLAGS_profile).empty() || !absl::GetFlag(FLAGS_strategy).empty() ||
                           !absl::GetFlag(FLAGS_plan).empty() || absl::GetFlag(FLAGS_strict) ||
                           absl::GetFlag(FLAGS_json);

  auto model = tandem::importer::ImportModel(path);
  if (!model.ok()) return Fail(std::string(model.status().message()));
  const tandem::ir::Graph& g = *model->graph;
  int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  // The GPU when asked (for auto: when it can run the whole model), else the CPU.
  std::unique_ptr<tandem::executors::GpuGraphRunner> gpu;
  if (device != "cpu" && !partitioned) {
    tandem::executors::GpuRunnerOptions gpu_options;
    gpu_options.use_cuda_graphs = absl::GetFlag(FLAGS_cuda_graphs);
    gpu_options.allow_tf32 = absl::GetFlag(FLAGS_tf32);
    auto runner = tandem::executors::CreateGpuRunner(g, gpu_options);
    if (runner.ok()) {
      gpu = std::move(*runner);
      device = "gpu";
    } else if (device == "gpu") {
      std::cerr << "tandem-run: --device gpu: " << runner.status().message() << "\n";
      return runner.status().code() == absl::StatusCode::kFailedPrecondition ? kNoGpuExitCode : 1;
    } else {
      device = "cpu";
    }
  }
  tandem::executors::CpuExecutorOptions exec_options;
  exec_options.threads = threads;
  exec_options.fuse = absl::GetFlag(FLAGS_fuse);
  exec_options.channels_last = absl::GetFlag(FLAGS_channels_last);
  exec_options.infer = tandem::importer::MakeNodeInference(g.opsets());
  absl::StatusOr<std::unique_ptr<tandem::executors::CpuExecutor>> executor(nullptr);
  if (!gpu && !partitioned) {
    executor = tandem::executors::CpuExecutor::Create(g, exec_options);
    if (!executor.ok()) return Fail(std::string(executor.status().message()));
  }
  auto run_once = [&](const std::vector<tandem::ir::Tensor>& in) {
    return gpu ? gpu->Run(in) : (*executor)->Run(in);
  };

  std::vector<tandem::ir::Tensor> inputs;
  std::mt19937 rng(absl::GetFlag(FLAGS_seed));
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const tandem::ir::Value& v = g.value(g.inputs()[i]);
    if (absl::GetFlag(FLAGS_inputs).empty()) {
      if (!v.info.shape.is_static()) return Fail(absl::StrCat("input '", v.name, "' has no static shape"));
      inputs.push_back(RandomTensor(v, rng));
      continue;
    }
    auto t = tandem::importer::ParseTensorFile(
        (fs::path(absl::GetFlag(FLAGS_inputs)) / absl::StrCat("input_", i, ".pb")).string());
    if (!t.ok()) return Fail(std::string(t.status().message()));
    if (!t->name.empty() && t->name != v.name) {
      return Fail(absl::StrCat("input_", i, ".pb holds '", t->name, "' but input ", i, " is '", v.name, "'"));
    }
    inputs.push_back(std::move(t->tensor));
  }
  if (partitioned) {
    tandem::tools::PartitionedRunArgs p;
    p.model_path = path;
    if (!absl::GetFlag(FLAGS_profile).empty()) p.profile = absl::GetFlag(FLAGS_profile);
    if (!absl::GetFlag(FLAGS_strategy).empty()) p.strategy = absl::GetFlag(FLAGS_strategy);
    p.gpu_mem = absl::GetFlag(FLAGS_gpu_mem);
    p.cpu_mem = absl::GetFlag(FLAGS_cpu_mem);
    p.plan_path = absl::GetFlag(FLAGS_plan);
    p.strict = absl::GetFlag(FLAGS_strict);
    p.json = absl::GetFlag(FLAGS_json);
    p.threads = threads;
    p.warmup = absl::GetFlag(FLAGS_warmup);
    p.iters = absl::GetFlag(FLAGS_iters);
    p.inputs = std::move(inputs);
    p.outputs_dir = absl::GetFlag(FLAGS_outputs);
    p.expected_dir = absl::GetFlag(FLAGS_expected);
    p.rtol = absl::GetFlag(FLAGS_rtol);
    p.atol = absl::GetFlag(FLAGS_atol);
    return tandem::tools::RunPartitioned(p, std::cout, std::cerr);
  }

  std::vector<tandem::ir::Tensor> outputs;
  for (int w = 0; w < absl::GetFlag(FLAGS_warmup); ++w) {
    auto out = run_once(inputs);
    if (!out.ok()) return Fail(std::string(out.status().message()));
  }
  std::vector<double> times_ms, cpu_ms;
  int iters = std::max(1, absl::GetFlag(FLAGS_iters));
  for (int it = 0; it < iters; ++it) {
    const double cpu_start = ProcessCpuMs();
    auto start = std::chrono::steady_clock::now();
    auto out = run_once(inputs);
    auto end = std::chrono::steady_clock::now();
    cpu_ms.push_back(ProcessCpuMs() - cpu_start);
    if (!out.ok()) return Fail(std::string(out.status().message()));
    times_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    outputs = std::move(*out);
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  int64_t peak_rss = static_cast<int64_t>(usage.ru_maxrss) * 1024;

  if (!absl::GetFlag(FLAGS_outputs).empty()) {
    fs::create_directories(absl::GetFlag(FLAGS_outputs));
    for (size_t i = 0; i < outputs.size(); ++i) {
      std::ofstream f(fs::path(absl::GetFlag(FLAGS_outputs)) / absl::StrCat("output_", i, ".pb"),
                      std::ios::binary);
      f << tandem::importer::SerializeTensor(g.value(g.outputs()[i]).name, outputs[i]);
    }
  }
  bool passed = true;
  nlohmann::json errors = nlohmann::json::array();
  if (!absl::GetFlag(FLAGS_expected).empty()) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::string& name = g.value(g.outputs()[i]).name;
      auto want = tandem::importer::ParseTensorFile(
          (fs::path(absl::GetFlag(FLAGS_expected)) / absl::StrCat("output_", i, ".pb")).string());
      if (!want.ok()) return Fail(std::string(want.status().message()));
      auto tol = tandem::conformance::DefaultTolerance(want->tensor.dtype);
      if (absl::GetFlag(FLAGS_rtol) >= 0) tol.rtol = absl::GetFlag(FLAGS_rtol);
      if (absl::GetFlag(FLAGS_atol) >= 0) tol.atol = absl::GetFlag(FLAGS_atol);
      auto cmp = tandem::conformance::CompareTensors(outputs[i], want->tensor, tol);
      passed = passed && cmp.ok;
      std::cout << absl::StrFormat("output %-20s max abs error %.3g, max rel error %.3g  %s%s\n", name,
                                   cmp.max_abs_error, cmp.max_rel_error, cmp.ok ? "ok" : "MISMATCH ",
                                   cmp.first_mismatch);
      errors.push_back({{"output", name}, {"max_abs_error", cmp.max_abs_error},
                        {"max_rel_error", cmp.max_rel_error}, {"ok", cmp.ok}});
    }
  }
  double median = Percentile(times_ms, 0.5), p90 = Percentile(times_ms, 0.9);
  double min = *std::min_element(times_ms.begin(), times_ms.end());
  nlohmann::json j = {{"model", path},  {"device", device},    {"threads", threads},
                      {"iters", iters}, {"median_ms", median}, {"min_ms", min},
                      {"p90_ms", p90},  {"peak_rss_bytes", peak_rss}, {"cpu_ms", Percentile(cpu_ms, 0.5)}};
  if (gpu) {
    // Host-to-host latency: copies in, the run, copies out and the final synchronisation.
    std::cout << absl::StrFormat(
        "%s on gpu (%s): median %.3f ms, min %.3f ms, p90 %.3f ms over %d runs, inputs and outputs "
        "copied from/to the host; device memory %.1f MiB (%s); %d kernel nodes, %d activations fused%s; "
        "peak RSS %.1f MiB\n",
        path, gpu->device_name(), median, min, p90, iters, gpu->device_bytes() / 1048576.0, gpu->MemorySummary(),
        gpu->kernel_steps(), gpu->fused_activations(), absl::GetFlag(FLAGS_cuda_graphs) ? "; CUDA graphs" : "",
        peak_rss / 1048576.0);
    j["gpu"] = gpu->device_name();
    j["device_bytes"] = gpu->device_bytes();
    j["cuda_graphs"] = absl::GetFlag(FLAGS_cuda_graphs);
  } else {
    std::cout << absl::StrFormat(
        "%s on %s, %d thread(s): median %.3f ms, min %.3f ms, p90 %.3f ms over %d runs; peak RSS %.1f "
        "MiB; CPU arena %.1f MiB; constants copied for alignment %.1f MiB%s\n",
        path, device, threads, median, min, p90, iters, peak_rss / 1048576.0,
        (*executor)->arena_bytes() / 1048576.0, (*executor)->aligned_constant_bytes() / 1048576.0,
        (*executor)->interpreted() ? " (interpreter mode: dynamic shapes)" : "");
    j["arena_bytes"] = (*executor)->arena_bytes();
    j["aligned_constant_bytes"] = (*executor)->aligned_constant_bytes();
    j["interpreted"] = (*executor)->interpreted();
  }
  if (!absl::GetFlag(FLAGS_expected).empty()) {
    j["outputs"] = errors;
    j["passed"] = passed;
  }
  std::cout << j.dump() << "\n";
  if (!absl::GetFlag(FLAGS_expected).empty()) {
    std::cout << (passed ? "PASSED" : "FAILED") << "\n";
    return passed ? 0 : 1;
  }
  return 0;
}
