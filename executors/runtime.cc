// Runtime::Run: executes the step list that runtime_build.cc made (its spec is there).
//
// One Execution per run holds the slots' tensors, which steps are done and the first error.
// Each queue (CPU segments, GPU segments, copies) runs its steps in list order on its own thread,
// waiting on a condition variable until a step's dependencies are done. A slot's tensor, and with
// it the device memory and its reservation, is dropped when its last reader finishes.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executors/runtime_internal.h"

namespace tandem::executors {

using Clock = std::chrono::steady_clock;

class Runtime::Execution {
 public:
  Execution(Runtime& rt, RunProfile* profile)
      : rt_(rt),
        values_(rt.slots_.size()),
        readers_left_(rt.slots_.size()),
        done_(rt.steps_.size(), false),
        timings_(rt.steps_.size()),
        profile_(profile),
        start_(Clock::now()) {
    for (size_t i = 0; i < rt.slots_.size(); ++i) readers_left_[i] = rt.slots_[i].readers;
  }

  absl::Status Feed(absl::Span<const ir::Tensor> inputs) {
    const ir::Graph& g = rt_.graph_;
    if (inputs.size() != g.inputs().size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the model takes ", g.inputs().size(), " inputs, got ", inputs.size()));
    }
    for (size_t i = 0; i < rt_.slots_.size(); ++i) {
      const Slot& s = rt_.slots_[i];
      if (s.graph_input >= 0) values_[i] = DeviceTensor{inputs[s.graph_input], &HostMemory(), nullptr};
      if (s.constant) values_[i] = DeviceTensor{*s.constant, &HostMemory(), nullptr};
    }
    return absl::OkStatus();
  }

  absl::Status RunAll() {
    std::vector<int> queues;
    for (const Step& s : rt_.steps_) {
      if (std::find(queues.begin(), queues.end(), s.queue) == queues.end()) queues.push_back(s.queue);
    }
    if (!rt_.options_.concurrent || queues.size() <= 1) {
      for (size_t i = 0; i < rt_.steps_.size() && status_.ok(); ++i) Finish(i, Execute(i));
      return status_;
    }
    std::vector<std::thread> threads;
    for (size_t q = 1; q < queues.size(); ++q) threads.emplace_back([this, &queues, q] { RunQueue(queues[q]); });
    RunQueue(queues[0]);
    for (std::thread& t : threads) t.join();
    return status_;
  }

  absl::StatusOr<std::vector<ir::Tensor>> Outputs() {
    const ir::Graph& g = rt_.graph_;
    std::vector<ir::Tensor> outputs;
    for (size_t i = 0; i < rt_.output_slots_.size(); ++i) {
      const int slot = rt_.output_slots_[i];
      const ir::Value& v = g.value(g.outputs()[i]);
      if (slot < 0) {
        outputs.push_back(*v.initializer);
        continue;
      }
      const DeviceTensor& t = values_[slot];
      if (t.space != &HostMemory()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "graph output '", v.name, "' is in ", t.space ? t.space->name() : "no",
            " memory: no transfer brought it to the host"));
      }
      outputs.push_back(t.tensor);
    }
    if (profile_) {
      profile_->steps.clear();
      for (size_t i = 0; i < rt_.steps_.size(); ++i) {
        const Step& s = rt_.steps_[i];
        StepProfile p;
        p.kind = s.kind;
        p.name = s.name;
        p.device = s.device->name();
        p.bytes = s.bytes;
        p.predicted_ms = s.predicted_ms;
        p.start_ms = timings_[i].first;
        p.measured_ms = timings_[i].second;
        profile_->steps.push_back(std::move(p));
      }
      profile_->total_ms = Ms(Clock::now());
    }
    return outputs;
  }

 private:
  double Ms(Clock::time_point t) const {
    return std::chrono::duration<double, std::milli>(t - start_).count();
  }

  void RunQueue(int queue) {
    for (size_t i = 0; i < rt_.steps_.size(); ++i) {
      const Step& step = rt_.steps_[i];
      if (step.queue != queue) continue;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] {
          if (!status_.ok()) return true;
          for (int d : step.deps) {
            if (!done_[d]) return false;
          }
          return true;
        });
        if (!status_.ok()) return;
      }
      Finish(i, Execute(i));
    }
  }

  // Records the result of step i, releases what it read, and wakes the other queues.
  void Finish(size_t i, absl::Status s) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!s.ok() && status_.ok()) status_ = std::move(s);
      done_[i] = true;
      for (int r : rt_.steps_[i].reads) {
        if (--readers_left_[r] == 0) values_[r] = DeviceTensor{};
      }
    }
    ready_.notify_all();
  }

  absl::Status Execute(size_t i) {
    const Step& step = rt_.steps_[i];
    const Clock::time_point begin = Clock::now();
    std::vector<DeviceTensor> inputs;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int r : step.reads) inputs.push_back(values_[r]);
    }
    absl::StatusOr<std::vector<DeviceTensor>> outputs =
        step.kind == StepProfile::Kind::kSegment ? rt_.units_[step.unit]->compiled->Run(inputs)
                                                 : Copy(step, inputs[0]);
    inputs.clear();  // drop this thread's references before the readers' count releases them
    const Clock::time_point end = Clock::now();
    timings_[i] = {Ms(begin), std::chrono::duration<double, std::milli>(end - begin).count()};
    if (!outputs.ok()) {
      const std::string msg(outputs.status().message());
      if (msg.rfind(step.name, 0) == 0) return outputs.status();
      return absl::Status(outputs.status().code(), absl::StrCat(step.name, ": ", msg));
    }
    if (outputs->size() != step.writes.size()) {
      return absl::InternalError(absl::StrCat(step.name, " returned ", outputs->size(),
                                              " outputs, expected ", step.writes.size()));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t o = 0; o < outputs->size(); ++o) values_[step.writes[o]] = std::move((*outputs)[o]);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<DeviceTensor>> Copy(const Step& step, const DeviceTensor& src) {
    if (src.space == nullptr) {
      return absl::InternalError(absl::StrCat("'", step.name, "' has no source tensor"));
    }
    if (src.tensor.dtype == ir::DType::kString) {
      return absl::UnimplementedError(
          absl::StrCat("'", step.name, "': string tensors cannot be copied between devices"));
    }
    const int64_t bytes = static_cast<int64_t>(src.tensor.byte_size());
    TANDEM_ASSIGN_OR_RETURN(Buffer buffer,
                            step.device->allocator().Allocate(bytes, absl::StrCat("transfer '", step.name, "'")));
    TANDEM_RETURN_IF_ERROR(step.via->CopyBytes(src.tensor.data.data(), *src.space, buffer, bytes));
    DeviceTensor dst;
    dst.tensor.dtype = src.tensor.dtype;
    dst.tensor.dims = src.tensor.dims;
    dst.tensor.data = AsTensorData(buffer);  // owns the memory and its reservation
    dst.space = buffer.space();
    return std::vector<DeviceTensor>{std::move(dst)};
  }

  Runtime& rt_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<DeviceTensor> values_;   // by slot
  std::vector<int> readers_left_;      // by slot
  std::vector<bool> done_;             // by step
  std::vector<std::pair<double, double>> timings_;  // by step: start, duration (ms)
  absl::Status status_;
  RunProfile* profile_;
  Clock::time_point start_;
};

absl::StatusOr<std::vector<ir::Tensor>> Runtime::Run(absl::Span<const ir::Tensor> inputs,
                                                     RunProfile* profile) {
  std::lock_guard<std::mutex> lock(run_mutex_);
  Execution run(*this, profile);
  TANDEM_RETURN_IF_ERROR(run.Feed(inputs));
  TANDEM_RETURN_IF_ERROR(run.RunAll());
  return run.Outputs();
}

}  // namespace tandem::executors
