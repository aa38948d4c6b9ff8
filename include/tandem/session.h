// tandem::Session: load an ONNX model once, run it many times across the GPU and the CPU.
//
//   tandem::SessionOptions options;
//   options.gpu_memory = "4GiB";                 // or "25%" of the weights, or "0" for no GPU
//   auto session = tandem::Session::Create("model.onnx", options);
//   if (!session.ok()) { /* session.status() says why */ }
//   auto x = tandem::Tensor::Borrow(tandem::DType::kFloat32, {1, 3, 224, 224}, pixels, bytes);
//   auto outputs = (*session)->Run({{"input", *x}});   // name → Tensor
//
// Create imports the model, plans every node onto the GPU or the CPU under the memory budgets
// (the partitioner; see docs/partitioner.md), and prepares the plan on the devices (weights made
// resident, segments compiled; docs/runtime.md). Run executes the plan.
//
// Devices. A GPU is used when this build has the GPU executor and the machine has a usable GPU.
// When the options ask for GPU memory (explicitly, or through a profile with a GPU) and no GPU is
// usable, the session plans everything on the CPU and adds one line to warnings() saying so; with
// `strict`, Create fails with FailedPrecondition instead.
//
// Threading. Run may be called from several threads at once on one Session; runs are executed
// one at a time (the memory budgets hold for one run in flight), and each Run uses several
// threads internally (one per device and one for copies). Create, inputs(), outputs(), plan()
// and warnings() are safe to call concurrently with Run.
// Ownership. The Session owns the model and everything prepared from it. Input tensors are read
// during Run only (borrowed tensors must stay valid until Run returns); output tensors own their
// bytes and may outlive the Session.
// Errors: see tandem/status.h. Every message names the model, node, tensor or budget involved.
#ifndef TANDEM_SESSION_H_
#define TANDEM_SESSION_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tandem/status.h"
#include "tandem/tensor.h"

namespace tandem {

struct SessionOptions {
  // Machine profile for the cost model and default budgets: a built-in name ("laptop-6gb",
  // "desktop-24gb", "h100", "cpu-only") or a JSON file (schema in docs/partitioner.md).
  std::string profile = "laptop-6gb";
  // Budgets: "" keeps the profile's; otherwise a size ("6GiB", "512MiB", "1e9") or a share of
  // the model's weights ("25%"). gpu_memory "0" runs on the CPU only, without a warning.
  std::string gpu_memory;
  std::string cpu_memory;
  // How to place nodes: "optimal" (default), "greedy", "gpu" (all that can), "cpu".
  std::string strategy = "optimal";
  // A plan in the text form of `partition-tool --format plan` to run instead of partitioning.
  std::string plan_text;
  int threads = 1;      // CPU kernel threads
  bool strict = false;  // fail instead of falling back to the CPU when no GPU is usable
};

// Name, element type and shape of a model input or output; -1 marks a dim known only at run
// time.
struct TensorSpec {
  std::string name;
  DType dtype = DType::kUndefined;
  std::vector<int64_t> shape;
};

// Times of one step of a run: a segment of nodes on one device, or a copy between devices.
struct StepStats {
  std::string kind;    // "segment" | "transfer"
  std::string name;    // "segment 2 (gpu)" | "x@gpu"
  std::string device;  // the device that ran it (a transfer: its destination)
  int64_t bytes = 0;   // transfers
  double predicted_ms = 0;  // the plan's prediction
  double start_ms = 0;      // from the start of the run
  double measured_ms = 0;
};

struct RunStats {
  double total_ms = 0;
  double predicted_ms = 0;  // the plan's sequential prediction
  std::vector<StepStats> steps;
};

class Session {
 public:
  // NotFound when the file is missing; InvalidArgument naming the node or tensor for a bad model;
  // ResourceExhausted when no placement fits the budgets.
  static StatusOr<std::unique_ptr<Session>> Create(const std::string& model_path,
                                                   const SessionOptions& options = {});
  // The model as serialized ONNX bytes (copied as needed; external data is refused).
  static StatusOr<std::unique_ptr<Session>> CreateFromBytes(const std::string& model_bytes,
                                                            const SessionOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::vector<TensorSpec>& inputs() const;
  const std::vector<TensorSpec>& outputs() const;

  // Runs the model on `inputs` (every model input, by name). Returns every output by name.
  // InvalidArgument naming the tensor for a missing, unknown or mistyped input.
  // `stats` (optional) receives per-step times next to the plan's predictions.
  StatusOr<std::map<std::string, Tensor>> Run(const std::map<std::string, Tensor>& inputs,
                                              RunStats* stats = nullptr);

  // The chosen plan, in the text form of `partition-tool --format plan`.
  const std::string& plan() const;
  // True when some segment runs on a GPU.
  bool uses_gpu() const;
  // Names of the devices in use: "cpu", and the GPU's when one is used.
  std::vector<std::string> devices() const;
  // Non-fatal notes from Create, one line each (e.g. the CPU fallback on a machine without GPU).
  const std::vector<std::string>& warnings() const;

  struct Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend struct SessionFactory;
};

}  // namespace tandem

#endif  // TANDEM_SESSION_H_
