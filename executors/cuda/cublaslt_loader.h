// cuBLASLt is loaded on first use, not at program start.
//
// Linking libcublasLt.so.13 costs every process ~150 MiB of resident memory before main() runs
// (its 6,500 static initialisers touch most of the 540 MB library), so a CUDA build of tandem-run
// used 167 MiB on a CPU-only run that needs 19. tandem therefore does not link it: the thirteen
// cuBLASLt functions the executor calls are defined in cublaslt_loader.cc with cublasLt.h's own
// signatures, and the first call dlopen()s the library and forwards. Call sites stay plain
// cuBLASLt calls. cuDNN (2 MiB at load; it loads its engines lazily itself) and the CUDA runtime
// (0.5 MiB) are linked normally.
#ifndef TANDEM_EXECUTORS_CUDA_CUBLASLT_LOADER_H_
#define TANDEM_EXECUTORS_CUDA_CUBLASLT_LOADER_H_

#include <string>

namespace tandem::executors::cuda {

// Loads cuBLASLt if it is not loaded yet. "" on success, otherwise why it could not be loaded
// (dlopen's message, or the first missing symbol). Thread-safe; the attempt is made once.
const std::string& LoadCublasLt();

// True once cuBLASLt has been loaded into this process (for tests of the lazy loading).
bool CublasLtLoaded();

}  // namespace tandem::executors::cuda

#endif  // TANDEM_EXECUTORS_CUDA_CUBLASLT_LOADER_H_
