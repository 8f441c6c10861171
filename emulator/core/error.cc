#include "emulator/core/error.h"
// aws_error is header-only; this file keeps one translation unit per header for the
// header-compiles-alone check and is the home for future out-of-line helpers.
