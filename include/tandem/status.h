// tandem reports every error as an absl::Status (or absl::StatusOr<T> for a value), with the
// canonical codes: InvalidArgument (bad model, input or option), NotFound (file),
// Unimplemented (op or dtype not supported), ResourceExhausted (a memory budget; the message
// says what was needed and what was free), FailedPrecondition (a GPU was required and none is
// usable), Internal (a device library failed). Nothing throws across the API.
#ifndef TANDEM_STATUS_H_
#define TANDEM_STATUS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tandem {

using Status = absl::Status;
template <typename T>
using StatusOr = absl::StatusOr<T>;

}  // namespace tandem

#endif  // TANDEM_STATUS_H_
