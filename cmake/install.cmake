# What `cmake --install` puts where, and the Debian packages `cpack -G DEB` makes of it:
#   nmt         bin/nmt-*                                   the tools (component "tools")
#   libnmt-dev  include/nmt/{nmt,tokenizer,corpora}/*.h     the library (component "dev"):
#               lib/libnmt_*.a, lib/cmake/nmt/ (find_package(nmt) -> nmt::nmt), lib/pkgconfig/nmt.pc
include(GNUInstallDirs)
# Installed tools keep the path of the OpenMP build of OpenBLAS that they were linked with: through
# the default alternative they could get the pthread build, which is much slower (CMakeLists.txt).
set(CMAKE_INSTALL_RPATH_USE_LINK_PATH TRUE)
include(CMakePackageConfigHelpers)

set(nmt_layer_libraries nmt_serve nmt_classify nmt_train nmt_search nmt_models nmt_layers nmt_corpora nmt_tokenizer
    nmt_metrics nmt_engine)
# nmt::nmt: everything, with the include folder that holds nmt/, tokenizer/ and corpora/.
add_library(nmt INTERFACE)
target_link_libraries(nmt INTERFACE ${nmt_layer_libraries})
target_include_directories(nmt INTERFACE $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}>
                                         $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/nmt>)
add_library(nmt::nmt ALIAS nmt)

file(GLOB tool_targets RELATIVE ${CMAKE_SOURCE_DIR}/tools CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tools/nmt-*.cpp)
list(TRANSFORM tool_targets REPLACE "\\.cpp$" "")
install(TARGETS ${tool_targets} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)

install(TARGETS nmt ${nmt_layer_libraries} nmt_openblas nmt_httplib EXPORT nmtTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
foreach(dir nmt tokenizer corpora)
  install(DIRECTORY ${CMAKE_SOURCE_DIR}/${dir} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nmt COMPONENT dev
          FILES_MATCHING PATTERN "*.h")
endforeach()
set(cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/nmt)
install(EXPORT nmtTargets NAMESPACE nmt:: DESTINATION ${cmake_dir} COMPONENT dev)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/nmtConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/packaging/nmtConfig.cmake INSTALL_DESTINATION ${cmake_dir})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/packaging/nmtConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/packaging/nmtConfig.cmake ${CMAKE_BINARY_DIR}/packaging/nmtConfigVersion.cmake
        DESTINATION ${cmake_dir} COMPONENT dev)

# pkg-config: prefix found from the .pc file's own place, so that any --prefix works.
string(REGEX REPLACE "[^/]+" ".." NMT_PC_TO_PREFIX "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(NMT_OPENBLAS_FROM_PKGCONFIG)
  set(NMT_OPENBLAS_LINK "-lopenblas")
else()
  set(NMT_OPENBLAS_LINK "${OPENBLAS_OPENMP_LIBRARY}")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/nmt.pc.in ${CMAKE_BINARY_DIR}/packaging/nmt.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/nmt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# Debian packages (cpack -G DEB): nmt (the tools; its Depends found by dpkg-shlibdeps) and
# libnmt-dev (headers and static libraries; Depends on the -dev packages they are built against).
set(CPACK_PACKAGE_NAME nmt)
set(CPACK_PACKAGE_VENDOR "nmt maintainers")
set(CPACK_PACKAGE_CONTACT "nmt maintainers <maintainers@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "neural machine translation on CPUs: train, translate, score")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL tools dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # nmt_0.1.0_amd64.deb, libnmt-dev_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME nmt)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "libopenblas0-openmp")  # the build it links (see RPATH above)
set(CPACK_DEBIAN_TOOLS_DESCRIPTION "neural machine translation on CPUs: the tools
 nmt-train, nmt-translate, nmt-serve (HTTP service), nmt-bleu (sacreBLEU's scores), nmt-average,
 nmt-plot, nmt-model-info, nmt-classify (sentence classifiers with attention pooling)
 and the benchmarks: Transformer and RNN (Bahdanau, Luong) encoder-decoders on CPUs.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libnmt-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libopenblas-openmp-dev, libsentencepiece-dev, libicu-dev, libboost-program-options-dev, libboost-serialization-dev, libcpp-httplib-dev, nlohmann-json3-dev, pkg-config")
set(CPACK_DEBIAN_DEV_DESCRIPTION "neural machine translation on CPUs: the C++ library
 Headers, static libraries, a CMake package (find_package(nmt), target nmt::nmt) and a
 pkg-config file (nmt) for embedding the translator in another program.")
include(CPack)
