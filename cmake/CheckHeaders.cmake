# CheckHeaders.cmake: compiles every lull header on its own (Seastar's checkheaders), so a
# header that leans on its includer's includes fails the build instead of a later user.
function(lull_check_headers)
  file(GLOB_RECURSE headers RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/gc/*.h ${PROJECT_SOURCE_DIR}/config/*.h
       ${PROJECT_SOURCE_DIR}/runtime/*.h ${PROJECT_SOURCE_DIR}/daemon/*.h)
  set(sources)
  foreach(header IN LISTS headers)
    string(MAKE_C_IDENTIFIER ${header} id)
    set(source ${CMAKE_BINARY_DIR}/check_headers/${id}.cc)
    file(CONFIGURE OUTPUT ${source} CONTENT "#include \"${header}\"\n")
    list(APPEND sources ${source})
  endforeach()
  add_library(lull_check_headers OBJECT ${sources})
  target_link_libraries(lull_check_headers PRIVATE lull_daemon lull_warnings)
endfunction()
