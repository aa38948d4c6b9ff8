#include "kernels/cpu/xnn_status.h"

#include <mutex>

#include "absl/strings/str_cat.h"

namespace tandem::kernels::cpu {
namespace {

const char* XnnStatusName(xnn_status status) {
  switch (status) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "uninitialized";
    case xnn_status_invalid_parameter: return "invalid parameter";
    case xnn_status_invalid_state: return "invalid state";
    case xnn_status_unsupported_parameter: return "unsupported parameter";
    case xnn_status_unsupported_hardware: return "unsupported hardware";
    case xnn_status_out_of_memory: return "out of memory";
  }
  return "unknown status";
}

std::string Message(xnn_status status, absl::string_view node, absl::string_view what) {
  return absl::StrCat(node, ": XNNPACK ", what, " failed: ", XnnStatusName(status));
}

}  // namespace

absl::Status XnnInitialize(absl::string_view node) {
  static std::once_flag once;
  static xnn_status init_status = xnn_status_uninitialized;
  std::call_once(once, [] { init_status = xnn_initialize(/*allocator=*/nullptr); });
  if (init_status == xnn_status_success) return absl::OkStatus();
  // Hardware XNNPACK cannot use: decline, so the reference kernels run instead.
  if (init_status == xnn_status_unsupported_hardware) {
    return absl::UnimplementedError(Message(init_status, node, "initialisation"));
  }
  return absl::InternalError(Message(init_status, node, "initialisation"));
}

absl::Status XnnCreateStatus(xnn_status status, absl::string_view node, absl::string_view what) {
  switch (status) {
    case xnn_status_success:
      return absl::OkStatus();
    case xnn_status_invalid_parameter:
    case xnn_status_unsupported_parameter:
    case xnn_status_unsupported_hardware:
      return absl::UnimplementedError(Message(status, node, what));
    case xnn_status_out_of_memory:
      return absl::ResourceExhaustedError(Message(status, node, what));
    default:
      return absl::InternalError(Message(status, node, what));
  }
}

absl::Status XnnRunStatus(xnn_status status, absl::string_view node, absl::string_view what) {
  if (status == xnn_status_success) return absl::OkStatus();
  return absl::InternalError(Message(status, node, what));
}

}  // namespace tandem::kernels::cpu
