// pthreadpool's C API (Debian's libpthreadpool-dev 2021-05 header), implemented on WorkPool.
//
// XNNPACK calls pthreadpool_parallelize_* by name, with the pool we pass it. These definitions
// take those calls because of ELF symbol lookup order: they live in the tandem executable, or in
// libtandem.so, and both come before libpthreadpool.so.0 (which libXNNPACK.so still lists as
// needed) in the process's lookup scope; tandem no longer links libpthreadpool at all.
// tests/kernels/work_pool_test.cc checks that XNNPACK's calls land here. Every function of the
// header is defined, so no call with one of our pools can reach the real library.
//
// Each parallelize_* call is a grid of up to six dimensions whose last one or two may be tiled;
// the grid's tiles are numbered row-major and handed to WorkPool as one range of items.
#include <pthreadpool.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/cpu/work_pool.h"

namespace tandem::kernels {
namespace {

using AnyFunction = void (*)();

struct Grid {
  int rank = 0;
  size_t range[6] = {};
  size_t tile[6] = {1, 1, 1, 1, 1, 1};
  size_t tiles[6] = {};  // tiles along each dimension
  // Calls the task for one tile: start and extent per dimension (extent 1 for untiled ones).
  void (*call)(const Grid&, const size_t* start, const size_t* extent) = nullptr;
  AnyFunction function = nullptr;
  void* context = nullptr;
  uint32_t uarch = 0;
};

void RunTiles(void* context, size_t begin, size_t end) {
  const Grid& g = *static_cast<const Grid*>(context);
  size_t index[6], start[6], extent[6];
  size_t rest = begin;
  for (int d = g.rank - 1; d >= 0; --d) {
    index[d] = rest % g.tiles[d];
    rest /= g.tiles[d];
  }
  for (size_t item = begin; item < end; ++item) {
    for (int d = 0; d < g.rank; ++d) {
      start[d] = index[d] * g.tile[d];
      extent[d] = std::min(g.tile[d], g.range[d] - start[d]);
    }
    g.call(g, start, extent);
    for (int d = g.rank - 1; d >= 0; --d) {  // odometer step to the next tile
      if (++index[d] < g.tiles[d]) break;
      index[d] = 0;
    }
  }
}

void RunGrid(pthreadpool_t pool, uint32_t flags, Grid& g) {
  size_t items = 1;
  for (int d = 0; d < g.rank; ++d) {
    if (g.range[d] == 0) return;
    g.tile[d] = std::max<size_t>(1, g.tile[d]);
    g.tiles[d] = (g.range[d] + g.tile[d] - 1) / g.tile[d];
    items *= g.tiles[d];
  }
  if (pool == nullptr) {
    WorkPool::RunInline(items, RunTiles, &g, flags);
  } else {
    reinterpret_cast<WorkPool*>(pool)->Run(items, RunTiles, &g, flags);
  }
}

template <typename Task>
Grid MakeGrid(Task task, void* context, std::initializer_list<size_t> ranges,
              std::initializer_list<size_t> tiles,
              void (*call)(const Grid&, const size_t*, const size_t*), uint32_t uarch = 0) {
  Grid g;
  g.rank = static_cast<int>(ranges.size());
  std::copy(ranges.begin(), ranges.end(), g.range);
  std::copy(tiles.begin(), tiles.end(), g.tile + (g.rank - tiles.size()));
  g.call = call;
  g.function = reinterpret_cast<AnyFunction>(task);
  g.context = context;
  g.uarch = uarch;
  return g;
}

template <typename Task>
Task As(const Grid& g) {
  return reinterpret_cast<Task>(g.function);
}

}  // namespace
}  // namespace tandem::kernels

using tandem::kernels::As;
using tandem::kernels::Grid;
using tandem::kernels::MakeGrid;
using tandem::kernels::RunGrid;
using tandem::kernels::WorkPool;

extern "C" {

pthreadpool_t pthreadpool_create(size_t threads_count) {
  return reinterpret_cast<pthreadpool_t>(new WorkPool(threads_count));
}

void pthreadpool_destroy(pthreadpool_t threadpool) { delete reinterpret_cast<WorkPool*>(threadpool); }

size_t pthreadpool_get_threads_count(pthreadpool_t threadpool) {
  return threadpool == nullptr ? 1 : reinterpret_cast<WorkPool*>(threadpool)->threads();
}

void pthreadpool_parallelize_1d(pthreadpool_t pool, pthreadpool_task_1d_t task, void* context, size_t range,
                                uint32_t flags) {
  Grid g = MakeGrid(task, context, {range}, {}, [](const Grid& g, const size_t* s, const size_t*) {
    As<pthreadpool_task_1d_t>(g)(g.context, s[0]);
  });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_1d_with_uarch(pthreadpool_t pool, pthreadpool_task_1d_with_id_t task, void* context,
                                           uint32_t default_uarch_index, uint32_t, size_t range, uint32_t flags) {
  Grid g = MakeGrid(
      task, context, {range}, {},
      [](const Grid& g, const size_t* s, const size_t*) { As<pthreadpool_task_1d_with_id_t>(g)(g.context, g.uarch, s[0]); },
      default_uarch_index);
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_1d_tile_1d(pthreadpool_t pool, pthreadpool_task_1d_tile_1d_t task, void* context,
                                        size_t range, size_t tile, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range}, {tile}, [](const Grid& g, const size_t* s, const size_t* e) {
    As<pthreadpool_task_1d_tile_1d_t>(g)(g.context, s[0], e[0]);
  });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_2d(pthreadpool_t pool, pthreadpool_task_2d_t task, void* context, size_t range_i,
                                size_t range_j, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j}, {}, [](const Grid& g, const size_t* s, const size_t*) {
    As<pthreadpool_task_2d_t>(g)(g.context, s[0], s[1]);
  });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_2d_tile_1d(pthreadpool_t pool, pthreadpool_task_2d_tile_1d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t tile_j, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j}, {tile_j}, [](const Grid& g, const size_t* s, const size_t* e) {
    As<pthreadpool_task_2d_tile_1d_t>(g)(g.context, s[0], s[1], e[1]);
  });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_2d_tile_2d(pthreadpool_t pool, pthreadpool_task_2d_tile_2d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t tile_i, size_t tile_j,
                                        uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j}, {tile_i, tile_j},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_task_2d_tile_2d_t>(g)(g.context, s[0], s[1], e[0], e[1]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_2d_tile_2d_with_uarch(pthreadpool_t pool, pthreadpool_task_2d_tile_2d_with_id_t task,
                                                   void* context, uint32_t default_uarch_index, uint32_t,
                                                   size_t range_i, size_t range_j, size_t tile_i, size_t tile_j,
                                                   uint32_t flags) {
  Grid g = MakeGrid(
      task, context, {range_i, range_j}, {tile_i, tile_j},
      [](const Grid& g, const size_t* s, const size_t* e) {
        As<pthreadpool_task_2d_tile_2d_with_id_t>(g)(g.context, g.uarch, s[0], s[1], e[0], e[1]);
      },
      default_uarch_index);
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_3d(pthreadpool_t pool, pthreadpool_task_3d_t task, void* context, size_t range_i,
                                size_t range_j, size_t range_k, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k}, {},
                    [](const Grid& g, const size_t* s, const size_t*) {
                      As<pthreadpool_task_3d_t>(g)(g.context, s[0], s[1], s[2]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_3d_tile_1d(pthreadpool_t pool, pthreadpool_task_3d_tile_1d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t range_k, size_t tile_k,
                                        uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k}, {tile_k},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_task_3d_tile_1d_t>(g)(g.context, s[0], s[1], s[2], e[2]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_3d_tile_2d(pthreadpool_t pool, pthreadpool_task_3d_tile_2d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t range_k, size_t tile_j,
                                        size_t tile_k, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k}, {tile_j, tile_k},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_task_3d_tile_2d_t>(g)(g.context, s[0], s[1], s[2], e[1], e[2]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_3d_tile_2d_with_uarch(pthreadpool_t pool, pthreadpool_task_3d_tile_2d_with_id_t task,
                                                   void* context, uint32_t default_uarch_index, uint32_t,
                                                   size_t range_i, size_t range_j, size_t range_k, size_t tile_j,
                                                   size_t tile_k, uint32_t flags) {
  Grid g = MakeGrid(
      task, context, {range_i, range_j, range_k}, {tile_j, tile_k},
      [](const Grid& g, const size_t* s, const size_t* e) {
        As<pthreadpool_task_3d_tile_2d_with_id_t>(g)(g.context, g.uarch, s[0], s[1], s[2], e[1], e[2]);
      },
      default_uarch_index);
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_4d(pthreadpool_t pool, pthreadpool_task_4d_t task, void* context, size_t range_i,
                                size_t range_j, size_t range_k, size_t range_l, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k, range_l}, {},
                    [](const Grid& g, const size_t* s, const size_t*) {
                      As<pthreadpool_task_4d_t>(g)(g.context, s[0], s[1], s[2], s[3]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_4d_tile_1d(pthreadpool_t pool, pthreadpool_task_4d_tile_1d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t range_k, size_t range_l,
                                        size_t tile_l, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k, range_l}, {tile_l},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_task_4d_tile_1d_t>(g)(g.context, s[0], s[1], s[2], s[3], e[3]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_4d_tile_2d(pthreadpool_t pool, pthreadpool_task_4d_tile_2d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t range_k, size_t range_l,
                                        size_t tile_k, size_t tile_l, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k, range_l}, {tile_k, tile_l},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_task_4d_tile_2d_t>(g)(g.context, s[0], s[1], s[2], s[3], e[2], e[3]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_4d_tile_2d_with_uarch(pthreadpool_t pool, pthreadpool_task_4d_tile_2d_with_id_t task,
                                                   void* context, uint32_t default_uarch_index, uint32_t,
                                                   size_t range_i, size_t range_j, size_t range_k, size_t range_l,
                                                   size_t tile_k, size_t tile_l, uint32_t flags) {
  Grid g = MakeGrid(
      task, context, {range_i, range_j, range_k, range_l}, {tile_k, tile_l},
      [](const Grid& g, const size_t* s, const size_t* e) {
        As<pthreadpool_task_4d_tile_2d_with_id_t>(g)(g.context, g.uarch, s[0], s[1], s[2], s[3], e[2], e[3]);
      },
      default_uarch_index);
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_5d(pthreadpool_t pool, pthreadpool_task_5d_t task, void* context, size_t range_i,
                                size_t range_j, size_t range_k, size_t range_l, size_t range_m, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k, range_l, range_m}, {},
                    [](const Grid& g, const size_t* s, const size_t*) {
                      As<pthreadpool_task_5d_t>(g)(g.context, s[0], s[1], s[2], s[3], s[4]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_5d_tile_1d(pthreadpool_t pool, pthreadpool_task_5d_tile_1d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t range_k, size_t range_l,
                                        size_t range_m, size_t tile_m, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k, range_l, range_m}, {tile_m},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_task_5d_tile_1d_t>(g)(g.context, s[0], s[1], s[2], s[3], s[4], e[4]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_5d_tile_2d(pthreadpool_t pool, pthreadpool_task_5d_tile_2d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t range_k, size_t range_l,
                                        size_t range_m, size_t tile_l, size_t tile_m, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k, range_l, range_m}, {tile_l, tile_m},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_task_5d_tile_2d_t>(g)(g.context, s[0], s[1], s[2], s[3], s[4], e[3], e[4]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_6d(pthreadpool_t pool, pthreadpool_task_6d_t task, void* context, size_t range_i,
                                size_t range_j, size_t range_k, size_t range_l, size_t range_m, size_t range_n,
                                uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k, range_l, range_m, range_n}, {},
                    [](const Grid& g, const size_t* s, const size_t*) {
                      As<pthreadpool_task_6d_t>(g)(g.context, s[0], s[1], s[2], s[3], s[4], s[5]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_6d_tile_1d(pthreadpool_t pool, pthreadpool_task_6d_tile_1d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t range_k, size_t range_l,
                                        size_t range_m, size_t range_n, size_t tile_n, uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k, range_l, range_m, range_n}, {tile_n},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_task_6d_tile_1d_t>(g)(g.context, s[0], s[1], s[2], s[3], s[4], s[5], e[5]);
                    });
  RunGrid(pool, flags, g);
}

void pthreadpool_parallelize_6d_tile_2d(pthreadpool_t pool, pthreadpool_task_6d_tile_2d_t task, void* context,
                                        size_t range_i, size_t range_j, size_t range_k, size_t range_l,
                                        size_t range_m, size_t range_n, size_t tile_m, size_t tile_n,
                                        uint32_t flags) {
  Grid g = MakeGrid(task, context, {range_i, range_j, range_k, range_l, range_m, range_n}, {tile_m, tile_n},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_task_6d_tile_2d_t>(g)(g.context, s[0], s[1], s[2], s[3], s[4], s[5], e[4],
                                                            e[5]);
                    });
  RunGrid(pool, flags, g);
}

// The deprecated pre-2020 API, for completeness (nothing in tandem or XNNPACK calls it).
void pthreadpool_compute_1d(pthreadpool_t pool, pthreadpool_function_1d_t function, void* argument, size_t range) {
  pthreadpool_parallelize_1d(pool, function, argument, range, 0);
}

void pthreadpool_compute_1d_tiled(pthreadpool_t pool, pthreadpool_function_1d_tiled_t function, void* argument,
                                  size_t range, size_t tile) {
  pthreadpool_parallelize_1d_tile_1d(pool, function, argument, range, tile, 0);
}

void pthreadpool_compute_2d(pthreadpool_t pool, pthreadpool_function_2d_t function, void* argument, size_t range_i,
                            size_t range_j) {
  pthreadpool_parallelize_2d(pool, function, argument, range_i, range_j, 0);
}

void pthreadpool_compute_2d_tiled(pthreadpool_t pool, pthreadpool_function_2d_tiled_t function, void* argument,
                                  size_t range_i, size_t range_j, size_t tile_i, size_t tile_j) {
  pthreadpool_parallelize_2d_tile_2d(pool, function, argument, range_i, range_j, tile_i, tile_j, 0);
}

void pthreadpool_compute_3d_tiled(pthreadpool_t pool, pthreadpool_function_3d_tiled_t function, void* argument,
                                  size_t range_i, size_t range_j, size_t range_k, size_t tile_i, size_t tile_j,
                                  size_t tile_k) {
  Grid g = MakeGrid(function, argument, {range_i, range_j, range_k}, {tile_i, tile_j, tile_k},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_function_3d_tiled_t>(g)(g.context, s[0], s[1], s[2], e[0], e[1], e[2]);
                    });
  RunGrid(pool, 0, g);
}

void pthreadpool_compute_4d_tiled(pthreadpool_t pool, pthreadpool_function_4d_tiled_t function, void* argument,
                                  size_t range_i, size_t range_j, size_t range_k, size_t range_l, size_t tile_i,
                                  size_t tile_j, size_t tile_k, size_t tile_l) {
  Grid g = MakeGrid(function, argument, {range_i, range_j, range_k, range_l}, {tile_i, tile_j, tile_k, tile_l},
                    [](const Grid& g, const size_t* s, const size_t* e) {
                      As<pthreadpool_function_4d_tiled_t>(g)(g.context, s[0], s[1], s[2], s[3], e[0], e[1], e[2],
                                                              e[3]);
                    });
  RunGrid(pool, 0, g);
}

}  // extern "C"
