// WorkPool and the pthreadpool C API on it: every grid shape covers each point once with the
// right tile extents; the caller finishes a region alone when the workers cannot start; regions
// from many threads; the denormals flag; and XNNPACK's pthreadpool calls landing here.
#include "kernels/cpu/work_pool.h"

#include <dlfcn.h>
#include <pthreadpool.h>
#include <xnnpack.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "gtest/gtest.h"
#include "kernels/cpu/xnn_status.h"

namespace tandem::kernels {
namespace {

struct PoolDeleter {
  void operator()(pthreadpool_t pool) const { pthreadpool_destroy(pool); }
};
using PoolPtr = std::unique_ptr<pthreadpool, PoolDeleter>;

// Counts visits per point of a grid of up to six dimensions.
struct Coverage {
  std::vector<size_t> range;
  std::vector<std::atomic<int>> visits;
  std::atomic<int> bad_extents{0};

  explicit Coverage(std::vector<size_t> r)
      : range(std::move(r)), visits(std::accumulate(range.begin(), range.end(), size_t{1}, std::multiplies<>())) {}

  // Marks the box [start, start + extent) and checks the extents against the tile sizes.
  void Mark(const std::vector<size_t>& start, const std::vector<size_t>& extent, const std::vector<size_t>& tile) {
    for (size_t d = 0; d < range.size(); ++d) {
      if (extent[d] != std::min(tile[d], range[d] - start[d])) bad_extents.fetch_add(1);
    }
    std::vector<size_t> p = start;
    for (;;) {
      size_t flat = 0;
      for (size_t d = 0; d < range.size(); ++d) flat = flat * range[d] + p[d];
      visits[flat].fetch_add(1);
      size_t d = range.size();
      while (d > 0) {
        --d;
        if (++p[d] < start[d] + extent[d]) break;
        p[d] = start[d];
        if (d == 0) return;
      }
    }
  }

  void ExpectEachPointOnce() const {
    EXPECT_EQ(bad_extents.load(), 0);
    for (size_t i = 0; i < visits.size(); ++i) ASSERT_EQ(visits[i].load(), 1) << "point " << i;
  }
};

class PthreadpoolApiTest : public ::testing::TestWithParam<size_t> {
 protected:
  // 0 stands for a null pool (serial on the caller).
  void SetUp() override {
    if (GetParam() > 0) pool_.reset(pthreadpool_create(GetParam()));
  }
  pthreadpool_t pool() { return pool_.get(); }
  PoolPtr pool_;
};

TEST_P(PthreadpoolApiTest, ThreadCountCountsTheCaller) {
  EXPECT_EQ(pthreadpool_get_threads_count(pool()), GetParam() == 0 ? 1u : GetParam());
}

TEST_P(PthreadpoolApiTest, OneDimensionVisitsEachIndexOnce) {
  Coverage c({1001});
  pthreadpool_parallelize_1d(
      pool(), [](void* ctx, size_t i) { static_cast<Coverage*>(ctx)->Mark({i}, {1}, {1}); }, &c, 1001, 0);
  c.ExpectEachPointOnce();
}

TEST_P(PthreadpoolApiTest, OneDimensionTiledGivesShortLastTile) {
  Coverage c({103});
  pthreadpool_parallelize_1d_tile_1d(
      pool(), [](void* ctx, size_t s, size_t e) { static_cast<Coverage*>(ctx)->Mark({s}, {e}, {10}); }, &c, 103, 10,
      0);
  c.ExpectEachPointOnce();
}

TEST_P(PthreadpoolApiTest, UarchVariantsPassTheDefaultIndex) {
  Coverage c({37, 29});
  struct Ctx {
    Coverage* c;
    std::atomic<int> wrong_uarch{0};
  } ctx{&c};
  pthreadpool_parallelize_2d_tile_2d_with_uarch(
      pool(),
      [](void* p, uint32_t uarch, size_t i, size_t j, size_t ei, size_t ej) {
        auto* x = static_cast<Ctx*>(p);
        if (uarch != 3) x->wrong_uarch.fetch_add(1);
        x->c->Mark({i, j}, {ei, ej}, {4, 8});
      },
      &ctx, 3, 7, 37, 29, 4, 8, 0);
  c.ExpectEachPointOnce();
  EXPECT_EQ(ctx.wrong_uarch.load(), 0);
}

TEST_P(PthreadpoolApiTest, ThreeDimensionsTiledOnTheLastTwo) {
  Coverage c({3, 17, 9});
  pthreadpool_parallelize_3d_tile_2d(
      pool(),
      [](void* ctx, size_t i, size_t j, size_t k, size_t ej, size_t ek) {
        static_cast<Coverage*>(ctx)->Mark({i, j, k}, {1, ej, ek}, {1, 5, 4});
      },
      &c, 3, 17, 9, 5, 4, 0);
  c.ExpectEachPointOnce();
}

TEST_P(PthreadpoolApiTest, FourDimensionsTiledOnTheLastTwo) {
  Coverage c({2, 3, 7, 11});
  pthreadpool_parallelize_4d_tile_2d(
      pool(),
      [](void* ctx, size_t i, size_t j, size_t k, size_t l, size_t ek, size_t el) {
        static_cast<Coverage*>(ctx)->Mark({i, j, k, l}, {1, 1, ek, el}, {1, 1, 2, 3});
      },
      &c, 2, 3, 7, 11, 2, 3, 0);
  c.ExpectEachPointOnce();
}

TEST_P(PthreadpoolApiTest, SixDimensionsTiledOnTheLastTwo) {
  Coverage c({2, 2, 3, 2, 5, 7});
  pthreadpool_parallelize_6d_tile_2d(
      pool(),
      [](void* ctx, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n, size_t em, size_t en) {
        static_cast<Coverage*>(ctx)->Mark({i, j, k, l, m, n}, {1, 1, 1, 1, em, en}, {1, 1, 1, 1, 2, 4});
      },
      &c, 2, 2, 3, 2, 5, 7, 2, 4, 0);
  c.ExpectEachPointOnce();
}

TEST_P(PthreadpoolApiTest, UntiledFiveDimensions) {
  Coverage c({2, 3, 1, 4, 5});
  pthreadpool_parallelize_5d(
      pool(),
      [](void* ctx, size_t i, size_t j, size_t k, size_t l, size_t m) {
        static_cast<Coverage*>(ctx)->Mark({i, j, k, l, m}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1});
      },
      &c, 2, 3, 1, 4, 5, 0);
  c.ExpectEachPointOnce();
}

TEST_P(PthreadpoolApiTest, EmptyRangeCallsNothing) {
  std::atomic<int> calls{0};
  pthreadpool_parallelize_2d(
      pool(), [](void* ctx, size_t, size_t) { static_cast<std::atomic<int>*>(ctx)->fetch_add(1); }, &calls, 5, 0, 0);
  EXPECT_EQ(calls.load(), 0);
}

#if defined(__x86_64__)
TEST_P(PthreadpoolApiTest, DisableDenormalsFlagHoldsForTheRegionOnly) {
  unsigned before = _mm_getcsr();
  std::atomic<int> without_ftz{0};
  pthreadpool_parallelize_1d(
      pool(),
      [](void* ctx, size_t) {
        if ((_mm_getcsr() & 0x8040) != 0x8040) static_cast<std::atomic<int>*>(ctx)->fetch_add(1);
      },
      &without_ftz, 64, PTHREADPOOL_FLAG_DISABLE_DENORMALS);
  EXPECT_EQ(without_ftz.load(), 0);
  EXPECT_EQ(_mm_getcsr(), before);
}
#endif

INSTANTIATE_TEST_SUITE_P(Threads, PthreadpoolApiTest, ::testing::Values(0, 1, 2, 4),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

// Caller-runs: with every worker held before it can join, a region still completes, all on the
// caller. (pthreadpool would wait here until the workers are released.)
TEST(WorkPool, CallerFinishesTheRegionWhenNoWorkerCanStart) {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  auto pool = std::make_unique<WorkPool>(3, [&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return released; });
  });
  struct Ctx {
    std::thread::id caller = std::this_thread::get_id();
    std::atomic<size_t> items{0};
    std::atomic<size_t> elsewhere{0};
  } ctx;
  pool->Run(
      1000,
      [](void* p, size_t begin, size_t end) {
        auto* c = static_cast<Ctx*>(p);
        c->items.fetch_add(end - begin);
        if (std::this_thread::get_id() != c->caller) c->elsewhere.fetch_add(end - begin);
      },
      &ctx);
  EXPECT_EQ(ctx.items.load(), 1000u);
  EXPECT_EQ(ctx.elsewhere.load(), 0u);
  {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
  }
  cv.notify_all();
  // The workers now wake into a finished region and must not touch it; the pool still works.
  ctx.items = 0;
  pool->Run(
      500, [](void* p, size_t b, size_t e) { static_cast<Ctx*>(p)->items.fetch_add(e - b); }, &ctx);
  EXPECT_EQ(ctx.items.load(), 500u);
  pool.reset();
}

TEST(WorkPool, WorkersShareTheItemsWhenTheyCanRun) {
  WorkPool pool(2);
  struct Ctx {
    std::thread::id caller = std::this_thread::get_id();
    std::atomic<size_t> elsewhere{0};
  } ctx;
  // Regions long enough that the worker wakes during one of them.
  for (int r = 0; r < 200 && ctx.elsewhere.load() == 0; ++r) {
    pool.Run(
        64,
        [](void* p, size_t b, size_t e) {
          auto* c = static_cast<Ctx*>(p);
          volatile double x = 0;
          for (int i = 0; i < 20000; ++i) x = x + std::sqrt(static_cast<double>(i));
          if (std::this_thread::get_id() != c->caller) c->elsewhere.fetch_add(e - b);
        },
        &ctx);
  }
  EXPECT_GT(ctx.elsewhere.load(), 0u);
  EXPECT_GE(pool.regions(), 1u);
}

TEST(WorkPool, RegionsFromManyThreadsRunOneAfterAnother) {
  WorkPool pool(3);
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int r = 0; r < 200; ++r) {
        pool.Run(
            97,
            [](void* p, size_t b, size_t e) {
              int64_t sum = 0;
              for (size_t i = b; i < e; ++i) sum += static_cast<int64_t>(i);
              static_cast<std::atomic<int64_t>*>(p)->fetch_add(sum);
            },
            &total);
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(total.load(), int64_t{4} * 200 * (96 * 97 / 2));
}

TEST(WorkPool, ZeroThreadsMeansOnePerCpu) {
  WorkPool pool(0);
  EXPECT_EQ(pool.threads(), std::thread::hardware_concurrency());
}

// XNNPACK calls pthreadpool_parallelize_* by name: those calls must bind to tandem's definitions
// (a pool from pthreadpool_create here is a WorkPool, which the real library would misread).
TEST(PthreadpoolApi, XnnpackRunsOnTandemsPool) {
  using Parallelize1d = void (*)(pthreadpool_t, pthreadpool_task_1d_t, void*, size_t, uint32_t);
  Parallelize1d ours = &pthreadpool_parallelize_1d;
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "pthreadpool_parallelize_1d"), reinterpret_cast<void*>(ours));
  ASSERT_TRUE(cpu::XnnInitialize("test").ok());
  PoolPtr pool(pthreadpool_create(2));
  auto* work_pool = reinterpret_cast<WorkPool*>(pool.get());
  constexpr size_t kRows = 4096, kChannels = 16;
  std::vector<float> in(kRows * kChannels), out(in.size());
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i % kChannels);
  xnn_operator_t op = nullptr;
  ASSERT_EQ(xnn_create_softmax_nc_f32(kChannels, kChannels, kChannels, 0, &op), xnn_status_success);
  cpu::XnnOperatorPtr owned(op);
  ASSERT_EQ(xnn_setup_softmax_nc_f32(op, kRows, in.data(), out.data(), pool.get()), xnn_status_success);
  uint64_t regions_before = work_pool->regions();
  ASSERT_EQ(xnn_run_operator(op, pool.get()), xnn_status_success);
  EXPECT_GT(work_pool->regions(), regions_before);
  double denominator = 0;
  for (size_t c = 0; c < kChannels; ++c) denominator += std::exp(static_cast<double>(c));
  for (size_t r = 0; r < kRows; r += 1023) {
    EXPECT_NEAR(out[r * kChannels + 15], std::exp(15.0) / denominator, 1e-6) << "row " << r;
  }
}

}  // namespace
}  // namespace tandem::kernels
