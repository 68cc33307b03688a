# FindRandom123: locates the header-only Random123 library (Debian:
# librandom123-dev), which ships no CMake configuration of its own.
#
# Defines the imported target Random123::Random123 and the variables
# Random123_FOUND, Random123_INCLUDE_DIR and Random123_VERSION.
find_path(Random123_INCLUDE_DIR
  NAMES Random123/philox.h
  DOC "Directory holding Random123/philox.h")

if(Random123_INCLUDE_DIR AND EXISTS "${Random123_INCLUDE_DIR}/Random123/features/compilerfeatures.h")
  # Random123 records no version in its headers; Debian's package does in its
  # documentation only. Report what we can verify: the Philox header exists.
  set(Random123_VERSION "unknown")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Random123
  REQUIRED_VARS Random123_INCLUDE_DIR)

if(Random123_FOUND AND NOT TARGET Random123::Random123)
  add_library(Random123::Random123 INTERFACE IMPORTED)
  set_target_properties(Random123::Random123 PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${Random123_INCLUDE_DIR}")
endif()
mark_as_advanced(Random123_INCLUDE_DIR)
