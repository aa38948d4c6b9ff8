#include "executors/cuda/cublaslt_loader.h"

#include <cublasLt.h>
#include <dlfcn.h>

#include <atomic>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace tandem::executors::cuda {
namespace {

// The real entry points, resolved from the loaded library.
struct CublasLtApi {
  decltype(&::cublasLtCreate) create = nullptr;
  decltype(&::cublasLtDestroy) destroy = nullptr;
  decltype(&::cublasLtGetStatusName) get_status_name = nullptr;
  decltype(&::cublasLtGetStatusString) get_status_string = nullptr;
  decltype(&::cublasLtMatmul) matmul = nullptr;
  decltype(&::cublasLtMatmulAlgoGetHeuristic) matmul_algo_get_heuristic = nullptr;
  decltype(&::cublasLtMatmulDescCreate) matmul_desc_create = nullptr;
  decltype(&::cublasLtMatmulDescDestroy) matmul_desc_destroy = nullptr;
  decltype(&::cublasLtMatmulDescSetAttribute) matmul_desc_set_attribute = nullptr;
  decltype(&::cublasLtMatmulPreferenceCreate) preference_create = nullptr;
  decltype(&::cublasLtMatmulPreferenceDestroy) preference_destroy = nullptr;
  decltype(&::cublasLtMatmulPreferenceSetAttribute) preference_set_attribute = nullptr;
  decltype(&::cublasLtMatrixLayoutCreate) layout_create = nullptr;
  decltype(&::cublasLtMatrixLayoutDestroy) layout_destroy = nullptr;
  decltype(&::cublasLtMatrixLayoutSetAttribute) layout_set_attribute = nullptr;
};

CublasLtApi api;
std::string load_error;
std::once_flag load_once;
std::atomic<bool> loaded{false};

template <typename Fn>
bool Resolve(void* library, const char* name, Fn* out) {
  *out = reinterpret_cast<Fn>(dlsym(library, name));
  if (*out == nullptr && load_error.empty()) load_error = absl::StrCat("libcublasLt has no symbol ", name);
  return *out != nullptr;
}

void Load() {
  const std::string versioned = absl::StrCat("libcublasLt.so.", CUBLAS_VER_MAJOR);
  // RTLD_LOCAL: the library's symbols must not interpose on ours (ours forward to it).
  void* library = dlopen(versioned.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    load_error = absl::StrCat("cannot load ", versioned, ": ", why ? why : "unknown dlopen error");
    return;
  }
  bool ok = Resolve(library, "cublasLtCreate", &api.create) & Resolve(library, "cublasLtDestroy", &api.destroy) &
            Resolve(library, "cublasLtGetStatusName", &api.get_status_name) &
            Resolve(library, "cublasLtGetStatusString", &api.get_status_string) &
            Resolve(library, "cublasLtMatmul", &api.matmul) &
            Resolve(library, "cublasLtMatmulAlgoGetHeuristic", &api.matmul_algo_get_heuristic) &
            Resolve(library, "cublasLtMatmulDescCreate", &api.matmul_desc_create) &
            Resolve(library, "cublasLtMatmulDescDestroy", &api.matmul_desc_destroy) &
            Resolve(library, "cublasLtMatmulDescSetAttribute", &api.matmul_desc_set_attribute) &
            Resolve(library, "cublasLtMatmulPreferenceCreate", &api.preference_create) &
            Resolve(library, "cublasLtMatmulPreferenceDestroy", &api.preference_destroy) &
            Resolve(library, "cublasLtMatmulPreferenceSetAttribute", &api.preference_set_attribute) &
            Resolve(library, "cublasLtMatrixLayoutCreate", &api.layout_create) &
            Resolve(library, "cublasLtMatrixLayoutDestroy", &api.layout_destroy) &
            Resolve(library, "cublasLtMatrixLayoutSetAttribute", &api.layout_set_attribute);
  if (!ok) {
    api = CublasLtApi{};
    return;  // the library stays mapped; a half-resolved table is never used
  }
  loaded.store(true, std::memory_order_release);
}

// The table when the library loaded, else nullptr (callers return CUBLAS_STATUS_NOT_INITIALIZED;
// cublasLtCreate is the first call the executor makes and reports LoadCublasLt()'s message).
const CublasLtApi* Api() { return LoadCublasLt().empty() ? &api : nullptr; }

}  // namespace

const std::string& LoadCublasLt() {
  std::call_once(load_once, Load);
  return load_error;
}

bool CublasLtLoaded() { return loaded.load(std::memory_order_acquire); }

}  // namespace tandem::executors::cuda

// ---- The cuBLASLt functions tandem calls, with cublasLt.h's signatures. Hidden: libtandem.so
// must not export them to applications that link the real library themselves.
#define TANDEM_LT_FORWARD(member, ...)                                          \
  const auto* lt = ::tandem::executors::cuda::Api();                            \
  return lt == nullptr ? CUBLAS_STATUS_NOT_INITIALIZED : lt->member(__VA_ARGS__)
#define TANDEM_HIDDEN __attribute__((visibility("hidden")))

extern "C" {

TANDEM_HIDDEN cublasStatus_t cublasLtCreate(cublasLtHandle_t* handle) { TANDEM_LT_FORWARD(create, handle); }

TANDEM_HIDDEN cublasStatus_t cublasLtDestroy(cublasLtHandle_t handle) { TANDEM_LT_FORWARD(destroy, handle); }

TANDEM_HIDDEN const char* cublasLtGetStatusName(cublasStatus_t status) {
  const auto* lt = ::tandem::executors::cuda::Api();
  return lt == nullptr ? "CUBLAS_STATUS_(cuBLASLt not loaded)" : lt->get_status_name(status);
}

TANDEM_HIDDEN const char* cublasLtGetStatusString(cublasStatus_t status) {
  const auto* lt = ::tandem::executors::cuda::Api();
  return lt == nullptr ? ::tandem::executors::cuda::LoadCublasLt().c_str() : lt->get_status_string(status);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatmul(cublasLtHandle_t handle, cublasLtMatmulDesc_t desc, const void* alpha,
                                            const void* a, cublasLtMatrixLayout_t a_desc, const void* b,
                                            cublasLtMatrixLayout_t b_desc, const void* beta, const void* c,
                                            cublasLtMatrixLayout_t c_desc, void* d, cublasLtMatrixLayout_t d_desc,
                                            const cublasLtMatmulAlgo_t* algo, void* workspace,
                                            size_t workspace_bytes, cudaStream_t stream) {
  TANDEM_LT_FORWARD(matmul, handle, desc, alpha, a, a_desc, b, b_desc, beta, c, c_desc, d, d_desc, algo, workspace,
                    workspace_bytes, stream);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatmulAlgoGetHeuristic(
    cublasLtHandle_t handle, cublasLtMatmulDesc_t desc, cublasLtMatrixLayout_t a_desc, cublasLtMatrixLayout_t b_desc,
    cublasLtMatrixLayout_t c_desc, cublasLtMatrixLayout_t d_desc, cublasLtMatmulPreference_t preference,
    int requested, cublasLtMatmulHeuristicResult_t results[], int* returned) {
  TANDEM_LT_FORWARD(matmul_algo_get_heuristic, handle, desc, a_desc, b_desc, c_desc, d_desc, preference, requested,
                    results, returned);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* desc, cublasComputeType_t compute,
                                                      cudaDataType_t scale) {
  TANDEM_LT_FORWARD(matmul_desc_create, desc, compute, scale);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t desc) {
  TANDEM_LT_FORWARD(matmul_desc_destroy, desc);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t desc,
                                                            cublasLtMatmulDescAttributes_t attr, const void* buf,
                                                            size_t bytes) {
  TANDEM_LT_FORWARD(matmul_desc_set_attribute, desc, attr, buf, bytes);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t* pref) {
  TANDEM_LT_FORWARD(preference_create, pref);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t pref) {
  TANDEM_LT_FORWARD(preference_destroy, pref);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t pref,
                                                                  cublasLtMatmulPreferenceAttributes_t attr,
                                                                  const void* buf, size_t bytes) {
  TANDEM_LT_FORWARD(preference_set_attribute, pref, attr, buf, bytes);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* layout, cudaDataType type,
                                                        uint64_t rows, uint64_t cols, int64_t ld) {
  TANDEM_LT_FORWARD(layout_create, layout, type, rows, cols, ld);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t layout) {
  TANDEM_LT_FORWARD(layout_destroy, layout);
}

TANDEM_HIDDEN cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t layout,
                                                              cublasLtMatrixLayoutAttribute_t attr, const void* buf,
                                                              size_t bytes) {
  TANDEM_LT_FORWARD(layout_set_attribute, layout, attr, buf, bytes);
}

}  // extern "C"
