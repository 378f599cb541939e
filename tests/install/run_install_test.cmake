# cmake -DCORIO_BUILD_DIR=<build tree> -DCONSUMER_SOURCE_DIR=<consumer> -DWORK_DIR=<scratch>
#       [-DCONFIG=<build type>] [-DGENERATOR=<generator>] [-DMAKE_PROGRAM=<path>]
#       [-DCXX_COMPILER=<path>] [-DSANITIZE=<sanitizers>] -P run_install_test.cmake
#
# Installs CORIO_BUILD_DIR into WORK_DIR/prefix, configures and builds the consumer in
# WORK_DIR/build against that prefix, and runs it. WORK_DIR is emptied first.
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS CORIO_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "run_install_test.cmake: ${var} is not set")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc COMMAND_ECHO STDOUT)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${what} failed (${rc})")
  endif()
endfunction()

set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
run_step("cmake --install" ${CMAKE_COMMAND} --install ${CORIO_BUILD_DIR} --prefix ${prefix}
  ${config_args})

set(configure_args -S ${CONSUMER_SOURCE_DIR} -B ${build} -DCMAKE_PREFIX_PATH=${prefix}
  # Only the scratch prefix may satisfy find_package, never a registry entry.
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(GENERATOR)
  list(APPEND configure_args -G ${GENERATOR})
endif()
if(MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(CXX_COMPILER)
  list(APPEND configure_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(CONFIG)
  list(APPEND configure_args -DCMAKE_BUILD_TYPE=${CONFIG})
endif()
if(SANITIZE)
  list(APPEND configure_args -DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE}
    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE})
endif()
run_step("configuring the consumer" ${CMAKE_COMMAND} ${configure_args})

# find_package must have picked the config we just installed.
file(STRINGS ${build}/CMakeCache.txt corio_dir_line REGEX "^corio_DIR:")
string(REGEX REPLACE "^corio_DIR:[A-Z]+=" "" corio_dir "${corio_dir_line}")
file(REAL_PATH ${corio_dir} corio_dir)
file(REAL_PATH ${prefix} real_prefix)
string(FIND "${corio_dir}" "${real_prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "install test: corio was found in ${corio_dir}, not under ${prefix}")
endif()

run_step("building the consumer" ${CMAKE_COMMAND} --build ${build} ${config_args})

find_program(consumer corio_install_consumer PATHS ${build} ${build}/${CONFIG}
  NO_DEFAULT_PATH REQUIRED)
run_step("running the consumer" ${consumer})
