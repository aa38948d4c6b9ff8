// What flows along a graph edge at run time: a tensor, a sequence of tensors, or an optional.
#ifndef TANDEM_EXECUTORS_CPU_RUNTIME_VALUE_H_
#define TANDEM_EXECUTORS_CPU_RUNTIME_VALUE_H_

#include <string>
#include <utility>
#include <vector>

#include "ir/shape.h"
#include "ir/tensor.h"

namespace tandem::executors {

struct RuntimeValue {
  ir::ValueType type = ir::ValueType::kTensor;
  // kTensor: exactly one. kSequence: the elements. kOptional: zero or one. kOptionalSequence:
  // the elements of the sequence when has_value.
  std::vector<ir::Tensor> tensors;
  bool has_value = true;  // false only for an empty optional
  ir::DType elem_dtype = ir::DType::kUndefined;  // for empty sequences and optionals

  static RuntimeValue Tensor(ir::Tensor t) {
    RuntimeValue v;
    v.elem_dtype = t.dtype;
    v.tensors.push_back(std::move(t));
    return v;
  }
  bool is_tensor() const { return type == ir::ValueType::kTensor; }
  // A tensor value, or an optional holding one.
  bool holds_one_tensor() const {
    return (type == ir::ValueType::kTensor || type == ir::ValueType::kOptional) && has_value &&
           tensors.size() == 1;
  }
  // "f32[2,3]", "seq(3 × f32)", "opt(none)" — for messages.
  std::string Describe() const;
};

}  // namespace tandem::executors

#endif  // TANDEM_EXECUTORS_CPU_RUNTIME_VALUE_H_
