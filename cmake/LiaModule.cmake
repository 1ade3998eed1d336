# lia_module(NAME SOURCES a.cc b.cc DEPS lia_core absl::status ...)
# One static library per module (STYLE habit 12): the links are the layering.
function(lia_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${LIA_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# lia_test(NAME SOURCES a_test.cc DEPS lia_analysis ...)
# A GoogleTest binary registered with CTest, one CTest entry per TEST.
function(lia_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${LIA_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    LIA_SOURCE_DIR="${LIA_SOURCE_DIR}" LIA_SHARED_DIR="${LIA_SHARED_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS "unit;${ARG_LABELS}")
endfunction()
