# The install.consumer test: installs tandem into a fresh prefix, then configures and builds
# examples/classify as a separate project with find_package(tandem), and runs it on a model.
# Usage: cmake -DBINARY_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DMODEL=... -P consumer_test.cmake
foreach(var BINARY_DIR SOURCE_DIR WORK_DIR MODEL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "consumer_test.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("$ ${ARGN}\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (exit ${rc})")
  endif()
endfunction()

step(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
foreach(f include/tandem/session.h include/tandem/tensor.h include/tandem/status.h
          lib/cmake/tandem/tandemConfig.cmake)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "the install lacks ${f}")
  endif()
endforeach()
# Only the public headers are installed: an application cannot reach the internals.
file(GLOB_RECURSE headers RELATIVE ${prefix}/include ${prefix}/include/*)
foreach(h ${headers})
  if(NOT h MATCHES "^tandem/")
    message(FATAL_ERROR "the install has a header outside include/tandem: ${h}")
  endif()
endforeach()

step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/classify -B ${WORK_DIR}/build -G Ninja
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
step(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
step(${WORK_DIR}/build/tandem-classify ${MODEL})
