// XNNPACK glue shared by the CPU kernels that call XNNPACK's operator API: one-time library
// initialisation, an owning handle for xnn_operator_t, and the single place where xnn_status is
// turned into absl::Status (the style guide's "one conversion per library" rule).
//
// Thread-safety: XnnInitialize may be called from any thread, any number of times.
#ifndef TANDEM_KERNELS_CPU_XNN_STATUS_H_
#define TANDEM_KERNELS_CPU_XNN_STATUS_H_

#include <xnnpack.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tandem::kernels::cpu {

// Deletes an XNNPACK operator; a null handle is ignored.
struct XnnOperatorDeleter {
  void operator()(xnn_operator_t op) const {
    if (op != nullptr) xnn_delete_operator(op);
  }
};
using XnnOperatorPtr = std::unique_ptr<xnn_operator, XnnOperatorDeleter>;

// Initialises XNNPACK once per process (std::call_once). Unimplemented naming `node` when the
// hardware is unsupported (so callers fall back to reference kernels), Internal when
// initialisation fails otherwise; every later call returns the same result.
absl::Status XnnInitialize(absl::string_view node);

// Status of an operator *creation* at kernel build time. xnn_status_invalid_parameter and
// xnn_status_unsupported_parameter / _hardware become Unimplemented, so the registry falls back
// to the next (reference) kernel for a configuration XNNPACK refuses; anything else is Internal.
// Messages read `<node>: XNNPACK <what> failed: <status name>`.
absl::Status XnnCreateStatus(xnn_status status, absl::string_view node, absl::string_view what);

// Status of setup/run at kernel run time: any failure is Internal.
absl::Status XnnRunStatus(xnn_status status, absl::string_view node, absl::string_view what);

}  // namespace tandem::kernels::cpu

#endif  // TANDEM_KERNELS_CPU_XNN_STATUS_H_
